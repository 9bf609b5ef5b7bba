// The targets of issue 11, each printed met / missed with its figure, and the notes that explain them.
import type { BenchReport, ScenarioResult, Target } from './report.ts';

const ROUND_TRIP_TOLERANCE = 0.01;
export const BUNDLE_BUDGET_KIB = 320;
const TEST_TOKEN_VS_PEER = 2;
const CPU_ABOVE_BARE_ROUTE_MS = 0.4;
const LOGIN_VS_PBKDF2 = 1.1;

type Inputs = Omit<BenchReport, 'targets' | 'notes' | 'machine' | 'settings'>;

const byId = (results: ScenarioResult[], id: string) => results.find((result) => result.id === id);
const workerCPU = (result: ScenarioResult | undefined) => result?.perRequest.cpuMsPerRequest.worker;

function roundTripTarget(name: string, measured: number | undefined, goal: number, note = ''): Target {
  return {
    name,
    value: measured ?? null,
    goal: `${goal}`,
    met: measured === undefined ? null : measured <= goal + ROUND_TRIP_TOLERANCE,
    note,
  };
}

export function evaluateTargets(inputs: Inputs): { targets: Target[]; notes: string[] } {
  const targets: Target[] = [];
  const notes: string[] = [];
  const plain = inputs.plainWorkerd;

  const testToken = byId(plain, 'test_token');
  const getSession = byId(plain, 'peer_get_session');
  if (testToken && getSession) {
    const ratio = testToken.perRequest.requestsPerSecond / getSession.perRequest.requestsPerSecond;
    const miniflareTestToken = byId(inputs.miniflare, 'test_token');
    const peerGetSession = byId(inputs.peer, 'peer_get_session');
    const miniflareRatio =
      miniflareTestToken && peerGetSession
        ? miniflareTestToken.perRequest.requestsPerSecond / peerGetSession.perRequest.requestsPerSecond
        : null;
    targets.push({
      name: 'test-token ÷ Better Auth get-session throughput',
      value: ratio,
      goal: `≥ ${TEST_TOKEN_VS_PEER}`,
      met: ratio >= TEST_TOKEN_VS_PEER,
      note: `plain workerd vs Node, alternating windows${miniflareRatio === null ? '' : `; under Miniflare (separate runs) ${miniflareRatio.toFixed(2)}`}`,
    });
  }

  const bare = byId(plain, 'ceiling');
  const aboveBare =
    workerCPU(testToken) !== undefined && workerCPU(bare) !== undefined
      ? (workerCPU(testToken) as number) - (workerCPU(bare) as number)
      : undefined;
  if (aboveBare !== undefined) {
    targets.push({
      name: 'test-token Worker CPU above a bare route (ms)',
      value: aboveBare,
      goal: `≤ ${CPU_ABOVE_BARE_ROUTE_MS}`,
      met: aboveBare <= CPU_ABOVE_BARE_ROUTE_MS,
      note: `plain workerd: ${workerCPU(testToken)?.toFixed(2)} − ${workerCPU(bare)?.toFixed(2)} ms (GET /)`,
    });
  }

  const login = byId(plain, 'login');
  const loginCPU = workerCPU(login);
  if (inputs.pbkdf2 && loginCPU !== undefined) {
    const ratio = loginCPU / inputs.pbkdf2.cpuMsPerHash;
    targets.push({
      name: 'login Worker CPU ÷ one PBKDF2 hash',
      value: ratio,
      goal: `≤ ${LOGIN_VS_PBKDF2}`,
      met: ratio <= LOGIN_VS_PBKDF2,
      note: `plain workerd, alternating windows: ${loginCPU.toFixed(2)} ms ÷ ${inputs.pbkdf2.cpuMsPerHash.toFixed(2)} ms`,
    });
  }

  // Second factor: every path of every flow in one round trip, and the load scenarios too.
  const flows = ['login_tfa (TOTP)', 'login_tfa (email code)', 'recover_tfa'] as const;
  for (const flow of flows) {
    const paths = inputs.tfaPaths.filter((path) => path.flow === flow);
    const scenario = byId(inputs.miniflare, flow === 'recover_tfa' ? 'recover_tfa' : 'login_tfa');
    const underLoad =
      flow === 'login_tfa (email code)' ? undefined : scenario?.perRequest.roundTripsPerRequest;
    const worst = Math.max(...paths.map((path) => path.roundTrips), underLoad ?? 0);
    targets.push(
      roundTripTarget(
        `round trips: ${flow}, every path`,
        paths.length > 0 ? worst : undefined,
        1,
        paths.map((path) => `${path.path} ${path.roundTrips}`).join(', ') +
          (underLoad === undefined ? '' : `; under load ${underLoad.toFixed(2)}`),
      ),
    );
  }
  const logout = inputs.tfaPaths.find((path) => path.flow === 'logout');
  const rowTrips = (id: string) => byId(inputs.miniflare, id)?.perRequest.roundTripsPerRequest;
  targets.push(roundTripTarget('round trips: test-token (who-am-I)', rowTrips('test_token'), 1));
  targets.push(roundTripTarget('round trips: refresh', rowTrips('refresh'), 1));
  targets.push(roundTripTarget('round trips: logout', logout?.roundTrips, 1));
  targets.push(roundTripTarget('round trips: signup', rowTrips('signup'), 1));
  targets.push(
    roundTripTarget('round trips: password login', rowTrips('login'), 2, 'read the hash, then write'),
  );

  targets.push({
    name: 'bundle, gzipped (KiB)',
    value: inputs.bundle.gzippedKiB,
    goal: `≤ ${BUNDLE_BUDGET_KIB}`,
    met: inputs.bundle.gzippedKiB <= BUNDLE_BUDGET_KIB,
    note: '`wrangler deploy --dry-run` output',
  });
  targets.push({
    name: 'cold start, median (ms)',
    value: inputs.coldStart?.medianMs ?? null,
    goal: 'measured',
    met: inputs.coldStart ? true : null,
    note: 'new workerd process and isolate to its first response (production keeps the process warm)',
  });

  notes.push(
    "Worker CPU is utime + stime of the workerd process running the Worker (from /proc/<pid>/stat), from a window's start until it is idle again (queued emails a request leaves behind count), ÷ requests sent. Under Miniflare that one process also runs Miniflare's own entry worker and its simulated bindings (the rate limiters are Durable Objects writing SQLite on each call), so its figures are higher than plain workerd's.",
    "The gateway's CPU is what Neon's SQL-over-HTTP proxy spends in production, not the Worker's; Postgres's is the sum over its processes (the bench's own cluster, or the backends of its databases under DATABASE_URL). With PGlite the database runs inside the gateway.",
    'Round trips are HTTP requests to the gateway (each a Neon round trip), statements the SQL statements in them (a batch holds several); for Better Auth both are the statements its pool sends (node-postgres does not pipeline).',
    'Every request carries its own client address (CF-Connecting-IP for edge-2fa, X-Forwarded-For for Better Auth), so the per-IP rate limits, on in both, never trip.',
    "Plain workerd runs the Worker and the PBKDF2 probe in one process with vars, secrets and an in-memory rate limiter; workerd has no KV or queue of its own, so only routes that use neither run there. Its rows are windows alternating with each other (and with Better Auth's get-session) within one run: ratios between them hold on a noisy machine, absolute figures less so.",
    'Better Auth runs as its docs set it up (email + password, twoFactor plugin, its schema from its migration API, rate limiting on with memory storage, NODE_ENV=production); it hashes passwords with scrypt, edge-2fa with PBKDF2-SHA256 (100,000 iterations, the most production Workers allow). Its TOTP step has no replay guard, so its challenges may reuse a code; edge-2fa refuses a used step.',
    'Load generator, gateway, Postgres, the servers and the peer share the same cores: "cores busy" is the whole machine during the window. Compare rows with each other, not with production capacity.',
  );
  return { targets, notes };
}

