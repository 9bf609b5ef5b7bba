import { limitRequests } from '../../http/middleware/rate-limit';
import { defineRoute } from '../../http/openapi-route';
import { problems } from '../../http/problem';
import { AcceptedDetailSchema } from '../account/account.schemas';
import {
  EmailVerifiedSchema,
  ResendVerificationRequestSchema,
  VerifyEmailRequestSchema,
} from './email-verification.schemas';

const json = <T>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });

export const verifyEmailRoute = defineRoute({
  operationId: 'verifyEmail',
  method: 'post',
  path: '/auth/email/verify',
  tags: ['auth'],
  summary: 'Verify the email address with the emailed token',
  description:
    "Spends the single-use token (valid 24 hours) and marks the address verified. A token works only while the address it was sent to is still the account's.",
  middleware: [limitRequests('AUTH_IP_LIMITER')] as const,
  request: { body: json(VerifyEmailRequestSchema) },
  responses: {
    200: { description: 'Verified', content: { 'application/json': { schema: EmailVerifiedSchema } } },
  },
  problems: [problems.invalidVerificationToken()],
});

export const resendVerificationRoute = defineRoute({
  operationId: 'resendVerificationEmail',
  method: 'post',
  path: '/auth/email/verify/resend',
  tags: ['auth'],
  summary: 'Ask for a new verification email',
  description:
    'Always answers 202 with the same body, whether or not an unverified account has this email. At most 3 verification emails per account per hour.',
  middleware: [limitRequests('EMAIL_IP_LIMITER')] as const,
  request: { body: json(ResendVerificationRequestSchema) },
  responses: {
    202: { description: 'Accepted', content: { 'application/json': { schema: AcceptedDetailSchema } } },
  },
});
