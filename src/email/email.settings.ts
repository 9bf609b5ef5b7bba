// Email settings from the Worker's environment, parsed with the rest of the configuration at the first
// request: which transport, how it connects, and its secret (SMTP_PASSWORD, EMAIL_API_KEY). A transport
// that is chosen but incomplete fails loudly, naming the variable; plain SMTP must be asked for by name.
import { z } from 'zod';
import { parseSender, type Sender } from './outgoing';
import { HTTP_EMAIL_PROVIDERS } from './transports/providers';
import type { SMTPOptions } from './transports/smtp-client';

export type TransportSettings =
  | { kind: 'console' }
  | { kind: 'smtp'; smtp: SMTPOptions }
  | { kind: 'http'; provider: string; endpoint: string; apiKey: string; timeoutMs: number }
  | { kind: 'cloudflare'; binding: SendEmail };

export type EmailSettings = {
  productName: string;
  sender: Sender;
  transport: TransportSettings;
  retryBaseDelaySeconds: number;
};

const TRANSPORT_TIMEOUT_MS = 20_000;

const optional = z
  .string()
  .optional()
  .transform((v) => v || undefined);

const EmailEnvSchema = z.object({
  EMAIL_TRANSPORT: z.enum(['console', 'smtp', 'http', 'cloudflare']).default('console'),
  EMAIL_FROM: z.string().min(3),
  PRODUCT_NAME: z
    .string()
    .default('')
    .transform((v) => v || 'edge-2fa')
    .refine((v) => !/[\r\n]/.test(v), 'must be one line'),
  EMAIL_RETRY_BASE_DELAY_SECONDS: z.coerce.number().int().min(0).max(3600).default(5),
  SMTP_HOST: optional,
  SMTP_PORT: optional,
  SMTP_SECURITY: optional,
  SMTP_USERNAME: optional,
  SMTP_PASSWORD: optional,
  EMAIL_HTTP_PROVIDER: optional,
  EMAIL_HTTP_ENDPOINT: optional,
  EMAIL_API_KEY: optional,
});

type EmailEnv = z.infer<typeof EmailEnvSchema>;

export class EmailSettingsError extends Error {
  override name = 'EmailSettingsError';
}

const fail = (message: string): never => {
  throw new EmailSettingsError(message);
};

function parseSMTP(env: EmailEnv, sender: Sender): SMTPOptions {
  const host = env.SMTP_HOST ?? fail('EMAIL_TRANSPORT=smtp needs SMTP_HOST');
  // No default: STARTTLS, implicit TLS or plain is a decision about the server, and plain must never be
  // what a forgotten variable silently gives.
  const security =
    env.SMTP_SECURITY === 'starttls' || env.SMTP_SECURITY === 'tls' || env.SMTP_SECURITY === 'plain'
      ? env.SMTP_SECURITY
      : fail(
          'EMAIL_TRANSPORT=smtp needs SMTP_SECURITY: starttls (port 587), tls (465) or plain (local servers only)',
        );
  const port = Number(
    env.SMTP_PORT ?? (security === 'tls' ? 465 : security === 'starttls' ? 587 : Number.NaN),
  );
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail('SMTP_PORT must be a TCP port (1–65535)');
  if (env.SMTP_USERNAME && !env.SMTP_PASSWORD)
    fail('Missing secret SMTP_PASSWORD: set it with `wrangler secret put SMTP_PASSWORD` or in .dev.vars');
  if (env.SMTP_PASSWORD && !env.SMTP_USERNAME) fail('SMTP_PASSWORD is set but SMTP_USERNAME is not');
  if (security === 'plain' && env.SMTP_USERNAME)
    fail('SMTP_SECURITY=plain would send SMTP_PASSWORD in clear text: use starttls or tls to authenticate');
  return {
    host,
    port,
    security,
    credentials:
      env.SMTP_USERNAME && env.SMTP_PASSWORD
        ? { username: env.SMTP_USERNAME, password: env.SMTP_PASSWORD }
        : undefined,
    clientName: sender.domain,
    timeoutMs: TRANSPORT_TIMEOUT_MS,
  };
}

function parseTransport(env: EmailEnv, rawEnv: object, sender: Sender): TransportSettings {
  switch (env.EMAIL_TRANSPORT) {
    case 'console':
      return { kind: 'console' };
    case 'smtp':
      return { kind: 'smtp', smtp: parseSMTP(env, sender) };
    case 'http': {
      const name = env.EMAIL_HTTP_PROVIDER ?? 'resend';
      const provider =
        HTTP_EMAIL_PROVIDERS[name] ??
        fail(`EMAIL_HTTP_PROVIDER must be one of: ${Object.keys(HTTP_EMAIL_PROVIDERS).join(', ')}`);
      const apiKey =
        env.EMAIL_API_KEY ??
        fail('Missing secret EMAIL_API_KEY: set it with `wrangler secret put EMAIL_API_KEY` or in .dev.vars');
      if (apiKey.length < 8 || /\s/.test(apiKey))
        fail('Invalid secret EMAIL_API_KEY: too short or has spaces');
      const endpoint = env.EMAIL_HTTP_ENDPOINT ?? provider.defaultEndpoint;
      if (!URL.canParse(endpoint)) fail('EMAIL_HTTP_ENDPOINT must be a URL');
      return { kind: 'http', provider: name, endpoint, apiKey, timeoutMs: TRANSPORT_TIMEOUT_MS };
    }
    case 'cloudflare': {
      // Declared in wrangler.toml only by accounts that send through Cloudflare (see README).
      const binding = (rawEnv as { SEND_EMAIL?: SendEmail }).SEND_EMAIL;
      if (typeof binding?.send !== 'function')
        fail('EMAIL_TRANSPORT=cloudflare needs a [[send_email]] binding named SEND_EMAIL in wrangler.toml');
      return { kind: 'cloudflare', binding: binding as SendEmail };
    }
  }
}

export function parseEmailSettings(rawEnv: object): EmailSettings {
  const parsed = EmailEnvSchema.safeParse(rawEnv);
  if (!parsed.success) {
    const names = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new EmailSettingsError(`Invalid configuration: ${names.join('; ')}`);
  }
  const env = parsed.data;
  const sender =
    parseSender(env.EMAIL_FROM) ?? fail('EMAIL_FROM must be "Name <address@domain>" or "address@domain"');
  return {
    productName: env.PRODUCT_NAME,
    sender,
    transport: parseTransport(env, rawEnv, sender),
    retryBaseDelaySeconds: env.EMAIL_RETRY_BASE_DELAY_SECONDS,
  };
}
