import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { generateWorkerSecrets } from './tools/secrets.ts';

// Fresh secrets for every run: nothing secret is committed, and no test can depend on a fixed key.
const TEST_SECRETS = generateWorkerSecrets();

// Two projects: the gateway's protocol conformance runs in Node (it is a Node program);
// everything about the Worker runs inside workerd through the Cloudflare Vitest plugin,
// against the real gateway and database started by the global setup.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'gateway',
          environment: 'node',
          include: ['test/gateway/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                ...TEST_SECRETS,
                NEON_HTTP_ENDPOINT: inject<string>('gatewayUrl'),
                GATEWAY_CONTROL_URL: inject<string>('gatewayControlUrl'),
                // The gateway ignores the connection string; the driver only insists on its shape.
                DATABASE_URL: 'postgresql://edge2fa:local@db.localtest.me/edge2fa',
                ADMIN_EMAILS: 'admin@example.com',
              },
            },
          })),
        ],
        test: {
          name: 'worker',
          include: ['test/{unit,integration,security}/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          setupFiles: ['test/support/setup-emails.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
