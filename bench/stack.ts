// The stack under test, started and stopped by the benchmark itself: the SQL-over-HTTP gateway (embedded
// PGlite in a temp dir, or DATABASE_URL's PostgreSQL), migrations, and the Worker under `wrangler dev` in
// local mode on a free port, with throwaway secrets. Also starts the PBKDF2 probe worker the same way.
// Nothing is written into the project except .assets/ when wrangler.toml needs it and it is missing
// (see tools/bundle-size.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ASSETS_DIRECTORY_LINE, buildWorkerBundle, readAssetsDirectory } from '../tools/bundle-size.ts';
import { type Gateway, startGateway } from '../tools/gateway/server.ts';
import { generateWorkerSecrets } from '../tools/secrets.ts';
import { listDescendantPids, readProcessGroup, readProcessName } from './cpu.ts';

export const PROJECT_DIR = resolve(import.meta.dirname, '..');
const READY_TIMEOUT_MS = 90_000;
const READY_POLL_INTERVAL_MS = 250;
const STOP_GRACE_MS = 5_000;
const RECENT_LINES_KEPT = 80;

export type WranglerWorker = {
  baseUrl: string;
  wrangler: ChildProcess;
  /** The workerd processes this wrangler started (its process group), for CPU accounting. */
  findWorkerdPids(): number[];
  /** The one serving the public port is wrangler's dev proxy; the other runs the Worker itself. */
  isProxyWorkerd(pid: number): boolean;
  /** Every line wrangler prints (the Worker's console.log included) goes to these listeners. */
  onOutputLine(listener: (line: string) => void): () => void;
  recentOutput(): string[];
  stop(): Promise<void>;
};

export type Stack = {
  gateway: Gateway;
  backend: 'pglite' | 'postgres';
  worker: WranglerWorker;
  stop(): Promise<void>;
};

export function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export async function startStack(options: { databaseUrl?: string; tempDir: string }): Promise<Stack> {
  const dataDir = options.databaseUrl ? undefined : join(options.tempDir, 'pglite');
  const config = prepareFrozenWorker(join(options.tempDir, 'worker'));
  const gateway = await startGateway({ databaseUrl: options.databaseUrl, dataDir });
  let worker: WranglerWorker | undefined;
  try {
    await gateway.migrate();
    const secretsFile = join(options.tempDir, 'worker.env');
    writeWorkerSecretsFile(secretsFile);
    worker = await startWranglerDev({
      label: 'edge-2fa',
      config,
      args: ['--no-bundle', '--env-file', secretsFile, '--var', `NEON_HTTP_ENDPOINT:${gateway.sqlUrl}`],
      persistDir: join(options.tempDir, 'wrangler-state'),
    });
  } catch (error) {
    await gateway.close().catch(() => {});
    throw error;
  }
  const startedWorker = worker;
  return {
    gateway,
    backend: gateway.backendName,
    worker: startedWorker,
    stop: async () => {
      await startedWorker.stop();
      await gateway.close().catch(() => {});
    },
  };
}

// The Worker as `wrangler deploy` would upload it, frozen in a temp dir with a copy of wrangler.toml that
// points at it. `wrangler dev` on the project itself would rebuild and restart the Worker whenever a
// source file, wrangler.toml or the assets change (others may be editing them): a restart mid-scenario
// would be measured as the Worker's cost. Returns the config path.
function prepareFrozenWorker(dir: string): string {
  const bundleDir = join(dir, 'bundle');
  const [entry] = buildWorkerBundle(bundleDir).filter((file) => /index\.m?js$/.test(file));
  if (!entry) throw new Error('wrangler deploy --dry-run wrote no index.js');
  let config = readFileSync(join(PROJECT_DIR, 'wrangler.toml'), 'utf8').replace(
    /^main\s*=.*$/m,
    `main = ${JSON.stringify(entry)}`,
  );
  const assetsDirectory = readAssetsDirectory(config);
  if (assetsDirectory) {
    const assetsCopy = join(dir, 'assets');
    cpSync(join(PROJECT_DIR, assetsDirectory), assetsCopy, { recursive: true });
    config = config.replace(ASSETS_DIRECTORY_LINE, (line) =>
      line.replace(/"[^"]+"/, JSON.stringify(assetsCopy)),
    );
  }
  const configPath = join(dir, 'wrangler.toml');
  writeFileSync(configPath, config);
  return configPath;
}

// An --env-file rather than .dev.vars: wrangler then ignores the project's own .dev.vars, which the
// benchmark must neither read nor write.
function writeWorkerSecretsFile(path: string): void {
  const secrets = generateWorkerSecrets();
  const lines = [
    // The gateway ignores the connection string; the Worker's config only checks its shape.
    "DATABASE_URL='postgresql://bench:bench@db.localtest.me/bench'",
    ...Object.entries(secrets).map(([name, value]) => `${name}='${value}'`),
  ];
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
}

export async function startWranglerDev(options: {
  label: string;
  args: string[];
  persistDir: string;
  config?: string;
}): Promise<WranglerWorker> {
  const port = await findFreePort();
  const inspectorPort = await findFreePort();
  const { DATABASE_URL: _ignored, ...parentEnv } = process.env;
  const wrangler = spawn(
    join(PROJECT_DIR, 'node_modules/.bin/wrangler'),
    [
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
      ...options.args,
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
        // The config is a frozen copy (see prepareFrozenWorker); nothing should reload the Worker mid-run.
        WRANGLER_CI_DISABLE_CONFIG_WATCHING: 'true',
        CI: 'true',
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

  const worker: WranglerWorker = {
    baseUrl: `http://127.0.0.1:${port}`,
    wrangler,
    findWorkerdPids: () =>
      wrangler.pid
        ? listDescendantPids(wrangler.pid).filter((pid) => readProcessName(pid) === 'workerd')
        : [],
    isProxyWorkerd: (pid) => readCommandLine(pid).includes(`--socket-addr=entry=127.0.0.1:${port}`),
    onOutputLine: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    recentOutput: () => [...recent],
    stop: () => stopProcessGroup(wrangler),
  };
  try {
    await waitUntilServing(worker, options.label);
  } catch (error) {
    await worker.stop();
    throw error;
  }
  return worker;
}

async function waitUntilServing(worker: WranglerWorker, label: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (worker.wrangler.exitCode !== null) {
      throw new Error(
        `wrangler dev (${label}) exited with ${worker.wrangler.exitCode}:\n${worker.recentOutput().join('\n')}`,
      );
    }
    try {
      const response = await fetch(`${worker.baseUrl}/`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {}
    await sleep(READY_POLL_INTERVAL_MS);
  }
  throw new Error(`wrangler dev (${label}) did not serve within ${READY_TIMEOUT_MS / 1000} s`);
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

// A last resort after stopping: any workerd of ours still alive (same process group as its wrangler).
export function killLeftoverWorkerd(pids: number[], processGroups: number[]): void {
  for (const pid of pids) {
    const group = readProcessGroup(pid);
    if (readProcessName(pid) !== 'workerd' || group === undefined || !processGroups.includes(group)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}

function readCommandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

export function makeTempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
