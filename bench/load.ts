// The load generator: a child process of bench/run.ts, so the client's own work (building requests,
// parsing answers, TOTP codes) never shares an event loop with the gateway the orchestrator hosts.
// Protocol over IPC: receive one LoadJob, answer 'ready', wait for 'start', run autocannon, send LoadResult.
import autocannon from 'autocannon';
import { buildRequests, type ScenarioData } from './scenarios.ts';

export type LoadJob = {
  baseUrl: string;
  connections: number;
  durationSeconds: number;
  // Pool-limited scenarios send exactly this many requests (autocannon then ignores the duration).
  amount?: number;
  data: ScenarioData;
};

export type LoadResult = {
  // Answered within the run; `requestsSent` also counts those still in flight when it ended.
  requests: number;
  requestsSent: number;
  durationSeconds: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMeanMs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCounts: Record<string, number>;
};

const REQUEST_TIMEOUT_SECONDS = 30;

async function runJob(job: LoadJob): Promise<LoadResult> {
  const instance = autocannon({
    url: job.baseUrl,
    connections: job.amount === undefined ? job.connections : Math.min(job.connections, job.amount),
    duration: job.durationSeconds,
    amount: job.amount,
    timeout: REQUEST_TIMEOUT_SECONDS,
    requests: buildRequests(job.data),
  });
  const result = await instance;
  const statusCounts = Object.fromEntries(
    Object.entries(result.statusCodeStats).map(([status, { count }]) => [status, count]),
  );
  return {
    requests: result.requests.total,
    requestsSent: result.requests.sent,
    durationSeconds: result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    latencyMeanMs: result.latency.mean,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCounts,
  };
}

function send(message: unknown): void {
  if (process.connected) process.send?.(message);
}

if (!process.send) {
  console.error('bench/load.ts is started by bench/run.ts (it needs an IPC channel).');
  process.exit(2);
}

// The orchestrator stopped (finished, failed or interrupted): nothing left to report to.
process.on('disconnect', () => process.exit(0));

let job: LoadJob | undefined;
process.on('message', (message: { type: 'job'; job: LoadJob } | { type: 'start' }) => {
  if (message.type === 'job') {
    job = message.job;
    send({ type: 'ready' });
    return;
  }
  if (!job) return send({ type: 'error', message: 'start before job' });
  runJob(job).then(
    (result) => send({ type: 'result', result }),
    (error: unknown) =>
      send({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
  );
});
