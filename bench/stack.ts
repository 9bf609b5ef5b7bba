// The stack under test, started and stopped by the benchmark itself: the SQL-over-HTTP gateway (embedded
// PGlite in a temp dir, or DATABASE_URL's PostgreSQL), migrations, and the Worker under `wrangler dev` in
// local mode on a free port, with throwaway secrets. Also starts the PBKDF2 probe worker the same way.
// Nothing is written into the project except .assets/ when wrangler.toml needs it and it is missing
// (see tools/bundle-size.ts).
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ASSETS_DIRECTORY_LINE, buildWorkerBundle, readAssetsDirectory } from '../tools/bundle-size.ts';
import { LOCAL_CONNECTION_STRING } from '../tools/gateway/credentials.ts';
import { type Gateway, startGateway } from '../tools/gateway/server.ts';
import {
  PROJECT_DIR,
  startWranglerDev as startLocalWranglerDev,
  type WranglerDev,
  writeWorkerEnvFile,
} from '../tools/local-stack.ts';
import { listDescendantPids, readProcessGroup, readProcessName } from './cpu.ts';

// Re-exported so the rest of bench/ keeps importing its stack helpers from one place.
export { makeTempDir, PROJECT_DIR, sleep } from '../tools/local-stack.ts';

export type WranglerWorker = WranglerDev & {
  /** The workerd processes this wrangler started (its process group), for CPU accounting. */
  findWorkerdPids(): number[];
  /** The one serving the public port is wrangler's dev proxy; the other runs the Worker itself. */
  isProxyWorkerd(pid: number): boolean;
};

export type Stack = {
  gateway: Gateway;
  backend: 'pglite' | 'postgres';
  worker: WranglerWorker;
  stop(): Promise<void>;
};

export async function startStack(options: { databaseUrl?: string; tempDir: string }): Promise<Stack> {
  const dataDir = options.databaseUrl ? undefined : join(options.tempDir, 'pglite');
  const config = prepareFrozenWorker(join(options.tempDir, 'worker'));
  const gateway = await startGateway({ databaseUrl: options.databaseUrl, dataDir });
  let worker: WranglerWorker | undefined;
  try {
    await gateway.migrate();
    const secretsFile = join(options.tempDir, 'worker.env');
    // An --env-file rather than .dev.vars: the benchmark must neither read nor write the project's own.
    writeWorkerEnvFile(secretsFile, LOCAL_CONNECTION_STRING);
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

// CPU accounting needs the workerd processes behind each wrangler, so the bench wraps the shared start.
// The config is a frozen copy (see prepareFrozenWorker); nothing should reload the Worker mid-run.
export async function startWranglerDev(options: {
  label: string;
  args: string[];
  persistDir: string;
  config?: string;
}): Promise<WranglerWorker> {
  const dev = await startLocalWranglerDev({
    ...options,
    env: { WRANGLER_CI_DISABLE_CONFIG_WATCHING: 'true' },
  });
  const pid = dev.wrangler.pid;
  return {
    ...dev,
    findWorkerdPids: () =>
      pid ? listDescendantPids(pid).filter((child) => readProcessName(child) === 'workerd') : [],
    isProxyWorkerd: (workerdPid) =>
      readCommandLine(workerdPid).includes(`--socket-addr=entry=127.0.0.1:${dev.port}`),
  };
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
