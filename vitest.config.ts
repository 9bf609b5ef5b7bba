import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { generateWorkerSecrets } from './tools/secrets.ts';

// Fresh secrets for every run: nothing secret is committed, and no test can depend on a fixed key.
const TEST_SECRETS = generateWorkerSecrets();

// A project of Worker tests in workerd (Cloudflare Vitest plugin) with its own gateway and database,
// started by the global setup: "faults" gets a gateway of its own because it switches it off.
function workerProject(name: string, include: string[]): TestProjectInlineConfiguration {
  return {
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
      name,
      include,
      globalSetup: ['test/support/global-setup.ts'],
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
    ],
  },
});
