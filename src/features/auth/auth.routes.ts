import { z } from '@hono/zod-openapi';
import { requireAccessToken } from '../../http/middleware/auth';
import { clientIPAndLoginAccount, limitRequests } from '../../http/middleware/rate-limit';
import { defineRoute } from '../../http/openapi-route';
import { problems } from '../../http/problem';
import {
  LoginFormSchema,
  PreTFATokenResponseSchema,
  QRCodeJSONSchema,
  RefreshRequestSchema,
  SignupRequestSchema,
  TokenResponseSchema,
  UserSchema,
} from './auth.schemas';

export const FormatQuerySchema = z.object({
  format: z.enum(['svg', 'json']).optional().openapi({
    description:
      'For code_generator devices: `svg` (default) returns the QR image, `json` the otpauth URI and the SVG',
  }),
});

export const signupRoute = defineRoute({
  operationId: 'signUp',
  method: 'post',
  path: '/auth/signup',
  tags: ['auth'],
  summary: 'Create a user',
  description:
    'Creates an account, optionally with two-factor authentication. With a `code_generator` device the answer is the QR code to scan (SVG) unless `?format=json`; backup tokens are emailed.',
  middleware: [limitRequests('SIGNUP_IP_LIMITER')] as const,
  request: {
    query: FormatQuerySchema,
    body: { required: true, content: { 'application/json': { schema: SignupRequestSchema } } },
  },
  responses: {
    201: {
      description: 'The new user, or (code_generator) the QR code',
      content: {
        'application/json': { schema: z.union([UserSchema, QRCodeJSONSchema]) },
        'image/svg+xml': { schema: z.string() },
      },
    },
  },
  sendsEmail: true,
  problems: [problems.emailTaken(), problems.tfaRequiredDevice()],
});

export const loginRoute = defineRoute({
  operationId: 'logIn',
  method: 'post',
  path: '/auth/login',
  tags: ['auth'],
  summary: 'Log in with email and password (OAuth2 password grant)',
  description:
    'Returns access and refresh tokens (200). For accounts with two-factor authentication returns 202 with a short-lived pre-TFA token as `access_token` and `refresh_token: null`; email devices are sent a code.',
  middleware: [
    limitRequests('AUTH_IP_LIMITER'),
    limitRequests('LOGIN_ACCOUNT_IP_LIMITER', clientIPAndLoginAccount),
  ] as const,
  request: {
    body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: LoginFormSchema } } },
  },
  responses: {
    200: { description: 'Logged in', content: { 'application/json': { schema: TokenResponseSchema } } },
    202: {
      description: 'Second factor required',
      content: { 'application/json': { schema: PreTFATokenResponseSchema } },
    },
  },
  sendsEmail: true,
  problems: [problems.invalidCredentials(), problems.accountLocked(1), problems.emailNotVerified()],
});

export const testTokenRoute = defineRoute({
  operationId: 'testToken',
  method: 'get',
  path: '/auth/test-token',
  tags: ['auth'],
  summary: 'Return the user of the access token',
  middleware: [requireAccessToken] as const,
  responses: {
    200: { description: 'The authenticated user', content: { 'application/json': { schema: UserSchema } } },
  },
});

export const refreshRoute = defineRoute({
  operationId: 'refreshTokens',
  method: 'post',
  path: '/auth/refresh',
  tags: ['auth'],
  summary: 'Exchange a refresh token for a new token pair',
  description:
    'Refresh tokens rotate: the presented one dies; presenting it again revokes the whole session.',
  request: { body: { required: true, content: { 'application/json': { schema: RefreshRequestSchema } } } },
  responses: {
    200: { description: 'New tokens', content: { 'application/json': { schema: TokenResponseSchema } } },
  },
  problems: [problems.invalidRefreshToken()],
});

export const logoutRoute = defineRoute({
  operationId: 'logOut',
  method: 'post',
  path: '/auth/logout',
  tags: ['auth'],
  summary: 'End the current session',
  description: "Revokes the access token's session: its refresh token stops working at once.",
  middleware: [requireAccessToken] as const,
  responses: { 204: { description: 'Logged out' } },
});

export const logoutAllRoute = defineRoute({
  operationId: 'logOutEverywhere',
  method: 'post',
  path: '/auth/logout_all',
  tags: ['auth'],
  summary: 'End every session of the user',
  description:
    "Revokes all of the user's sessions (every device): their refresh tokens stop working at once.",
  middleware: [requireAccessToken] as const,
  responses: {
    200: {
      description: 'Sessions revoked',
      content: {
        'application/json': {
          schema: z.object({ revoked_sessions: z.number().int() }).openapi('SessionsRevoked'),
        },
      },
    },
  },
});
