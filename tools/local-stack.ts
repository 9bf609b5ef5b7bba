// The pieces shared by everything that starts its own private copy of the local stack (bench/stack.ts,
// tools/e2e/stack.ts): free ports, a temp dir, a throwaway secrets file and `wrangler dev` in its own
// process group, so a run never collides with a developer's `npm run dev` and leaves nothing running.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { generateWorkerSecrets } from './secrets.ts';

export const PROJECT_DIR = resolve(import.meta.dirname, '..');
const WRANGLER = join(PROJECT_DIR, 'node_modules/wrangler/bin/wrangler.js');
// wrangler dev compiles and boots workerd: well under this on a cold machine.
const READY_TIMEOUT_MS = 120_000;
const READY_POLL_INTERVAL_MS = 250;
const STOP_GRACE_MS = 5_000;
const RECENT_LINES_KEPT = 80;

export type WranglerDev = {
  baseUrl: string;
  port: number;
  wrangler: ChildProcess;
  /** Every line wrangler prints (the Worker's console.log included) goes to these listeners. */
  onOutputLine(listener: (line: string) => void): () => void;
  recentOutput(): string[];
  stop(): Promise<void>;
};

export function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

export function makeTempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

// Fresh secrets for one run, for `wrangler dev --env-file`: with it wrangler skips .dev.vars, so the
// developer's secrets are neither needed nor touched. The connection string must be one the gateway
// accepts (it checks user, password and database as Neon does).
export function writeWorkerEnvFile(path: string, databaseUrl: string): void {
  const vars = { DATABASE_URL: databaseUrl, ...generateWorkerSecrets() };
  const lines = Object.entries(vars).map(([name, value]) => `${name}='${value}'`);
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
}

// `wrangler dev` in local mode on free ports, resolved once it serves `/`; on failure it is stopped and
// the error carries its last output.
export async function startWranglerDev(options: {
  label: string;
  persistDir: string;
  config?: string;
  args?: string[];
  env?: Record<string, string>;
}): Promise<WranglerDev> {
  const port = await findFreePort();
  const inspectorPort = await findFreePort();
  // A real connection string in the shell must not reach wrangler: the Worker talks to the local gateway.
  const { DATABASE_URL: _ignored, ...parentEnv } = process.env;
  const wrangler = spawn(
    process.execPath,
    [
      WRANGLER,
      'dev',
      ...(options.config ? ['--config', options.config] : []),
      '--port',
      String(port),
      '--ip',
      '127.0.0.1',
      '--inspector-port',
      String(inspectorPort),
      '--persist-to',
      options.persistDir,
      '--show-interactive-dev-session=false',
      ...(options.args ?? []),
    ],
    {
      cwd: PROJECT_DIR,
      // Its own process group, so one signal stops wrangler and every workerd it started.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...parentEnv,
        PATH: `${join(PROJECT_DIR, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
        CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        WRANGLER_SEND_METRICS: 'false',
        CI: 'true',
        ...options.env,
      },
    },
  );
  const listeners = new Set<(line: string) => void>();
  const recent: string[] = [];
  const onLine = (line: string) => {
    recent.push(line);
    if (recent.length > RECENT_LINES_KEPT) recent.shift();
    for (const listener of listeners) listener(line);
  };
  // Always drained: a full pipe would stall wrangler, and with it the Worker's console output.
  if (wrangler.stdout) createInterface({ input: wrangler.stdout }).on('line', onLine);
  if (wrangler.stderr) createInterface({ input: wrangler.stderr }).on('line', onLine);

  const dev: WranglerDev = {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    wrangler,
    onOutputLine: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    recentOutput: () => [...recent],
    stop: () => stopProcessGroup(wrangler),
  };
  try {
    await waitUntilServing(dev, options.label);
  } catch (error) {
    await dev.stop();
    throw error;
  }
  return dev;
}

async function waitUntilServing(dev: WranglerDev, label: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (dev.wrangler.exitCode !== null) {
      throw new Error(
        `wrangler dev (${label}) exited with ${dev.wrangler.exitCode}:\n${dev.recentOutput().join('\n')}`,
      );
    }
    try {
      const response = await fetch(`${dev.baseUrl}/`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {}
    await sleep(READY_POLL_INTERVAL_MS);
  }
  throw new Error(
    `wrangler dev (${label}) did not serve within ${READY_TIMEOUT_MS / 1000} s:\n${dev.recentOutput().join('\n')}`,
  );
}

export async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (!child.pid) return;
  if (child.exitCode !== null || child.signalCode !== null) {
    // wrangler is gone, but workerd children may still hold its group.
    signalGroup(child.pid, 'SIGKILL');
    return;
  }
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  signalGroup(child.pid, 'SIGTERM');
  const stoppedInTime = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
  // workerd children can outlive wrangler itself: whatever is left of the group goes now.
  signalGroup(child.pid, 'SIGKILL');
  if (!stoppedInTime) await exited;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {}
}
