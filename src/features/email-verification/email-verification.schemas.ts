import { z } from '@hono/zod-openapi';
import { plainText } from '../../http/input-text';
import { EmailSchema } from '../auth/auth.schemas';

export const VerifyEmailRequestSchema = z
  .object({
    token: plainText().min(1).max(256).openapi({ description: 'The token from the verification email' }),
  })
  .strict()
  .openapi('VerifyEmailRequest');

export const EmailVerifiedSchema = z
  .object({ email: z.string(), email_verified: z.literal(true), detail: z.string() })
  .openapi('EmailVerified', {
    example: { email: 'ada@example.com', email_verified: true, detail: 'Your email address is verified.' },
  });

export const ResendVerificationRequestSchema = z
  .object({ email: EmailSchema })
  .strict()
  .openapi('ResendVerificationRequest');
