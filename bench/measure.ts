// One measured scenario: the load generator runs in its own process while this one samples the costs
// around it. Database round trips are the gateway's /sql request count (reset just before, read just
// after, so setup traffic is excluded); CPU is utime + stime of the Worker's workerd processes.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { readCPUSeconds } from './cpu.ts';
import type { LoadJob, LoadResult } from './load.ts';
import { sleep } from './stack.ts';

const LOAD_SCRIPT = join(import.meta.dirname, 'load.ts');
// Generous: a pool-limited scenario ends earlier, a duration-limited one at most a few seconds later.
const LOAD_TIMEOUT_MARGIN_MS = 60_000;

export type Measurement = LoadResult & {
  requestsPerSecond: number;
  roundTripsPerRequest: number;
  queriesPerRequest: number;
  workerdCPUMsPerRequest: number | null;
  // The same CPU split between wrangler's dev proxy and the workerd that runs the Worker.
  proxyCPUMsPerRequest: number | null;
  workerRuntimeCPUMsPerRequest: number | null;
  gatewayCPUMsPerRequest: number;
};

export type MeasureTarget = {
  findWorkerdPids(): number[];
  isProxyWorkerd(pid: number): boolean;
  // Absent for the PBKDF2 probe, which touches no database.
  gatewayControlUrl?: string;
};

type GatewayStats = { httpRequests: number; queries: number; batches: number };

async function callGateway(controlUrl: string, path: string, method = 'GET'): Promise<GatewayStats> {
  const response = await fetch(`${controlUrl}${path}`, { method });
  if (!response.ok) throw new Error(`gateway ${method} ${path} answered ${response.status}`);
  return (await response.json()) as GatewayStats;
}

export async function measureScenario(target: MeasureTarget, job: LoadJob): Promise<Measurement> {
  const child = fork(LOAD_SCRIPT, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const messages = createMessageReader(child);
    child.send({ type: 'job', job });
    await messages.next('ready', LOAD_TIMEOUT_MARGIN_MS);

    const pids = target.findWorkerdPids();
    if (target.gatewayControlUrl) await callGateway(target.gatewayControlUrl, '/stats/reset', 'POST');
    const proxyPids = pids.filter((pid) => target.isProxyWorkerd(pid));
    const runtimePids = pids.filter((pid) => !proxyPids.includes(pid));
    const proxyCPUBefore = readCPUSeconds(proxyPids);
    const runtimeCPUBefore = readCPUSeconds(runtimePids);
    // The gateway runs in this process; its CPU per request is reported next to the Worker's.
    const gatewayCPUBefore = process.cpuUsage();

    child.send({ type: 'start' });
    const { result } = (await messages.next(
      'result',
      job.durationSeconds * 1000 + LOAD_TIMEOUT_MARGIN_MS,
    )) as {
      result: LoadResult;
    };

    // A duration-limited run ends with requests in flight; the Worker still serves them (their database
    // calls and CPU land after autocannon returns), so wait for the gateway to go quiet and divide by
    // the requests sent rather than those answered in time.
    const stats = target.gatewayControlUrl
      ? await waitForQuietGateway(target.gatewayControlUrl)
      : { httpRequests: 0, queries: 0, batches: 0 };
    // Work a request leaves behind (queued emails, consumed up to a second later) is part of its cost too.
    await waitForIdleCPU(pids);
    const gatewayCPU = process.cpuUsage(gatewayCPUBefore);
    const proxyCPUSeconds = readCPUSeconds(proxyPids) - proxyCPUBefore;
    const runtimeCPUSeconds = readCPUSeconds(runtimePids) - runtimeCPUBefore;
    const requests = Math.max(result.requestsSent, 1);
    const perRequestMs = (seconds: number) => (pids.length > 0 ? (seconds * 1000) / requests : null);
    return {
      ...result,
      requestsPerSecond: result.requests / result.durationSeconds,
      roundTripsPerRequest: stats.httpRequests / requests,
      queriesPerRequest: stats.queries / requests,
      workerdCPUMsPerRequest: perRequestMs(proxyCPUSeconds + runtimeCPUSeconds),
      proxyCPUMsPerRequest: perRequestMs(proxyCPUSeconds),
      workerRuntimeCPUMsPerRequest: perRequestMs(runtimeCPUSeconds),
      gatewayCPUMsPerRequest: (gatewayCPU.user + gatewayCPU.system) / 1000 / requests,
    };
  } finally {
    if (child.connected) child.disconnect();
    if (child.exitCode === null) child.kill();
  }
}

const DRAIN_POLL_INTERVAL_MS = 250;
const DRAIN_QUIET_POLLS = 3;
const DRAIN_TIMEOUT_MS = 10_000;

async function waitForQuietGateway(controlUrl: string): Promise<GatewayStats> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  let stats = await callGateway(controlUrl, '/stats');
  let quietPolls = 0;
  while (quietPolls < DRAIN_QUIET_POLLS && Date.now() < deadline) {
    await sleep(DRAIN_POLL_INTERVAL_MS);
    const next = await callGateway(controlUrl, '/stats');
    quietPolls = next.httpRequests === stats.httpRequests ? quietPolls + 1 : 0;
    stats = next;
  }
  return stats;
}

// workerd idles at well under one clock tick (10 ms) per poll.
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
