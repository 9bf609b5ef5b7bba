import { requireAccessToken } from '../../http/middleware/auth';
import { limitRequests } from '../../http/middleware/rate-limit';
import { defineRoute } from '../../http/openapi-route';
import { problems } from '../../http/problem';
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

export const forgotPasswordRoute = defineRoute({
  operationId: 'forgotPassword',
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
  },
});

export const resetPasswordRoute = defineRoute({
  operationId: 'resetPassword',
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
  },
  problems: [problems.invalidResetToken()],
});

export const changePasswordRoute = defineRoute({
  operationId: 'changePassword',
  method: 'post',
  path: '/auth/password/change',
  tags: ['auth'],
  summary: 'Change the password',
  description:
    'Checks the current password (a wrong one counts as a failed attempt), sets the new one and signs out every other session; the caller stays logged in.',
  middleware: [limitRequests('AUTH_IP_LIMITER'), requireAccessToken] as const,
  request: { body: json(ChangePasswordRequestSchema) },
  responses: {
    200: {
      description: 'Password changed',
      content: { 'application/json': { schema: PasswordUpdatedSchema } },
    },
  },
  problems: [problems.incorrectCurrentPassword(), problems.invalidToken(), problems.accountLocked(1)],
});

const REAUTHENTICATION =
  'Requires the password and `code`: a current authenticator code (code_generator devices; each code is accepted once, also across logins) or an unused backup token (any device, and the only choice for email devices; it is spent). A wrong password or code answers 403 and counts as a failed attempt.';

// What reauthentication.ts can answer.
const REAUTHENTICATION_PROBLEMS = [
  problems.tfaNotEnabled(),
  problems.invalidToken(),
  problems.reauthenticationFailed(),
  problems.accountLocked(1),
];

export const disableTFARoute = defineRoute({
  operationId: 'disableTFA',
  method: 'post',
  path: '/tfa/disable',
  tags: ['tfa'],
  summary: 'Disable two-factor authentication',
  description: `Removes the device and every backup token. ${REAUTHENTICATION}`,
  middleware: [limitRequests('AUTH_IP_LIMITER'), requireAccessToken] as const,
  request: { body: json(ReauthenticationRequestSchema) },
  responses: {
    200: { description: 'Disabled', content: { 'application/json': { schema: TFADisabledSchema } } },
  },
  problems: REAUTHENTICATION_PROBLEMS,
});

export const regenerateBackupTokensRoute = defineRoute({
  operationId: 'regenerateBackupTokens',
  method: 'post',
  path: '/tfa/backup_tokens/regenerate',
  tags: ['tfa'],
  summary: 'Replace every backup token with new ones, sent by email',
  description: `The old tokens stop working; the new ones are emailed (never returned). If the email cannot be queued nothing changes (503). ${REAUTHENTICATION}`,
  middleware: [limitRequests('AUTH_IP_LIMITER'), requireAccessToken] as const,
  request: { body: json(ReauthenticationRequestSchema) },
  responses: {
    200: {
      description: 'New tokens emailed',
      content: { 'application/json': { schema: BackupTokensRegeneratedSchema } },
    },
  },
  sendsEmail: true,
  problems: REAUTHENTICATION_PROBLEMS,
});

export const tfaStatusRoute = defineRoute({
  operationId: 'getTFAStatus',
  method: 'get',
  path: '/tfa/status',
  tags: ['tfa'],
  summary: 'Two-factor status of the user',
  middleware: [requireAccessToken] as const,
  responses: {
    200: { description: 'The status', content: { 'application/json': { schema: TFAStatusSchema } } },
  },
});
