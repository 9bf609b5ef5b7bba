// RFC 9457 problem details: the one shape every error of this service takes. `detail` is the human
// sentence (FastAPI clients read it), `code` the stable machine identifier.
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export type FieldError = { field: string; message: string };

export type ProblemBody = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export class ProblemError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: string;
  readonly detail: string;
  readonly headers: Record<string, string>;
  readonly errors?: FieldError[];

  constructor(
    status: ContentfulStatusCode,
    code: string,
    detail: string,
    options: { headers?: Record<string, string>; errors?: FieldError[] } = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.headers = options.headers ?? {};
    this.errors = options.errors;
  }

  toBody(): ProblemBody {
    return {
      type: `urn:edge-2fa:problem:${this.code}`,
      title: TITLES[this.status] ?? 'Error',
      status: this.status,
      detail: this.detail,
      code: this.code,
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }

  toResponse(extraHeaders: Record<string, string> = {}): Response {
    return new Response(JSON.stringify(this.toBody()), {
      status: this.status,
      headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...this.headers, ...extraHeaders },
    });
  }
}

// RFC 6750 §3: a 401 on a bearer-protected resource names the scheme and, when a token was sent, why it failed.
const bearerChallenge = (error?: 'invalid_token') =>
  error ? `Bearer realm="edge-2fa", error="${error}"` : 'Bearer realm="edge-2fa"';

// The detail names what failed, so a person reading only `detail` (as FastAPI clients do) can fix it.
function describeFieldErrors(errors: FieldError[]): string {
  const shown = errors.slice(0, 3).map((error) => `${error.field}: ${error.message}`);
  const more = errors.length > 3 ? `; and ${errors.length - 3} more (see errors)` : '';
  return `The request has invalid or missing fields (${shown.join('; ')}${more}).`;
}

