// The servers the benchmark drives, all running the same frozen bundle (bench/stack.ts):
//   - Miniflare's API with every binding wrangler.toml declares (KV, the email queue and its consumer,
//     the rate limiters, vars, secrets, static assets), read by wrangler's own config→Miniflare mapping:
//     the scenario table and the second-factor round-trip probes run here;
//   - plain workerd, the binary wrangler ships, from a capnp config generated here: the Worker next to
//     the PBKDF2 probe in one process, vars and secrets as text bindings, the rate limiters as an
//     in-memory counter (bench/workerd-ratelimit.js); no KV and no queue (workerd has neither built in),
//     so only routes that use neither run there: the ceiling, the CPU comparisons, cold start;
//   - `wrangler dev`, only as a smoke test that the developer path still serves.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import { startWranglerDev } from '../tools/local-stack.ts';
import { findChildPids } from './cpu.ts';
import {
  type FrozenWorker,
  findFreePort,
  PLACEHOLDER_DATABASE_URL,
  PROJECT_DIR,
  waitUntilServing,
} from './stack.ts';

const READY_TIMEOUT_MS = 60_000;

export type WorkerServer = {
  label: string;
  baseUrl: string;
  /** The workerd process(es) running the Worker: whose CPU is "the Worker's". */
  workerPids(): number[];
  /** Each line the Worker writes with console.log (emails included). */
  onOutputLine(listener: (line: string) => void): () => void;
  stop(): Promise<void>;
};

function createLineFanOut() {
  const listeners = new Set<(line: string) => void>();
  return {
    emit(text: string) {
      for (const line of text.split('\n')) for (const listener of listeners) listener(line);
    },
    subscribe(listener: (line: string) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export async function startMiniflareWorker(frozen: FrozenWorker, sqlUrl: string): Promise<WorkerServer> {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(frozen.configPath);
  // Miniflare 5 reads module rules and the root path from the script itself; the rest maps one to one.
  const {
    modulesRules: _rules,
    rootPath: _root,
    ...bindingOptions
  } = workerOptions as Record<string, unknown>;
  const output = createLineFanOut();
  const workerdBefore = new Set(findChildPids(process.pid, 'workerd'));
  const miniflare = new Miniflare(
    convertV4MiniflareOptions({
      host: '127.0.0.1',
      port: await findFreePort(),
      handleStructuredLogs: (log) => output.emit(log.message),
      workers: [
        {
          ...bindingOptions,
          name: 'edge-2fa',
          modules: true,
          scriptPath: frozen.entry,
          // Module names relative to the bundle, as workerd names them in production.
          modulesRoot: dirname(frozen.entry),
          bindings: {
            ...(bindingOptions.bindings as Record<string, string>),
            NEON_HTTP_ENDPOINT: sqlUrl,
            DATABASE_URL: PLACEHOLDER_DATABASE_URL,
            ...frozen.secrets,
          },
        },
      ],
      // wrangler's mapping still speaks Miniflare 4's option shape; Miniflare 5 converts it.
    } as Parameters<typeof convertV4MiniflareOptions>[0]),
  );
  const url = await miniflare.ready;
  const pids = findChildPids(process.pid, 'workerd').filter((pid) => !workerdBefore.has(pid));
  return {
    label: 'Miniflare',
    baseUrl: url.origin,
    workerPids: () => pids,
    onOutputLine: output.subscribe,
    stop: () => miniflare.dispose(),
  };
}

const WORKERD_BINARY = (createRequire(import.meta.url)('workerd') as { default: string }).default;

type CapnpBinding = string;

function textBinding(name: string, value: string): CapnpBinding {
  return `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(value)})`;
}

function readVars(configPath: string): Record<string, string> {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath);
  return (workerOptions as { bindings?: Record<string, string> }).bindings ?? {};
}

function readRateLimits(configPath: string): Record<string, { limit: number; period: number }> {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath);
  const ratelimits =
    (workerOptions as { ratelimits?: Record<string, { simple: { limit: number; period?: number } }> })
      .ratelimits ?? {};
  return Object.fromEntries(
    Object.entries(ratelimits).map(([name, { simple }]) => [
      name,
      { limit: simple.limit, period: simple.period ?? 60 },
    ]),
  );
}

function readCompatibilityDate(configPath: string): string {
  const match = readFileSync(configPath, 'utf8').match(/^compatibility_date\s*=\s*"([^"]+)"/m);
  if (!match?.[1]) throw new Error('wrangler.toml has no compatibility_date');
  return match[1];
}

