// One measured window: the load generator runs in its own process while this one samples the costs
// around it. Round trips and statements come from whoever talks to PostgreSQL (the gateway's /stats for
// edge-2fa, the peer's pool counter for Better Auth), reset just before and read just after, so setup
// traffic is excluded. CPU is utime + stime from /proc of each named group of processes (the Worker's
// workerd, the gateway, Postgres, the peer, the load generator), and the machine's busy cores from
// /proc/stat. Windows of one scenario can be summed (combineMeasurements) to interleave A and B.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { readCPUSeconds, readMachineBusySeconds } from './cpu.ts';
import type { LoadJob, LoadResult } from './load.ts';
import { sleep } from './stack.ts';

const LOAD_SCRIPT = join(import.meta.dirname, 'load.ts');
// Generous: a pool-limited scenario ends earlier, a duration-limited one at most a few seconds later.
const LOAD_TIMEOUT_MARGIN_MS = 60_000;

export type CPUGroup = 'worker' | 'gateway' | 'postgres' | 'peer' | 'load';
export type CPUGroups = Partial<Record<Exclude<CPUGroup, 'load'>, () => Promise<number[]> | number[]>>;

export type DatabaseCounter = {
  reset(): Promise<void>;
  read(): Promise<{ roundTrips: number; statements: number }>;
};

export type MeasureTarget = {
  cpuGroups: CPUGroups;
  // Whose CPU must settle before the window closes (work a request leaves behind counts too).
  settleGroup: Exclude<CPUGroup, 'load'>;
  database?: DatabaseCounter;
};

/** Raw totals, so windows can be summed; the per-request figures are derived by perRequest(). */
export type Measurement = LoadResult & {
  windows: number;
  roundTrips: number;
  statements: number;
  cpuSeconds: Partial<Record<CPUGroup, number>>;
  machineBusySeconds: number;
  wallSeconds: number;
};

export type PerRequest = {
  requestsPerSecond: number;
  roundTripsPerRequest: number;
  statementsPerRequest: number;
  cpuMsPerRequest: Partial<Record<CPUGroup, number>>;
  coresBusy: number;
};

export function perRequest(m: Measurement): PerRequest {
  const requests = Math.max(m.requestsSent, 1);
  return {
    requestsPerSecond: m.requests / m.durationSeconds,
    roundTripsPerRequest: m.roundTrips / requests,
    statementsPerRequest: m.statements / requests,
    cpuMsPerRequest: Object.fromEntries(
      Object.entries(m.cpuSeconds).map(([group, seconds]) => [group, (seconds * 1000) / requests]),
    ),
    coresBusy: m.machineBusySeconds / Math.max(m.wallSeconds, 0.001),
  };
}

/** Sums windows of one scenario; latency percentiles: request-weighted mean of p50, worst p99. */
export function combineMeasurements(parts: Measurement[]): Measurement {
  const [first, ...rest] = parts;
  if (!first) throw new Error('no windows to combine');
  return rest.reduce((sum, m) => {
    const requests = sum.requests + m.requests;
    const cpuSeconds: Partial<Record<CPUGroup, number>> = { ...sum.cpuSeconds };
    for (const [group, seconds] of Object.entries(m.cpuSeconds) as [CPUGroup, number][]) {
      cpuSeconds[group] = (cpuSeconds[group] ?? 0) + seconds;
    }
    const statusCounts = { ...sum.statusCounts };
    for (const [status, count] of Object.entries(m.statusCounts)) {
      statusCounts[status] = (statusCounts[status] ?? 0) + count;
    }
    return {
      requests,
      requestsSent: sum.requestsSent + m.requestsSent,
      durationSeconds: sum.durationSeconds + m.durationSeconds,
      latencyP50Ms: (sum.latencyP50Ms * sum.requests + m.latencyP50Ms * m.requests) / Math.max(requests, 1),
      latencyP99Ms: Math.max(sum.latencyP99Ms, m.latencyP99Ms),
      latencyMeanMs:
        (sum.latencyMeanMs * sum.requests + m.latencyMeanMs * m.requests) / Math.max(requests, 1),
      non2xx: sum.non2xx + m.non2xx,
      errors: sum.errors + m.errors,
      timeouts: sum.timeouts + m.timeouts,
      statusCounts,
      windows: sum.windows + m.windows,
      roundTrips: sum.roundTrips + m.roundTrips,
      statements: sum.statements + m.statements,
      cpuSeconds,
      machineBusySeconds: sum.machineBusySeconds + m.machineBusySeconds,
      wallSeconds: sum.wallSeconds + m.wallSeconds,
    };
  }, first);
}

async function readGroups(groups: CPUGroups): Promise<Record<string, number[]>> {
  const entries = await Promise.all(
    Object.entries(groups).map(async ([name, pids]) => [name, await pids()] as const),
  );
  return Object.fromEntries(entries);
}

