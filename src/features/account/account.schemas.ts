// API DTOs of the account endpoints (password reset and change, TFA settings), registered as OpenAPI
// components with examples.
import { z } from '@hono/zod-openapi';
import { plainText } from '../../http/input-text';
import { DeviceTypeSchema, EmailSchema } from '../auth/auth.schemas';
import { CurrentPasswordSchema, NewPasswordSchema } from './password-policy';

export const ForgotPasswordRequestSchema = z
  .object({
    email: EmailSchema,
  })
  .strict()
  .openapi('ForgotPasswordRequest');

export const AcceptedDetailSchema = z.object({ detail: z.string() }).openapi('AcceptedDetail', {
  example: { detail: 'If an account exists for this email, a reset link has been sent.' },
});

export const ResetPasswordRequestSchema = z
  .object({
    token: plainText().min(1).max(256).openapi({ description: 'The token from the reset email' }),
    new_password: NewPasswordSchema,
  })
  .strict()
  .openapi('ResetPasswordRequest');

export const ChangePasswordRequestSchema = z
  .object({
    current_password: CurrentPasswordSchema,
    new_password: NewPasswordSchema,
  })
  .strict()
  .openapi('ChangePasswordRequest');

export const PasswordUpdatedSchema = z
  .object({
    detail: z.string(),
    revoked_sessions: z.number().int().openapi({ description: 'Sessions signed out by the change' }),
  })
  .openapi('PasswordUpdated', {
    example: {
      detail: 'Your password was changed; your other sessions were signed out.',
      revoked_sessions: 2,
    },
  });

export const ReauthenticationRequestSchema = z
  .object({
    password: CurrentPasswordSchema,
    code: plainText().min(1).max(64).openapi({
      description:
        'A current 6-digit code from the authenticator app (code_generator devices), or an unused backup token (any device; the only choice for email devices). A backup token given here is spent.',
      example: '123456',
    }),
  })
  .strict()
  .openapi('ReauthenticationRequest');

export const TFADisabledSchema = z
  .object({ tfa_enabled: z.literal(false), detail: z.string() })
  .openapi('TFADisabled', {
    example: { tfa_enabled: false, detail: 'Two-factor authentication is disabled.' },
  });

export const BackupTokensRegeneratedSchema = z
  .object({ detail: z.string(), backup_tokens_remaining: z.number().int() })
  .openapi('BackupTokensRegenerated', {
    example: {
      detail: 'New backup tokens were emailed to you; the old ones no longer work.',
      backup_tokens_remaining: 5,
    },
  });

export const TFAStatusSchema = z
  .object({
    tfa_enabled: z.boolean(),
    device_type: z.union([DeviceTypeSchema, z.null()]).openapi({ description: 'null without TFA' }),
    backup_tokens_remaining: z.number().int(),
  })
  .openapi('TFAStatus', {
    example: { tfa_enabled: true, device_type: 'code_generator', backup_tokens_remaining: 4 },
  });