export function writeWorkerdConfig(
  frozen: FrozenWorker,
  sqlUrl: string,
  ports: { worker: number; probe: number },
  path: string,
): void {
  const compatibilityDate = readCompatibilityDate(frozen.configPath);
  // capnp resolves `embed` paths relative to the config file.
  const embedPath = (file: string) => JSON.stringify(relative(dirname(path), file));
  const vars = { ...readVars(frozen.configPath), NEON_HTTP_ENDPOINT: sqlUrl };
  const bindings = [
    ...Object.entries(vars).map(([name, value]) => textBinding(name, value)),
    textBinding('DATABASE_URL', PLACEHOLDER_DATABASE_URL),
    ...Object.entries(frozen.secrets).map(([name, value]) => textBinding(name, value)),
    ...Object.entries(readRateLimits(frozen.configPath)).map(
      ([name, { limit, period }]) =>
        `(name = ${JSON.stringify(name)}, wrapped = (moduleName = "bench-internal:ratelimit", innerBindings = [(name = "limit", json = "${limit}"), (name = "period", json = "${period}")]))`,
    ),
  ];
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "edge-2fa", worker = .edge2fa),
    (name = "pbkdf2-probe", worker = .probe),
    # The Worker reaches the local gateway on 127.0.0.1, which workerd's default network refuses.
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [
    (name = "edge-2fa", address = "127.0.0.1:${ports.worker}", http = (), service = "edge-2fa"),
    (name = "pbkdf2-probe", address = "127.0.0.1:${ports.probe}", http = (), service = "pbkdf2-probe"),
  ],
  extensions = [
    (modules = [(name = "bench-internal:ratelimit", esModule = embed ${embedPath(join(PROJECT_DIR, 'bench/workerd-ratelimit.js'))}, internal = true)]),
  ],
);
const edge2fa :Workerd.Worker = (
  modules = [(name = "index.js", esModule = embed ${embedPath(frozen.entry)})],
  compatibilityDate = "${compatibilityDate}",
  bindings = [
    ${bindings.join(',\n    ')}
  ],
  globalOutbound = "internet",
);
const probe :Workerd.Worker = (
  modules = [(name = "probe.js", esModule = embed ${embedPath(frozen.probeEntry)})],
  compatibilityDate = "${compatibilityDate}",
);
`;
  writeFileSync(path, config, { mode: 0o600 });
}

export type PlainWorkerd = WorkerServer & {
  probeUrl: string;
  /** From spawning workerd to the first 200 from GET /: process start, module compile, first request. */
  coldStartMs: number;
};

const START_ATTEMPTS = 3;

// Free ports are found by binding port 0 and letting go, so another process can take one in between (or
// a server still shutting down can answer on it): a start that does not come up as our own is retried.
export async function startPlainWorkerd(
  frozen: FrozenWorker,
  sqlUrl: string,
  configPath: string,
): Promise<PlainWorkerd> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startPlainWorkerdOnce(frozen, sqlUrl, configPath);
    } catch (error) {
      if (attempt >= START_ATTEMPTS) throw error;
    }
  }
}

async function startPlainWorkerdOnce(
  frozen: FrozenWorker,
  sqlUrl: string,
  configPath: string,
): Promise<PlainWorkerd> {
  const ports = { worker: await findFreePort(), probe: await findFreePort() };
  writeWorkerdConfig(frozen, sqlUrl, ports, configPath);
  const output = createLineFanOut();
  const startedAt = performance.now();
  const child: ChildProcess = spawn(WORKERD_BINARY, ['serve', '--experimental', configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const recent: string[] = [];
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    recent.push(text);
    if (recent.length > 50) recent.shift();
    output.emit(text.replace(/\n$/, ''));
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const baseUrl = `http://127.0.0.1:${ports.worker}`;
  const stop = async () => {
    stopping = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const isAlive = () => child.exitCode === null && child.signalCode === null;
  let stopping = false;
  child.once('exit', (code, signal) => {
    if (!stopping)
      console.error(`plain workerd exited (${code ?? signal}):\n${recent.join('').slice(-2000)}`);
  });
  let coldStartMs: number;
  try {
    await waitUntilServing(baseUrl, READY_TIMEOUT_MS, 'plain workerd', isAlive);
    coldStartMs = performance.now() - startedAt;
    // The answer must have come from this process, not from whatever held the port a moment ago.
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (!isAlive()) throw new Error('plain workerd exited right after its first answer');
  } catch (error) {
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}:\n${recent.join('')}`);
  }
  return {
    label: 'plain workerd',
    baseUrl,
    probeUrl: `http://127.0.0.1:${ports.probe}`,
    coldStartMs,
    workerPids: () => (child.pid ? [child.pid] : []),
    onOutputLine: output.subscribe,
    stop,
  };
}

/** Starts plain workerd `times` times and returns each time to its first response (then stops it). */
export async function measureColdStarts(
  frozen: FrozenWorker,
  sqlUrl: string,
  configPath: string,
  times: number,
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const server = await startPlainWorkerd(frozen, sqlUrl, configPath);
    samples.push(server.coldStartMs);
    await server.stop();
  }
  return samples;
}

/** `wrangler dev` on the frozen bundle answers GET / and a database route: the dev path works. */
export async function smokeTestWranglerDev(
  frozen: FrozenWorker,
  sqlUrl: string,
  persistDir: string,
): Promise<{ ok: boolean; detail: string }> {
  const dev = await startWranglerDev({
    label: 'edge-2fa (wrangler dev smoke)',
    config: frozen.configPath,
    args: ['--no-bundle', '--env-file', frozen.envFile, '--var', `NEON_HTTP_ENDPOINT:${sqlUrl}`],
    persistDir,
    env: { WRANGLER_CI_DISABLE_CONFIG_WATCHING: 'true' },
  });
  try {
    const health = await fetch(`${dev.baseUrl}/`);
    await health.arrayBuffer();
    const login = await fetch(`${dev.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'cf-connecting-ip': '10.254.0.1' },
      body: new URLSearchParams({ username: 'nobody@example.com', password: 'not the password' }).toString(),
    });
    await login.arrayBuffer();
    // An unknown account is a 400 that went through the database: the whole path works.
    const ok = health.status === 200 && login.status === 400;
    return { ok, detail: `GET / → ${health.status}, login of an unknown account → ${login.status}` };
  } finally {
    await dev.stop();
  }
}
