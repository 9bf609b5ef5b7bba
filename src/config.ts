// Parses the Worker's environment once per isolate. Plain settings are validated with zod; secrets are
// parsed into keys. Anything missing or weak fails the first request loudly (a 500 problem and a log line
// naming the variable), never silently with a default.
import { z } from 'zod';
import { type EncryptionKeyring, parseEncryptionKeys } from './crypto/aead';
import { parseTokenHashKeys, type TokenHashKeyring } from './crypto/hmac';
import { loadSigningKeys, type SigningKeys } from './crypto/jwt';
import { type EmailSettings, EmailSettingsError, parseEmailSettings } from './email/email.settings';

const positiveSeconds = z.coerce.number().int().positive();

const SettingsSchema = z.object({
  JWT_ISSUER: z.string().min(1),
  JWT_AUDIENCE: z.string().min(1),
  ACCESS_TOKEN_TTL_SECONDS: positiveSeconds.max(3600),
  REFRESH_TOKEN_TTL_SECONDS: positiveSeconds,
  REFRESH_FAMILY_MAX_AGE_SECONDS: positiveSeconds,
  // DESIGN: a pre-TFA token lives at most 5 minutes.
  PRE_TFA_TOKEN_TTL_SECONDS: positiveSeconds.max(300),
  TOTP_ISSUER: z
    .string()
    .min(1)
    .refine((s) => !s.includes(':'), 'must not contain ":" (otpauth label separator)'),
  TOTP_DRIFT_STEPS: z.coerce.number().int().min(0).max(2),
  BACKUP_TOKEN_COUNT: z.coerce.number().int().min(1).max(20),
  EMAIL_FROM: z.string().min(3),
  ADMIN_EMAILS: z.string().default(''),
  REQUIRE_VERIFIED_EMAIL: z.enum(['true', 'false', '']).default('false'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// connection string'),
  NEON_HTTP_ENDPOINT: z.string().default(''),
});

export type AppConfig = {
  issuer: string;
  audience: string;
  accessTokenTTLSeconds: number;
  refreshTokenTTLSeconds: number;
  refreshFamilyMaxAgeSeconds: number;
  preTFATokenTTLSeconds: number;
  totpIssuer: string;
  totpDriftSteps: number;
  backupTokenCount: number;
  emailFrom: string;
  adminEmails: ReadonlySet<string>;
  // When true, a password login of an unverified address is refused (403) before any code is sent.
  requireVerifiedEmail: boolean;
  databaseUrl: string;
  neonHTTPEndpoint: string | undefined;
};

export type AppSecrets = {
  signingKeys: SigningKeys;
  encryptionKeys: EncryptionKeyring;
  tokenHashKeys: TokenHashKeyring;
};

// `email` (transport, its secret, sender) is used by the queue consumer only; it is parsed here so a broken
// email setup fails the first request like any other setting.
export type LoadedConfig = { config: AppConfig; secrets: AppSecrets; email: EmailSettings };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function parseSettings(env: Env): AppConfig {
  const parsed = SettingsSchema.safeParse(env);
  if (!parsed.success) {
    const names = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${names.join('; ')}`);
  }
  const s = parsed.data;
  return {
    issuer: s.JWT_ISSUER,
    audience: s.JWT_AUDIENCE,
    accessTokenTTLSeconds: s.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTTLSeconds: s.REFRESH_TOKEN_TTL_SECONDS,
    refreshFamilyMaxAgeSeconds: s.REFRESH_FAMILY_MAX_AGE_SECONDS,
    preTFATokenTTLSeconds: s.PRE_TFA_TOKEN_TTL_SECONDS,
    totpIssuer: s.TOTP_ISSUER,
    totpDriftSteps: s.TOTP_DRIFT_STEPS,
    backupTokenCount: s.BACKUP_TOKEN_COUNT,
    emailFrom: s.EMAIL_FROM,
    adminEmails: new Set(s.ADMIN_EMAILS.split(',').map(normalizeEmail).filter(Boolean)),
    requireVerifiedEmail: s.REQUIRE_VERIFIED_EMAIL === 'true',
    databaseUrl: s.DATABASE_URL,
    neonHTTPEndpoint: s.NEON_HTTP_ENDPOINT || undefined,
  };
}

async function parseSecret<T>(name: string, value: string | undefined, parse: (v: string) => Promise<T> | T) {
  if (!value)
    throw new ConfigError(
      `Missing secret ${name}: set it with \`wrangler secret put ${name}\` or in .dev.vars`,
    );
  try {
    return await parse(value);
  } catch (error) {
    // The parsers' messages describe the format problem and never echo the secret.
    throw new ConfigError(`Invalid secret ${name}: ${(error as Error).message}`);
  }
}

function parseEmail(env: Env): EmailSettings {
  try {
    return parseEmailSettings(env);
  } catch (error) {
    if (error instanceof EmailSettingsError) throw new ConfigError(error.message);
    throw error;
  }
}

async function parseConfig(env: Env): Promise<LoadedConfig> {
  const config = parseSettings(env);
  const email = parseEmail(env);
  const [signingKeys, encryptionKeys, tokenHashKeys] = await Promise.all([
    parseSecret('JWT_SIGNING_KEYS', env.JWT_SIGNING_KEYS, loadSigningKeys),
    parseSecret('ENCRYPTION_KEYS', env.ENCRYPTION_KEYS, parseEncryptionKeys),
    parseSecret('TOKEN_HASH_KEY', env.TOKEN_HASH_KEY, parseTokenHashKeys),
  ]);
  return { config, secrets: { signingKeys, encryptionKeys, tokenHashKeys }, email };
}

// The env object is stable for an isolate; parse it once, but retry after a failure.
const cache = new WeakMap<object, Promise<LoadedConfig>>();

export function loadConfig(env: Env): Promise<LoadedConfig> {
  let loaded = cache.get(env);
  if (!loaded) {
    loaded = parseConfig(env);
    cache.set(env, loaded);
    loaded.catch(() => cache.delete(env));
  }
  return loaded;
}
