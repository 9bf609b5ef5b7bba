// The pieces of the stack under test, each started and stopped by the benchmark itself:
//   - the SQL-over-HTTP gateway (tools/gateway) in its own Node process, so its CPU is its own;
//   - the Worker exactly as `wrangler deploy` uploads it (`--dry-run --outdir`), frozen in the temp dir
//     with a copy of wrangler.toml pointing at it, and a throwaway set of secrets shared by every server
//     below (accounts and tokens made through one are valid in the others: same database, same keys).
// The servers themselves are in bench/servers.ts. Nothing is written into the project except .assets/
// when wrangler.toml needs it and it is missing (see tools/bundle-size.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ASSETS_DIRECTORY_LINE, buildWorkerBundle, readAssetsDirectory } from '../tools/bundle-size.ts';
import { LOCAL_CONNECTION_STRING } from '../tools/gateway/credentials.ts';
import { PROJECT_DIR, sleep, stopProcessGroup } from '../tools/local-stack.ts';
import { generateWorkerSecrets, type WorkerSecrets } from '../tools/secrets.ts';

export { findFreePort, makeTempDir, PROJECT_DIR, sleep } from '../tools/local-stack.ts';

const GATEWAY_READY_TIMEOUT_MS = 60_000;
// The gateway checks the connection string as Neon does, so the Worker sends the one it expects.
export const PLACEHOLDER_DATABASE_URL = LOCAL_CONNECTION_STRING;

export type GatewayProcess = {
  sqlUrl: string;
  controlUrl: string;
  pid: number;
  stop(): Promise<void>;
};

/** tools/gateway/main.ts on a free port, migrated; resolves once it prints its URL. */
export async function startGatewayProcess(options: {
  databaseUrl: string | undefined;
  pgliteDir: string;
}): Promise<GatewayProcess> {
  const { DATABASE_URL: _ignored, ...parentEnv } = process.env;
  const child = spawn(
    process.execPath,
    [
      join(PROJECT_DIR, 'tools/gateway/main.ts'),
      '--port',
      '0',
      ...(options.databaseUrl ? [] : ['--data-dir', options.pgliteDir]),
    ],
    {
      cwd: PROJECT_DIR,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...parentEnv, ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}) },
    },
  );
  const sqlUrl = await waitForLine(child, /at (http:\/\/\S+\/sql)$/, GATEWAY_READY_TIMEOUT_MS, 'gateway');
  return {
    sqlUrl,
    controlUrl: sqlUrl.replace(/\/sql$/, '/control'),
    pid: child.pid as number,
    stop: () => stopProcessGroup(child),
  };
}

/** Resolves with the first capture group of the first stdout line matching `pattern`. */
export function waitForLine(
  child: ChildProcess,
  pattern: RegExp,
  timeoutMs: number,
  label: string,
): Promise<string> {
  const recent: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stopProcessGroup(child);
      reject(new Error(`${label} did not start within ${timeoutMs / 1000} s:\n${recent.join('\n')}`));
    }, timeoutMs);
    const onLine = (line: string) => {
      recent.push(line);
      const match = line.match(pattern);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    if (child.stdout) createInterface({ input: child.stdout }).on('line', onLine);
    if (child.stderr) createInterface({ input: child.stderr }).on('line', (line) => recent.push(line));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited with ${code}:\n${recent.join('\n')}`));
    });
  });
}

export type FrozenWorker = {
  /** The bundle `wrangler deploy` would upload (one ES module). */
  entry: string;
  /** A copy of wrangler.toml whose `main` (and assets directory) point into the frozen copy. */
  configPath: string;
  /** The PBKDF2 probe Worker. */
  probeEntry: string;
  secrets: WorkerSecrets;
  envFile: string;
};

// `wrangler dev` or Miniflare on the project itself would rebuild the Worker whenever a source file,
// wrangler.toml or the assets change (others may be editing them): a rebuild mid-scenario would be
// measured as the Worker's cost. So everything runs from this frozen copy.
export function prepareFrozenWorker(dir: string): FrozenWorker {
  const [entry] = buildWorkerBundle(join(dir, 'bundle')).filter((file) => /index\.m?js$/.test(file));
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
  const probeEntry = join(dir, 'pbkdf2-probe.js');
  cpSync(join(PROJECT_DIR, 'bench/pbkdf2-probe/probe.js'), probeEntry);
  const secrets = generateWorkerSecrets();
  // For `wrangler dev --env-file`: with it wrangler skips .dev.vars, which the bench never reads or writes.
  const envFile = join(dir, 'worker.env');
  const vars = { DATABASE_URL: PLACEHOLDER_DATABASE_URL, ...secrets };
  writeFileSync(
    envFile,
    `${Object.entries(vars)
      .map(([name, value]) => `${name}='${value}'`)
      .join('\n')}\n`,
    { mode: 0o600 },
  );
  return { entry, configPath, probeEntry, secrets, envFile };
}

export async function waitUntilServing(
  baseUrl: string,
  timeoutMs: number,
  label: string,
  isAlive: () => boolean = () => true,
): Promise<number> {
  const startedAt = performance.now();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`${label} exited`);
    try {
      const response = await fetch(`${baseUrl}/`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return performance.now() - startedAt;
    } catch {}
    await sleep(5);
  }
  throw new Error(`${label} did not serve within ${timeoutMs / 1000} s`);
}
