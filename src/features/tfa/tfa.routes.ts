import { createRoute, z } from '@hono/zod-openapi';
import { plainText } from '../../http/input-text';
import { RECENT_AUTHENTICATION_SECONDS, requireAssurance } from '../../http/middleware/assurance';
import { requireAccessToken, requirePreTFAToken } from '../../http/middleware/auth';
import { limitRequests } from '../../http/middleware/rate-limit';
import { BEARER_SECURITY } from '../../http/openapi';
import { AUTH_ERRORS, BODY_ERRORS, COMMON_ERRORS, problemResponse } from '../../http/openapi-responses';
import { FormatQuerySchema } from '../auth/auth.routes';
import { DeviceCreateSchema, QRCodeJSONSchema, TokenResponseSchema } from '../auth/auth.schemas';

const QR_CONTENT = {
  'image/svg+xml': { schema: z.string() },
  'application/json': { schema: QRCodeJSONSchema.omit({ user: true }) },
};

const CODE_IN_QUERY_DEPRECATED =
  'Deprecated, kept for clients of the original service: a query string ends up in access logs, proxy logs and browser history. Send the code in the body (form or JSON) instead. If both are sent they must be equal (else 422).';

// The code goes in a form or JSON body (preferred) or, as the original service had it, the query string.
function secondFactorCodeRequest<const Field extends string>(
  field: Field,
  componentName: string,
  code: ReturnType<typeof plainText>,
) {
  const body = z
    .object({ [field]: code.optional() } as Record<Field, z.ZodOptional<typeof code>>)
    .openapi(componentName);
  return {
    query: z.object({
      [field]: code
        .optional()
        .openapi({ description: CODE_IN_QUERY_DEPRECATED, param: { deprecated: true } }),
    } as Record<Field, z.ZodOptional<typeof code>>),
    body: {
      required: false,
      description: `The code as \`${field}\` (preferred to the query string)`,
      content: {
        'application/x-www-form-urlencoded': { schema: body },
        'application/json': { schema: body },
      },
    },
  };
}

export const loginTFARoute = createRoute({
  method: 'post',
  path: '/tfa/login_tfa',
  tags: ['tfa'],
  summary: 'Finish a login with the authenticator or emailed code',
  description:
    'Send the pre-TFA token from /auth/login as the bearer token and the code as `tfa_token` in a form or JSON body (the query parameter is kept for old clients). Each code is accepted once.',
  security: BEARER_SECURITY,
  middleware: [limitRequests('AUTH_IP_LIMITER'), requirePreTFAToken] as const,
  request: secondFactorCodeRequest(
    'tfa_token',
    'LoginTFACode',
    plainText().min(1).max(64).openapi({ description: 'The 6-digit code', example: '123456' }),
  ),
  responses: {
    200: { description: 'Logged in', content: { 'application/json': { schema: TokenResponseSchema } } },
    ...AUTH_ERRORS,
    403: problemResponse('TOTP token mismatch'),
    415: problemResponse('Body is neither a form nor JSON'),
    ...BODY_ERRORS,
    ...COMMON_ERRORS,
  },
});

export const recoverTFARoute = createRoute({
  method: 'post',
  path: '/tfa/recover_tfa',
  tags: ['tfa'],
  summary: 'Finish a login with a single-use backup token',
  description:
    'Send the pre-TFA token as the bearer token and the backup token as `tfa_backup_token` in a form or JSON body (the query parameter is kept for old clients).',
  security: BEARER_SECURITY,
  middleware: [limitRequests('AUTH_IP_LIMITER'), requirePreTFAToken] as const,
  request: secondFactorCodeRequest(
    'tfa_backup_token',
    'RecoverTFACode',
    plainText()
      .min(1)
      .max(64)
      .openapi({ description: 'A backup token from the activation email', example: 'K7QM-2XWD-9RTA' }),
  ),
  responses: {
    200: {
      description: 'Logged in; the backup token is spent',
      content: { 'application/json': { schema: TokenResponseSchema } },
    },
    ...AUTH_ERRORS,
    403: problemResponse('TOTP backup token not found'),
    404: problemResponse('No backup tokens left'),
    415: problemResponse('Body is neither a form nor JSON'),
    ...BODY_ERRORS,
    ...COMMON_ERRORS,
  },
});

export const getMyQRCodeRoute = createRoute({
  method: 'get',
  path: '/tfa/get_my_qrcode',
  tags: ['tfa'],
  summary: "The QR code of the user's authenticator app secret",
  description:
    'Shows the secret again, so it needs an access token from a login with the authenticator app ' +
    '(acr aal2) made within the last 10 minutes: log in, then login_tfa, then call this.',
  security: BEARER_SECURITY,
  middleware: [
    requireAccessToken,
    requireAssurance({ secondFactor: true, maxAgeSeconds: RECENT_AUTHENTICATION_SECONDS }),
  ] as const,
  request: { query: FormatQuerySchema },
  responses: {
    200: { description: 'The QR code', content: QR_CONTENT },
    400: problemResponse('No code_generator device'),
    403: problemResponse(
      'fresh_second_factor_required: the token is not from an authenticator-app login of the last 10 minutes',
    ),
    ...AUTH_ERRORS,
    ...COMMON_ERRORS,
  },
});

export const enableTFARoute = createRoute({
  method: 'put',
  path: '/tfa/enable_tfa',
  tags: ['tfa'],
  summary: 'Enable two-factor authentication',
  description:
    'Creates the device and emails backup tokens. For code_generator answers with the QR code to scan. ' +
    'Needs a login made within the last 10 minutes; ends every other session of the user.',
  security: BEARER_SECURITY,
  middleware: [
    requireAccessToken,
    requireAssurance({ secondFactor: false, maxAgeSeconds: RECENT_AUTHENTICATION_SECONDS }),
  ] as const,
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
            z.object({ tfa_enabled: z.literal(true), device_type: z.string() }),
          ]),
        },
      },
    },
    400: problemResponse('Already enabled'),
    403: problemResponse('recent_login_required: the login behind the token is older than 10 minutes'),
    ...AUTH_ERRORS,
    ...BODY_ERRORS,
    ...COMMON_ERRORS,
  },
});