/** What BENCH_STRICT (the CI smoke run) enforces: every answer 2xx, no extra round trip, dev path works. */
export function findBrokenExpectations(report: BenchReport): string[] {
  const all = [...report.miniflare, ...report.plainWorkerd, ...report.peer];
  return [
    ...all.flatMap((result) => {
      const m = result.measurement;
      const failed = m.non2xx + m.errors + m.timeouts;
      return failed > 0
        ? [`${result.server} ${result.label}: ${failed} non-2xx answers (${JSON.stringify(m.statusCounts)})`]
        : [];
    }),
    ...all.flatMap((result) =>
      result.roundTripsAllowed !== null &&
      result.perRequest.roundTripsPerRequest > result.roundTripsAllowed + ROUND_TRIP_TOLERANCE
        ? [
            `${result.server} ${result.label}: ${result.perRequest.roundTripsPerRequest.toFixed(2)} round trips per request, allowed ${result.roundTripsAllowed}`,
          ]
        : [],
    ),
    ...report.tfaPaths.flatMap((path) =>
      path.roundTrips > (path.flow === 'login_tfa (TOTP)' || path.flow === 'login_tfa (email code)' ? 2 : 1)
        ? [`${path.flow} ${path.path}: ${path.roundTrips} round trips`]
        : [],
    ),
    ...(report.wranglerDevSmoke && !report.wranglerDevSmoke.ok
      ? [`wrangler dev smoke: ${report.wranglerDevSmoke.detail}`]
      : []),
  ];
}
