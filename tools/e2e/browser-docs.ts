// Browser end-to-end check of /docs: Swagger UI, served from our own origin, lists every operation of the
// OpenAPI document, logs in through its OAuth2 password flow ("Authorize") and runs an authenticated
// request with "Try it out". Chromium must never reach past localhost: the page loads no CDN asset.
// Usage: node tools/e2e/browser-docs.ts  (needs Chromium at /usr/bin/chromium or CHROMIUM_PATH)
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { type Stack, startStack } from './stack.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SCREENSHOT_PATH = join(ROOT, 'artifacts/docs.png');
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Offline and quiet: no updater, sync, field trials or QUIC probing of its own.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const UI_TIMEOUT_MS = 30_000;
const PASSWORD = 'correct horse battery staple';
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

// `independent` checks run even after an earlier one failed; the others build on the previous steps.
type Check = { name: string; run: () => Promise<void>; independent?: boolean };

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function isLocal(url: string): boolean {
  const { protocol, host, hostname } = new URL(url);
  if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return true;
  return LOCAL_HOSTS.has(hostname) || LOCAL_HOSTS.has(host);
}

async function signUp(stack: Stack): Promise<string> {
  const email = `docs-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const response = await fetch(`${stack.apiUrl}/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD, full_name: 'Docs Browser' }),
  });
  assert(response.status === 201, `signup answered ${response.status}: ${await response.text()}`);
  return email;
}

async function listDocumentedOperations(stack: Stack): Promise<string[]> {
  const response = await fetch(`${stack.baseUrl}/api/v1/openapi.json`);
  assert(response.ok, `openapi.json answered ${response.status}`);
  const document = (await response.json()) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((key) => HTTP_METHODS.includes(key))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

// Swagger UI writes OpenAPI's `{param}` paths with zero-width spaces for line breaking: read data-path.
async function listRenderedOperations(page: Page): Promise<string[]> {
  return page.locator('.opblock').evaluateAll((blocks) =>
    blocks.map((block) => {
      const method = block.querySelector('.opblock-summary-method')?.textContent?.trim() ?? '?';
      const path = block.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? '?';
      return `${method.toUpperCase()} ${path}`;
    }),
  );
}

async function main(): Promise<number> {
  const stack = await startStack();
  const userDataDir = mkdtempSync(join(tmpdir(), 'edge-2fa-chromium-'));
  const offsite: string[] = [];
  let context: BrowserContext | undefined;
  let passed = 0;
  let failed = 0;
  try {
    const email = await signUp(stack);
    const documented = await listDocumentedOperations(stack);
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
    // Record, then refuse, anything not on localhost: a CDN link must fail this run, not quietly load.
    context.on('request', (request) => {
      if (!isLocal(request.url())) offsite.push(request.url());
    });
    await context.route(
      (url) => !isLocal(url.href),
      (route) => route.abort('blockedbyclient'),
    );
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(UI_TIMEOUT_MS);

    const checks: Check[] = [
      {
        name: 'GET /docs renders Swagger UI from local assets',
        run: async () => {
          const response = await page.goto(`${stack.baseUrl}/docs`);
          assert(response?.status() === 200, `/docs answered ${response?.status()}`);
          await page.locator('.opblock').first().waitFor();
          const title = await page.locator('.info .title').textContent();
          assert(title?.includes('edge-2fa'), `unexpected title ${title}`);
        },
      },
      {
        name: 'lists every operation of the OpenAPI document',
        run: async () => {
          const rendered = new Set(await listRenderedOperations(page));
          const missing = documented.filter((operation) => !rendered.has(operation));
          assert(documented.length > 0, 'the OpenAPI document has no operations');
          assert(missing.length === 0, `not listed: ${missing.join(', ')}`);
          assert(
            rendered.size === documented.length,
            `listed ${rendered.size}, documented ${documented.length}`,
          );
        },
      },
      {
        name: 'Authorize logs in through the OAuth2 password flow on /api/v1/auth/login',
        run: async () => {
          await page.locator('.scheme-container .btn.authorize').click();
          const dialog = page.locator('.dialog-ux .modal-ux');
          await dialog.locator('#oauth_username').fill(email);
          await dialog.locator('#oauth_password').fill(PASSWORD);
          const tokenResponse = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'));
          await dialog.locator('.auth-btn-wrapper .btn.authorize').click();
          const response = await tokenResponse;
          const form = new URLSearchParams(response.request().postData() ?? '');
          assert(form.get('grant_type') === 'password', `grant_type was ${form.get('grant_type')}`);
          assert(response.status() === 200, `login answered ${response.status()}: ${await response.text()}`);
          // Swagger swaps the Authorize button for Logout once it holds a token.
          await dialog.locator('.auth-btn-wrapper .btn', { hasText: 'Logout' }).waitFor();
          await dialog.locator('.btn-done').click();
        },
      },
      {
        name: 'Try it out → Execute on GET /api/v1/auth/test-token answers 200 with the user',
        run: async () => {
          const operation = page.locator('.opblock-get', {
            has: page.locator('.opblock-summary-path[data-path="/api/v1/auth/test-token"]'),
          });
          await operation.locator('.opblock-summary-control').click();
          await operation.locator('.try-out__btn').click();
          const apiResponse = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/test-token'));
          await operation.locator('.btn.execute').click();
          const response = await apiResponse;
          const authorization = await response.request().headerValue('authorization');
          assert(authorization?.startsWith('Bearer '), `sent authorization ${authorization}`);
          const live = operation.locator('.live-responses-table .response');
          await live.first().waitFor();
          const status = (await live.locator('.response-col_status').first().textContent())?.trim();
          const body = await live.locator('.response-col_description pre').first().textContent();
          assert(status === '200', `Swagger shows status ${status}`);
          assert(body?.includes(email), `response body does not name ${email}: ${body}`);
          // From the header (Authorize shows a closed lock) down to the live response, at full resolution.
          const box = await live.first().boundingBox();
          const scrollY = await page.evaluate(() => window.scrollY);
          const bottom = Math.ceil((box?.y ?? 0) + scrollY + (box?.height ?? 900) + 16);
          mkdirSync(dirname(SCREENSHOT_PATH), { recursive: true });
          await page.screenshot({
            path: SCREENSHOT_PATH,
            fullPage: true,
            clip: { x: 0, y: 0, width: 1280, height: bottom },
          });
        },
      },
      {
        name: 'no request left localhost',
        independent: true,
        run: async () => {
          assert(offsite.length === 0, `requested off-site: ${offsite.join(', ')}`);
        },
      },
    ];

    let blocked = false;
    for (const check of checks) {
      // After a failure the dependent steps would only report the same cause again.
      if (blocked && !check.independent) {
        failed += 1;
        console.log(`  - ${check.name} (not run)`);
        continue;
      }
      try {
        await check.run();
        passed += 1;
        console.log(`  ✓ ${check.name}`);
      } catch (error) {
        failed += 1;
        blocked = true;
        console.log(`  ✗ ${check.name}\n      ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } catch (error) {
    failed += 1;
    console.log(`  ✗ setup\n      ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await context?.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
    await stack.stop();
  }
  if (failed === 0) console.log(`  screenshot: ${SCREENSHOT_PATH}`);
  console.log(`browser e2e: ${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main().catch((error: unknown) => {
  console.error(`browser e2e failed to start: ${error instanceof Error ? error.message : String(error)}`);
  console.log('browser e2e: 0 passed, 1 failed');
  return 1;
});