export async function measureWindow(target: MeasureTarget, job: LoadJob): Promise<Measurement> {
  const child = fork(LOAD_SCRIPT, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const messages = createMessageReader(child);
    child.send({ type: 'job', job });
    await messages.next('ready', LOAD_TIMEOUT_MARGIN_MS);

    const pidsByGroup = await readGroups(target.cpuGroups);
    if (child.pid) pidsByGroup.load = [child.pid];
    await target.database?.reset();
    // Per process: a Postgres backend or pool connection may exit mid-window (its CPU is then lost, not
    // subtracted) and a new one may start (it counts from zero).
    const cpuBefore = new Map(
      Object.values(pidsByGroup)
        .flat()
        .map((pid) => [pid, readCPUSeconds([pid])]),
    );
    const loadBefore = child.pid ? (cpuBefore.get(child.pid) ?? 0) : 0;
    const machineBefore = readMachineBusySeconds();
    const wallBefore = performance.now();

    child.send({ type: 'start' });
    const { result } = (await messages.next(
      'result',
      job.durationSeconds * 1000 + LOAD_TIMEOUT_MARGIN_MS,
    )) as { result: LoadResult };
    // The load generator's CPU is read before it exits; the servers' after they settle.
    const loadCPU = child.pid ? readCPUSeconds([child.pid]) - loadBefore : 0;
    const wallSeconds = (performance.now() - wallBefore) / 1000;
    const machineBusySeconds = readMachineBusySeconds() - machineBefore;

    // A duration-limited run ends with requests in flight; the server still serves them (their database
    // calls and CPU land after autocannon returns), so wait for quiet and divide by requests sent.
    const counts = target.database ? await waitForQuietDatabase(target.database) : undefined;
    await waitForIdleCPU(pidsByGroup[target.settleGroup] ?? []);
    const pidsAfter = await readGroups(target.cpuGroups);
    const cpuSeconds: Partial<Record<CPUGroup, number>> = { load: loadCPU };
    for (const [group, pids] of Object.entries(pidsAfter)) {
      cpuSeconds[group as CPUGroup] = pids.reduce(
        (sum, pid) => sum + Math.max(0, readCPUSeconds([pid]) - (cpuBefore.get(pid) ?? 0)),
        0,
      );
    }
    return {
      ...result,
      windows: 1,
      roundTrips: counts?.roundTrips ?? 0,
      statements: counts?.statements ?? 0,
      cpuSeconds,
      machineBusySeconds,
      wallSeconds,
    };
  } finally {
    if (child.connected) child.disconnect();
    if (child.exitCode === null) child.kill();
  }
}

const DRAIN_POLL_INTERVAL_MS = 200;
const DRAIN_QUIET_POLLS = 3;
const DRAIN_TIMEOUT_MS = 10_000;

async function waitForQuietDatabase(counter: DatabaseCounter) {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  let counts = await counter.read();
  let quietPolls = 0;
  while (quietPolls < DRAIN_QUIET_POLLS && Date.now() < deadline) {
    await sleep(DRAIN_POLL_INTERVAL_MS);
    const next = await counter.read();
    quietPolls = next.statements === counts.statements ? quietPolls + 1 : 0;
    counts = next;
  }
  return counts;
}

// An idle server burns well under one clock tick (10 ms) per poll.
const IDLE_CPU_SECONDS_PER_POLL = 0.02;

async function waitForIdleCPU(pids: number[]): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  let previous = readCPUSeconds(pids);
  let quietPolls = 0;
  while (quietPolls < DRAIN_QUIET_POLLS && Date.now() < deadline) {
    await sleep(DRAIN_POLL_INTERVAL_MS);
    const current = readCPUSeconds(pids);
    quietPolls = current - previous <= IDLE_CPU_SECONDS_PER_POLL ? quietPolls + 1 : 0;
    previous = current;
  }
}

/** The gateway's /stats: HTTP requests to /sql are round trips, queries are statements. */
export function gatewayCounter(controlUrl: string): DatabaseCounter {
  return {
    reset: async () => {
      const response = await fetch(`${controlUrl}/stats/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`gateway /stats/reset answered ${response.status}`);
      await response.arrayBuffer();
    },
    read: async () => {
      const response = await fetch(`${controlUrl}/stats`);
      if (!response.ok) throw new Error(`gateway /stats answered ${response.status}`);
      const stats = (await response.json()) as { httpRequests: number; queries: number };
      return { roundTrips: stats.httpRequests, statements: stats.queries };
    },
  };
}

/** The peer's pool counter: node-postgres sends one statement per round trip. */
export function peerCounter(baseUrl: string): DatabaseCounter {
  return {
    reset: async () => {
      await (await fetch(`${baseUrl}/__bench/stats`, { method: 'POST' })).arrayBuffer();
    },
    read: async () => {
      const { statements } = (await (await fetch(`${baseUrl}/__bench/stats`)).json()) as {
        statements: number;
      };
      return { roundTrips: statements, statements };
    },
  };
}

type Message = { type: string; message?: string; result?: LoadResult };

function createMessageReader(child: ReturnType<typeof fork>) {
  const queue: Message[] = [];
  let wake: (() => void) | undefined;
  let exited = false;
  child.on('message', (message: Message) => {
    queue.push(message);
    wake?.();
  });
  child.on('exit', () => {
    exited = true;
    wake?.();
  });
  return {
    async next(type: string, timeoutMs: number): Promise<Message> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const message = queue.shift();
        if (message?.type === 'error') throw new Error(`load generator: ${message.message}`);
        if (message?.type === type) return message;
        if (message) continue;
        if (exited) throw new Error(`load generator exited before sending '${type}'`);
        const remainingMs = deadline - Date.now();
        if (remainingMs <= 0)
          throw new Error(`load generator sent no '${type}' within ${timeoutMs / 1000} s`);
        await new Promise<void>((resolveWait) => {
          const timer = setTimeout(resolveWait, remainingMs);
          wake = () => {
            clearTimeout(timer);
            resolveWait();
          };
        });
        wake = undefined;
      }
    },
  };
}
