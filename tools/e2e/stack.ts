// Starts a private copy of the local stack for an end-to-end run: the SQL-over-HTTP gateway on a fresh
// in-memory PGlite and `wrangler dev` on free ports, with its own secrets and state directory, so it never
// collides with a developer's `npm run dev` (same ports, .data/pglite, .wrangler/state, .dev.vars).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copySwaggerAssets } from '../copy-swagger-assets.ts';
import { startGateway } from '../gateway/server.ts';
import { generateWorkerSecrets } from '../secrets.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const WRANGLER = join(ROOT, 'node_modules/wrangler/bin/wrangler.js');
// wrangler dev compiles and boots workerd: well under this on a cold machine.
const STARTUP_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 5_000;

export type Stack = {
  baseUrl: string;
  apiUrl: string;
  // Everything the Worker printed so far (stdout and stderr): emails land here.
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

async function waitUntilServing(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`wrangler dev did not answer ${url} within ${STARTUP_TIMEOUT_MS / 1000}s:\n${output()}`);
}

export async function startStack(): Promise<Stack> {
  // /docs links these files; without them wrangler dev refuses the [assets] directory.
  copySwaggerAssets();
  const gateway = await startGateway({ port: 0 });
  await gateway.migrate();

  const workDir = mkdtempSync(join(tmpdir(), 'edge-2fa-e2e-'));
  const envFile = join(workDir, 'worker.env');
  // --env-file makes wrangler skip .dev.vars, so the developer's secrets are neither needed nor touched.
  const secrets = {
    ...generateWorkerSecrets(),
    DATABASE_URL: 'postgresql://edge2fa:local@db.localtest.me/edge2fa',
  };
  writeFileSync(
    envFile,
    Object.entries(secrets)
      .map(([name, value]) => `${name}='${value}'`)
      .join('\n'),
    { mode: 0o600 },
  );

  const [port, inspectorPort] = [await freePort(), await freePort()];
  let captured = '';
  const child = spawn(
    process.execPath,
    [
      WRANGLER,
      'dev',
      '--port',
      String(port),
      '--ip',
      '127.0.0.1',
      '--inspector-port',
      String(inspectorPort),
      '--persist-to',
      join(workDir, 'state'),
      '--env-file',
      envFile,
      '--var',
      `NEON_HTTP_ENDPOINT:${gateway.sqlUrl}`,
      '--show-interactive-dev-session=false',
    ],
    {
      cwd: ROOT,
      // Its own process group, so stopping it also stops the workerd children it starts.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        WRANGLER_SEND_METRICS: 'false',
        CI: 'true',
      },
    },
  );
  child.stdout?.on('data', (chunk: Buffer) => {
    captured += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    captured += chunk.toString();
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.pid && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {}
      const timer = setTimeout(() => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {}
      }, STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    await gateway.close();
    rmSync(workDir, { recursive: true, force: true });
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitUntilServing(`${baseUrl}/`, child, () => captured);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    baseUrl,
    apiUrl: `${baseUrl}/api/v1`,
    output: () => captured,
    async waitForOutput(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const match = captured.match(pattern);
        if (match) return match;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error(`the Worker did not print ${pattern} within ${timeoutMs / 1000}s`);
    },
    stop,
  };
}