// The catalogue. Messages kept from the original service where clients may match on them.
export const problems = {
  validation: (errors: FieldError[]) =>
    new ProblemError(422, 'validation_failed', describeFieldErrors(errors), { errors }),
  malformedBody: (detail: string) => new ProblemError(400, 'malformed_body', detail),
  bodyTooLarge: (maxBytes: number) =>
    new ProblemError(
      413,
      'body_too_large',
      `The request body is larger than ${maxBytes / 1024} KiB (${maxBytes} bytes); no request of this API needs that much.`,
    ),
  invalidText: () =>
    new ProblemError(
      400,
      'invalid_text',
      'The request contains text the database cannot store (a NUL or an invalid character); remove it and retry.',
    ),
  // The error handler does not know which media type the route wanted: one sentence fits every operation.
  unsupportedMediaType: (expected?: string) =>
    new ProblemError(
      415,
      'unsupported_media_type',
      expected
        ? `The request body must be ${expected}.`
        : 'The request body must be JSON (or a form, where the operation accepts one), with a Content-Type that says so.',
    ),
  notFound: () => new ProblemError(404, 'not_found', 'No such resource.'),
  methodNotAllowed: () => new ProblemError(405, 'method_not_allowed', 'This method is not allowed here.'),
  emailTaken: () => new ProblemError(400, 'email_taken', 'An account with this email already exists.'),
  invalidCredentials: () => new ProblemError(400, 'invalid_credentials', 'Incorrect email or password'),
  missingToken: () =>
    new ProblemError(401, 'missing_token', 'Authentication required: send a bearer access token.', {
      headers: { 'www-authenticate': bearerChallenge() },
    }),
  invalidToken: () =>
    new ProblemError(401, 'invalid_token', 'The token is invalid or expired; log in again.', {
      headers: { 'www-authenticate': bearerChallenge('invalid_token') },
    }),
  invalidRefreshToken: () =>
    new ProblemError(
      401,
      'invalid_refresh_token',
      'The refresh token is invalid, expired or revoked; log in again.',
    ),
  adminOnly: () => new ProblemError(403, 'admin_only', 'Only administrators may do this.'),
  adminSecondFactorRequired: () =>
    new ProblemError(
      403,
      'admin_second_factor_required',
      'Administrators must use two-factor authentication: enable an authenticator app (PUT /api/v1/tfa/enable_tfa) and log in with it (password, then login_tfa) to use the admin API.',
    ),
  invalidVerificationToken: () =>
    new ProblemError(
      400,
      'invalid_verification_token',
      'The email verification token is invalid, expired or already used; ask for a new one.',
    ),
  emailNotVerified: () =>
    new ProblemError(
      403,
      'email_not_verified',
      'Your email address is not verified yet: open the verification email we sent, or ask for a new one at POST /api/v1/auth/email/verify/resend.',
    ),
  tfaRequiredDevice: () =>
    new ProblemError(422, 'device_required', 'A device is required when tfa_enabled is true.', {
      errors: [{ field: 'device', message: 'Required when tfa_enabled is true' }],
    }),
  tfaAlreadyEnabled: (email: string) =>
    new ProblemError(
      400,
      'tfa_already_enabled',
      `Two factor authentication already active for user ${email}`,
    ),
  notCodeGenerator: (email: string) =>
    new ProblemError(
      400,
      'no_code_generator',
      `User ${email} has not tfa enabled or has not a 'code_generator' device`,
    ),
  totpMismatch: () => new ProblemError(403, 'totp_mismatch', 'TOTP token mismatch'),
  backupTokenNotFound: () => new ProblemError(403, 'backup_token_not_found', 'TOTP backup token not found'),
  backupTokensExhausted: (email: string) =>
    new ProblemError(
      404,
      'backup_tokens_exhausted',
      `User ${email} has elapsed his backup tokens, please contact the system administrator`,
    ),
  invalidResetToken: () =>
    new ProblemError(
      400,
      'invalid_reset_token',
      'The password reset token is invalid, expired or already used; ask for a new one.',
    ),
  incorrectCurrentPassword: () =>
    new ProblemError(400, 'invalid_credentials', 'The current password is incorrect.'),
  reauthenticationFailed: () =>
    new ProblemError(403, 'reauthentication_failed', 'Incorrect password or two-factor code.'),
  tfaNotEnabled: () =>
    new ProblemError(400, 'tfa_not_enabled', 'Two factor authentication is not active for this account.'),
  challengeExpired: () =>
    new ProblemError(
      401,
      'tfa_challenge_expired',
      'This login attempt has expired or is used up; log in again.',
      {
        headers: { 'www-authenticate': bearerChallenge('invalid_token') },
      },
    ),
  tooManyRequests: (
    retryAfterSeconds: number,
    detail = 'Too many attempts; try again later.',
    headers: Record<string, string> = {},
  ) =>
    new ProblemError(429, 'too_many_requests', detail, {
      headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))), ...headers },
    }),
  freshSecondFactorRequired: (maxAgeSeconds: number) =>
    new ProblemError(
      403,
      'fresh_second_factor_required',
      `Log in again with your authenticator app (password, then login_tfa) within the last ${maxAgeSeconds / 60} minutes to do this.`,
    ),
  recentLoginRequired: (maxAgeSeconds: number) =>
    new ProblemError(
      403,
      'recent_login_required',
      `Log in again (within the last ${maxAgeSeconds / 60} minutes) to do this.`,
    ),
  accountLocked: (retryAfterSeconds: number) =>
    new ProblemError(
      429,
      'account_locked',
      'Too many failed attempts on this account; wait before trying again (see Retry-After).',
      { headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) } },
    ),
  databaseUnavailable: () =>
    new ProblemError(503, 'database_unavailable', 'The database is unavailable; try again shortly.', {
      headers: { 'retry-after': '5' },
    }),
  queueUnavailable: () =>
    new ProblemError(
      503,
      'queue_unavailable',
      'The email queue is unavailable; nothing was changed, try again.',
      {
        headers: { 'retry-after': '5' },
      },
    ),
  misconfigured: () =>
    new ProblemError(
      500,
      'misconfigured',
      'The service is misconfigured; the operator must check its secrets.',
    ),
  internal: () => new ProblemError(500, 'internal_error', 'An unexpected error occurred.'),
};
