// Makes the run's test TLS certificate and sets NODE_EXTRA_CA_CERTS, which Miniflare reads when its module
// loads: so the plugin (which loads Miniflare) is imported dynamically below, after this has run.
import './test/support/test-certificate.ts';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { LOCAL_CONNECTION_STRING } from './tools/gateway/credentials.ts';
import { generateWorkerSecrets } from './tools/secrets.ts';

const { cloudflareTest } = await import('@cloudflare/vitest-plugin');

// Fresh secrets for every run: nothing secret is committed, and no test can depend on a fixed key.
const TEST_SECRETS = generateWorkerSecrets();

// A project of Worker tests in workerd (Cloudflare Vitest plugin) with its own gateway and database,
// started by the global setup: "faults" gets a gateway of its own because it switches it off.
// Values provided by a project's global setup (test/support/mail-servers.ts declares their types).
type Inject = (key: string) => string | number;

type ProjectExtras = {
  bindings?: (inject: Inject) => Record<string, string>;
  globalSetup?: string[];
  miniflare?: Record<string, unknown>;
};

function workerProject(
  name: string,
  include: string[],
  extras: ProjectExtras = {},
): TestProjectInlineConfiguration {
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
            ...TEST_SECRETS,
            NEON_HTTP_ENDPOINT: inject<string>('gatewayUrl'),
            GATEWAY_CONTROL_URL: inject<string>('gatewayControlUrl'),
            // The credentials the gateway accepts, as Neon checks them (tools/gateway/credentials.ts).
            DATABASE_URL: LOCAL_CONNECTION_STRING,
            ADMIN_EMAILS: 'admin@example.com',
            ...extras.bindings?.(inject as Inject),
          },
          ...extras.miniflare,
        },
      })),
    ],
    test: {
      name,
      include,
      globalSetup: ['test/support/global-setup.ts', ...(extras.globalSetup ?? [])],
      setupFiles: ['test/support/setup-emails.ts'],
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  };
}

export default defineConfig({
  test: {
    // The Worker logs every request; show those lines only for the tests that fail.
    silent: 'passed-only',
    projects: [
      // The gateway's protocol conformance runs in Node (it is a Node program).
      {
        test: {
          name: 'gateway',
          environment: 'node',
          include: ['test/gateway/**/*.test.ts', 'test/tools/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      workerProject('worker', ['test/{unit,integration,security}/**/*.test.ts']),
      workerProject('faults', ['test/faults/**/*.test.ts']),
      // Emails through real transports: local SMTP servers (STARTTLS, implicit TLS, plain) and a local
      // stand-in of an HTTP email API, started by test/support/mail-servers.ts. The Worker sends through
      // SMTP with STARTTLS and AUTH by default here; tests switch transports with env overrides.
      workerProject('email', ['test/email/**/*.test.ts'], {
        globalSetup: ['test/support/mail-servers.ts'],
        bindings: (inject) => ({
          EMAIL_TRANSPORT: 'smtp',
          SMTP_HOST: '127.0.0.1',
          SMTP_PORT: String(inject('smtpStartTLSPort')),
          SMTP_SECURITY: 'starttls',
          SMTP_USERNAME: String(inject('smtpUsername')),
          SMTP_PASSWORD: String(inject('smtpPassword')),
          // Retries at once, so a message reaches the dead-letter queue within a test.
          EMAIL_RETRY_BASE_DELAY_SECONDS: '0',
          EMAIL_FROM: 'Edge Test <no-reply@mail.edge-2fa.test>',
          PRODUCT_NAME: 'Edge Test',
          // For the tests themselves (test/env.d.ts): the other servers and the inspection API.
          SMTP_TEST_IMPLICIT_TLS_PORT: String(inject('smtpImplicitTLSPort')),
          SMTP_TEST_PLAIN_PORT: String(inject('smtpPlainPort')),
          SMTP_TEST_DOWN_PORT: String(inject('smtpDownPort')),
          MAIL_TEST_API_URL: String(inject('mailApiUrl')),
          MAIL_TEST_API_KEY: String(inject('mailApiKey')),
        }),
        miniflare: {
          email: {
            send_email: [
              { name: 'SEND_EMAIL', allowed_destination_addresses: ['ada@example.com', 'bob@example.com'] },
            ],
          },
        },
      }),
    ],
  },
});
