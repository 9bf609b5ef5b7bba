// API DTOs (never table rows), registered as OpenAPI components with examples.
import { z } from '@hono/zod-openapi';
import { LANGUAGE_TAG_PATTERN } from '../../email/locales';
import { displayText, plainText } from '../../http/input-text';
import { CurrentPasswordSchema, NewPasswordSchema } from '../account/password-policy';

export const EMAIL_MAX_LENGTH = 254;
// zod's own email pattern, so the document states the rule the validator applies. The document's version
// allows the surrounding whitespace that is trimmed before the check.
const EMAIL_PATTERN = z.regexes.email;

// Normalised (trimmed, lower-cased) before validation, as login normalises the username.
export const EmailSchema = plainText()
  .trim()
  .toLowerCase()
  .max(EMAIL_MAX_LENGTH)
  .pipe(z.email({ pattern: EMAIL_PATTERN, message: 'Must be a valid email address' }))
  .openapi({
    type: 'string',
    format: 'email',
    maxLength: EMAIL_MAX_LENGTH,
    pattern: `^\\s*${EMAIL_PATTERN.source.slice(1, -1)}\\s*$`,
    description: 'An email address (ASCII, with a dotted domain); trimmed and lower-cased before use',
    example: 'ada@example.com',
  });

export const DeviceTypeSchema = z
  .enum(['email', 'code_generator'])
  .openapi('DeviceType', { example: 'code_generator' });

export const DeviceCreateSchema = z
  .object({ device_type: DeviceTypeSchema })
  .strict()
  .openapi('DeviceCreate');

// One password rule for signup, reset and change (ASVS 6.2.1, 6.2.4, 6.2.9).
export { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../account/password-policy';

// JSON Schema's if/then states the one rule between fields: `tfa_enabled: true` needs a device.
const DEVICE_REQUIRED_WITH_TFA = {
  if: { properties: { tfa_enabled: { const: true } }, required: ['tfa_enabled'] },
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's `then` keyword; this object is never awaited.
  then: { properties: { device: { $ref: '#/components/schemas/DeviceCreate' } }, required: ['device'] },
};

export const SignupRequestSchema = z
  .object({
    email: EmailSchema,
    password: NewPasswordSchema,
    full_name: displayText(200).openapi({
      pattern: '\\S',
      description: 'One line of printable text, trimmed: control and format characters are refused',
      example: 'Ada Lovelace',
    }),
    tfa_enabled: z.boolean().default(false).openapi({ example: false }),
    // A union, not `.nullable()`: that would make the shared DeviceCreate component nullable as well.
    device: z
      .union([DeviceCreateSchema, z.null()])
      .optional()
      .openapi({ description: 'Required with, and only with, tfa_enabled: true' }),
    locale: z
      .string()
      .regex(LANGUAGE_TAG_PATTERN, 'must be a language tag such as "en", "de" or "pt-BR"')
      .optional()
      .openapi({
        description:
          'Language of the emails this account receives (RFC 5646 tag). Default: negotiated from the Accept-Language header; English when none matches.',
        example: 'de',
      }),
  })
  .strict()
  // A device without tfa_enabled used to be dropped in silence: the client believed it had a second factor.
  .refine((body) => !body.device || body.tfa_enabled, {
    path: ['device'],
    message: 'A device is only accepted with tfa_enabled: true; send tfa_enabled: true, or leave device out',
  })
  .openapi('SignupRequest', DEVICE_REQUIRED_WITH_TFA as object);

export const UserSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    full_name: z.string(),
    tfa_enabled: z.boolean(),
    email_verified: z.boolean().openapi({
      description:
        'Whether the owner proved the mailbox (verification token, email-code login or password reset)',
    }),
    device: z.union([z.object({ id: z.uuid(), device_type: DeviceTypeSchema }), z.null()]),
  })
  .openapi('User', {
    example: {
      id: '0b7e8c1e-8f3a-4f4e-9a51-6a8f4c1d2e3f',
      email: 'ada@example.com',
      full_name: 'Ada Lovelace',
      tfa_enabled: false,
      email_verified: true,
      device: null,
    },
  });

export const QRCodeJSONSchema = z
  .object({
    user: UserSchema,
    otpauth_uri: z.string().openapi({
      example:
        'otpauth://totp/edge-2fa:ada%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=edge-2fa&algorithm=SHA1&digits=6&period=30',
    }),
    qr_svg: z.string().openapi({ description: 'The QR code of otpauth_uri as an SVG document' }),
  })
  .openapi('QRCode');

export const TokenResponseSchema = z
  .object({
    access_token: z.string(),
    refresh_token: z.string().nullable(),
    token_type: z.literal('bearer'),
  })
  .openapi('Tokens', {
    example: {
      access_token: 'eyJhbGciOiJFZERTQSIs…',
      refresh_token: 'eyJhbGciOiJFZERTQSIs…',
      token_type: 'bearer',
    },
  });

export const PreTFATokenResponseSchema = TokenResponseSchema.extend({ refresh_token: z.null() }).openapi(
  'PreTFATokens',
  {
    example: {
      access_token: 'eyJhbGciOiJFZERTQSIs… (pre-TFA token)',
      refresh_token: null,
      token_type: 'bearer',
    },
  },
);

// OAuth2 password grant form (RFC 6749 §4.3.2), as FastAPI's OAuth2PasswordRequestForm and Swagger UI send it.
export const LoginFormSchema = z
  .object({
    // Swagger UI and FastAPI clients send every optional field, empty when unused: empty means absent.
    grant_type: z
      .enum(['password', ''])
      .optional()
      .openapi({ description: '`password`, or empty/absent (RFC 6749 §4.3.2)' }),
    username: plainText().min(1).max(254).openapi({ description: 'Your email', example: 'ada@example.com' }),
    password: CurrentPasswordSchema,
    scope: plainText().optional(),
    client_id: plainText().optional(),
    client_secret: plainText().optional(),
  })
  .openapi('LoginForm');

export const RefreshRequestSchema = z
  .object({ refresh_token: plainText().min(1).max(4096) })
  .strict()
  .openapi('RefreshRequest');
