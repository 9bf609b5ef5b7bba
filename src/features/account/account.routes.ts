import { createRoute } from '@hono/zod-openapi';
import { requireAccessToken } from '../../http/middleware/auth';
import { limitRequests } from '../../http/middleware/rate-limit';
import { BEARER_SECURITY } from '../../http/openapi';
import { AUTH_ERRORS, BODY_ERRORS, COMMON_ERRORS, problemResponse } from '../../http/openapi-responses';
import {
  AcceptedDetailSchema,
  BackupTokensRegeneratedSchema,
  ChangePasswordRequestSchema,
  ForgotPasswordRequestSchema,
  PasswordUpdatedSchema,
  ReauthenticationRequestSchema,
  ResetPasswordRequestSchema,
  TFADisabledSchema,
  TFAStatusSchema,
} from './account.schemas';

const json = <T>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });

export const forgotPasswordRoute = createRoute({
  method: 'post',
  path: '/auth/password/forgot',
  tags: ['auth'],
  summary: 'Ask for a password reset email',
  description:
    'Always answers 202 with the same body, whether or not an account has this email. For an account, emails a single-use reset token valid for 30 minutes (at most 3 emails per account per 30 minutes).',
  middleware: [limitRequests('EMAIL_IP_LIMITER')] as const,
  request: { body: json(ForgotPasswordRequestSchema) },
  responses: {
    202: { description: 'Accepted', content: { 'application/json': { schema: AcceptedDetailSchema } } },
    400: problemResponse('Malformed body'),
    415: problemResponse('Body is not JSON'),
    ...BODY_ERRORS,
    ...COMMON_ERRORS,
  },
});

export const resetPasswordRoute = createRoute({
  method: 'post',
  path: '/auth/password/reset',
  tags: ['auth'],
  summary: 'Set a new password with the emailed reset token',
  description:
    'Spends the token, sets the new password, clears failed-attempt locks and signs out every session. Two-factor authentication stays as it was.',
  middleware: [limitRequests('AUTH_IP_LIMITER')] as const,
  request: { body: json(ResetPasswordRequestSchema) },
  responses: {
    200: {
      description: 'Password reset',
      content: { 'application/json': { schema: PasswordUpdatedSchema } },
    },
    400: problemResponse('Invalid, expired or already used token'),
    415: problemResponse('Body is not JSON'),
    ...BODY_ERRORS,
    ...COMMON_ERRORS,
  },
});

export const changePasswordRoute = createRoute({
  method: 'post',
  path: '/auth/password/change',
  tags: ['auth'],
  summary: 'Change the password',
  description:
    'Checks the current password (a wrong one counts as a failed attempt), sets the new one and signs out every other session; the caller stays logged in.',
  security: BEARER_SECURITY,
  middleware: [limitRequests('AUTH_IP_LIMITER'), requireAccessToken] as const,
  request: { body: json(ChangePasswordRequestSchema) },
  responses: {
    200: {
      description: 'Password changed',
      content: { 'application/json': { schema: PasswordUpdatedSchema } },
    },
    400: problemResponse('The current password is incorrect'),
    ...AUTH_ERRORS,
    415: problemResponse('Body is not JSON'),
    ...BODY_ERRORS,
    ...COMMON_ERRORS,
  },
});

const REAUTHENTICATION =
  'Requires the password and `code`: a current authenticator code (code_generator devices; each code is accepted once, also across logins) or an unused backup token (any device, and the only choice for email devices; it is spent). A wrong password or code answers 403 and counts as a failed attempt.';

export const disableTFARoute = createRoute({
  method: 'post',
  path: '/tfa/disable',
  tags: ['tfa'],
  summary: 'Disable two-factor authentication',
  description: `Removes the device and every backup token. ${REAUTHENTICATION}`,
  security: BEARER_SECURITY,
  middleware: [limitRequests('AUTH_IP_LIMITER'), requireAccessToken] as const,
  request: { body: json(ReauthenticationRequestSchema) },
  responses: {
    200: { description: 'Disabled', content: { 'application/json': { schema: TFADisabledSchema } } },
    400: problemResponse('Two-factor authentication is not enabled'),
    ...AUTH_ERRORS,
    403: problemResponse('Incorrect password or code'),
    415: problemResponse('Body is not JSON'),
    ...BODY_ERRORS,
    ...COMMON_ERRORS,
  },
});

export const regenerateBackupTokensRoute = createRoute({
  method: 'post',
  path: '/tfa/backup_tokens/regenerate',
  tags: ['tfa'],
  summary: 'Replace every backup token with new ones, sent by email',
  description: `The old tokens stop working; the new ones are emailed (never returned). If the email cannot be queued nothing changes (503). ${REAUTHENTICATION}`,
  security: BEARER_SECURITY,
  middleware: [limitRequests('AUTH_IP_LIMITER'), requireAccessToken] as const,
  request: { body: json(ReauthenticationRequestSchema) },
  responses: {
    200: {
      description: 'New tokens emailed',
      content: { 'application/json': { schema: BackupTokensRegeneratedSchema } },
    },
    400: problemResponse('Two-factor authentication is not enabled'),
    ...AUTH_ERRORS,
    403: problemResponse('Incorrect password or code'),
    415: problemResponse('Body is not JSON'),
    ...BODY_ERRORS,
    ...COMMON_ERRORS,
  },
});

export const tfaStatusRoute = createRoute({
  method: 'get',
  path: '/tfa/status',
  tags: ['tfa'],
  summary: 'Two-factor status of the user',
  security: BEARER_SECURITY,
  middleware: [requireAccessToken] as const,
  responses: {
    200: { description: 'The status', content: { 'application/json': { schema: TFAStatusSchema } } },
    ...AUTH_ERRORS,
    ...COMMON_ERRORS,
  },
});
