import { z } from '@hono/zod-openapi';
import { requireAccessToken, requirePreTFAToken } from '../../http/middleware/auth';
import { limitRequests } from '../../http/middleware/rate-limit';
import { defineRoute } from '../../http/openapi-route';
import { problems } from '../../http/problem';
import { FormatQuerySchema } from '../auth/auth.routes';
import {
  DeviceCreateSchema,
  DeviceTypeSchema,
  QRCodeJSONSchema,
  TokenResponseSchema,
} from '../auth/auth.schemas';

const QR_CONTENT = {
  'image/svg+xml': { schema: z.string() },
  'application/json': { schema: QRCodeJSONSchema.omit({ user: true }) },
};

export const loginTFARoute = defineRoute({
  operationId: 'logInWithCode',
  method: 'post',
  path: '/tfa/login_tfa',
  tags: ['tfa'],
  summary: 'Finish a login with the authenticator or emailed code',
  description: 'Send the pre-TFA token from /auth/login as the bearer token. Each code is accepted once.',
  middleware: [limitRequests('AUTH_IP_LIMITER'), requirePreTFAToken] as const,
  request: {
    query: z.object({
      tfa_token: z.string().min(1).max(64).openapi({ description: 'The 6-digit code', example: '123456' }),
    }),
  },
  responses: {
    200: { description: 'Logged in', content: { 'application/json': { schema: TokenResponseSchema } } },
  },
  problems: [problems.challengeExpired(), problems.totpMismatch(), problems.accountLocked(1)],
});

export const recoverTFARoute = defineRoute({
  operationId: 'logInWithBackupToken',
  method: 'post',
  path: '/tfa/recover_tfa',
  tags: ['tfa'],
  summary: 'Finish a login with a single-use backup token',
  middleware: [limitRequests('AUTH_IP_LIMITER'), requirePreTFAToken] as const,
  request: {
    query: z.object({
      tfa_backup_token: z
        .string()
        .min(1)
        .max(64)
        .openapi({ description: 'A backup token from the activation email', example: 'K7QM-2XWD-9RTA' }),
    }),
  },
  responses: {
    200: {
      description: 'Logged in; the backup token is spent',
      content: { 'application/json': { schema: TokenResponseSchema } },
    },
  },
  problems: [
    problems.challengeExpired(),
    problems.backupTokenNotFound(),
    problems.backupTokensExhausted('{email}'),
    problems.accountLocked(1),
  ],
});

export const getMyQRCodeRoute = defineRoute({
  operationId: 'getMyQRCode',
  method: 'get',
  path: '/tfa/get_my_qrcode',
  tags: ['tfa'],
  summary: "The QR code of the user's authenticator app secret",
  middleware: [requireAccessToken] as const,
  request: { query: FormatQuerySchema },
  responses: {
    200: { description: 'The QR code', content: QR_CONTENT },
  },
  problems: [problems.notCodeGenerator('{email}')],
});

export const enableTFARoute = defineRoute({
  operationId: 'enableTFA',
  method: 'put',
  path: '/tfa/enable_tfa',
  tags: ['tfa'],
  summary: 'Enable two-factor authentication',
  description:
    'Creates the device and emails backup tokens. For code_generator answers with the QR code to scan.',
  middleware: [requireAccessToken] as const,
  request: {
    query: FormatQuerySchema,
    body: { required: true, content: { 'application/json': { schema: DeviceCreateSchema } } },
  },
  responses: {
    200: {
      description: 'Enabled; the QR code for code_generator, else a confirmation',
      content: {
        ...QR_CONTENT,
        'application/json': {
          schema: z.union([
            QRCodeJSONSchema.omit({ user: true }),
            z.object({ tfa_enabled: z.literal(true), device_type: DeviceTypeSchema }).openapi('TFAEnabled'),
          ]),
        },
      },
    },
  },
  sendsEmail: true,
  problems: [problems.tfaAlreadyEnabled('{email}')],
});
