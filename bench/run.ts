// `npm run bench`: the Worker as production runs it, next to its strongest peer, on one machine.
// Starts everything itself (PostgreSQL, the gateway, the Worker built by `wrangler deploy --dry-run`, the
// peer), then:
//   1. `wrangler dev` smoke test: the developer path still serves (not measured);
//   2. the scenario table under Miniflare's API with every binding;
//   3. the second factor (and logout) one request at a time on every path: round trips, statements;
//   4. Better Auth's equivalent operations on the same PostgreSQL;
//   5. plain workerd: cold starts, then alternating windows of GET /, test-token, login, the PBKDF2 probe
//      and Better Auth's get-session, so the ratios the targets need are measured seconds apart;
// and writes bench/results/<name>.{json,md} with every target marked met / missed.
//
//   BENCH_DURATION_SECONDS  per scenario (10)      BENCH_CONNECTIONS   concurrent connections (10)
//   BENCH_TFA_POOL          challenges for each second-factor scenario (600)
//   BENCH_WINDOWS           alternating windows per plain-workerd scenario (3)
//   BENCH_SCENARIOS         comma list of Miniflare scenario ids (all)    BENCH_COLD_STARTS (3)
//   BENCH_PEER=0            skip Better Auth       BENCH_WRANGLER_SMOKE=0  skip the `wrangler dev` smoke
//   BENCH_DATABASE=pglite   embedded PGlite (no peer)   DATABASE_URL  that PostgreSQL (else a private cluster)
//   BENCH_RESULTS_NAME      <dir>/<name>.{json,md} (latest)   BENCH_RESULTS_DIR (bench/results)
//   BENCH_STRICT=1          exit 1 on any non-2xx answer, an extra round trip or a broken dev path
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import pg from 'pg';
import { measureBundle } from '../tools/bundle-size.ts';
import { isProcAvailable } from './cpu.ts';
import {
  type CPUGroups,
  combineMeasurements,
  gatewayCounter,
  type Measurement,
  type MeasureTarget,
  measureWindow,
  peerCounter,
  perRequest,
} from './measure.ts';
import { PBKDF2_ITERATIONS, PROBE_CONNECTIONS, PROBE_HASHES_PER_REQUEST, summarizePBKDF2 } from './pbkdf2.ts';
import { type Peer, signInPeerForCookies, startPeer } from './peer.ts';
import { definePeerScenarios } from './peer-plan.ts';
import {
  createFixtures,
  defineScenarios,
  describeMethods,
  type Fixtures,
  makeJob,
  type ScenarioSpec,
} from './plan.ts';
import { openBenchDatabase } from './postgres.ts';
import {
  type BenchReport,
  currentLoadAverage,
  describeMachine,
  formatConsoleReport,
  formatMarkdownReport,
  roundForJSON,
  type ScenarioResult,
} from './report.ts';
import type { ScenarioData } from './scenarios.ts';
import {
  measureColdStarts,
  type PlainWorkerd,
  smokeTestWranglerDev,
  startMiniflareWorker,
  startPlainWorkerd,
  type WorkerServer,
} from './servers.ts';
import { readSettings, type Settings } from './settings.ts';
import {
  type GatewayProcess,
  makeTempDir,
  PROJECT_DIR,
  prepareFrozenWorker,
  startGatewayProcess,
} from './stack.ts';
import { evaluateTargets, findBrokenExpectations } from './targets.ts';
import { probeTFAPaths } from './tfa-paths.ts';

const WARM_UP_SECONDS = 2;

function log(line: string): void {
  console.log(`bench: ${line}`);
}

function describeResult(result: ScenarioResult): string {
  const p = result.perRequest;
  const m = result.measurement;
  const serverCPU = p.cpuMsPerRequest[result.server === 'Better Auth' ? 'peer' : 'worker'];
  return `${result.server} ${result.label}: ${p.requestsPerSecond.toFixed(0)} req/s, p50 ${m.latencyP50Ms.toFixed(1)} ms, p99 ${m.latencyP99Ms.toFixed(1)} ms, ${p.roundTripsPerRequest.toFixed(2)} round trips and ${p.statementsPerRequest.toFixed(2)} statements/req, ${serverCPU?.toFixed(2) ?? 'n/a'} ms server CPU/req, non-2xx ${m.non2xx + m.errors + m.timeouts}`;
}

function toResult(
  spec: Pick<ScenarioSpec, 'id' | 'label' | 'request'> &
    Partial<Pick<ScenarioSpec, 'roundTripsTarget' | 'roundTripsAllowed'>>,
  server: ScenarioResult['server'],
  measurement: Measurement,
  pairedWith?: string,
): ScenarioResult {
  return {
    id: spec.id,
    label: spec.label,
    server,
    request: spec.request,
    roundTripsTarget: spec.roundTripsTarget ?? null,
    roundTripsAllowed: spec.roundTripsAllowed ?? null,
    ...(pairedWith ? { pairedWith } : {}),
    measurement,
    perRequest: perRequest(measurement),
  };
}

async function queryDatabaseVersion(url: string | undefined): Promise<string> {
  if (!url) return 'PGlite (PostgreSQL 17+ in WASM)';
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const { rows } = await client.query<{ version: string }>('select version()');
    return rows[0]?.version.split(/ on | \(/)[0] ?? 'unknown';
  } catch {
    return 'unknown';
  } finally {
    await client.end().catch(() => {});
  }
}

type Started = {
  database?: { stop(): void };
  gateway?: GatewayProcess;
  miniflare?: WorkerServer;
  workerd?: PlainWorkerd;
  peer?: Peer;
  fixtures?: Fixtures;
};

async function runMiniflareTable(
  miniflare: WorkerServer,
  fixtures: Fixtures,
  target: MeasureTarget,
  settings: Settings,
  runId: string,
): Promise<ScenarioResult[]> {
  const all = defineScenarios(settings, runId);
  const unknown = (settings.scenarioIds ?? []).filter((id) => !all.some((spec) => spec.id === id));
  if (unknown.length > 0) {
    throw new Error(
      `BENCH_SCENARIOS: unknown ${unknown.join(', ')} (known: ${all.map((s) => s.id).join(', ')})`,
    );
  }
  const specs = all.filter((spec) => settings.scenarioIds === null || settings.scenarioIds.includes(spec.id));
  // The first requests of an isolate pay for JIT compilation and lazy setup: keep them out of the table.
  await measureWindow(target, {
    ...makeJob(miniflare.baseUrl, settings, { data: { kind: 'ceiling' } }),
    durationSeconds: WARM_UP_SECONDS,
  });
  const results: ScenarioResult[] = [];
  for (const spec of specs) {
    log(`Miniflare ${spec.label}: preparing…`);
    const prepared = await spec.prepare(fixtures);
    const result = toResult(
      spec,
      'Miniflare',
      await measureWindow(target, makeJob(miniflare.baseUrl, settings, prepared)),
    );
    log(describeResult(result));
    results.push(result);
  }
  return results;
}

async function runPeerTable(
  peer: Peer,
  target: MeasureTarget,
  settings: Settings,
  runId: string,
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  await measureWindow(target, {
    ...makeJob(peer.baseUrl, settings, { data: { kind: 'peer_get_session', cookies: ['none=1'] } }),
    durationSeconds: WARM_UP_SECONDS,
  });
  for (const spec of definePeerScenarios(peer.baseUrl, settings, runId)) {
    log(`Better Auth ${spec.label}: preparing…`);
    const prepared = await spec.prepare();
    const measurement = await measureWindow(target, makeJob(peer.baseUrl, settings, prepared));
    const result = toResult(spec, 'Better Auth', measurement, spec.pairedWith);
    log(describeResult(result));
    results.push(result);
  }
  return results;
}

type Contestant = {
  spec: Pick<ScenarioSpec, 'id' | 'label' | 'request'> &
    Partial<Pick<ScenarioSpec, 'roundTripsTarget' | 'roundTripsAllowed'>>;
  server: ScenarioResult['server'];
  baseUrl: string;
  target: MeasureTarget;
  data: ScenarioData;
  connections: number;
};

// A, B, C, … A, B, C, …: each contestant's windows summed, so all see the same machine on average.
async function runAlternating(contestants: Contestant[], settings: Settings): Promise<ScenarioResult[]> {
  const windowSeconds = Math.max(1, Math.round(settings.durationSeconds / settings.windows));
  const windows = new Map<string, Measurement[]>(contestants.map((c) => [c.spec.id, []]));
  for (let round = 0; round < settings.windows; round++) {
    for (const contestant of contestants) {
      const measurement = await measureWindow(contestant.target, {
        baseUrl: contestant.baseUrl,
        connections: contestant.connections,
        durationSeconds: windowSeconds,
        data: contestant.data,
      });
      windows.get(contestant.spec.id)?.push(measurement);
    }
    log(`alternating windows: round ${round + 1} of ${settings.windows} done`);
  }
  return contestants.map((contestant) => {
    const result = toResult(
      contestant.spec,
      contestant.server,
      combineMeasurements(windows.get(contestant.spec.id) ?? []),
    );
    log(describeResult(result));
    return result;
  });
}

async function timeFirstAPIRequest(baseUrl: string): Promise<number> {
  const startedAt = performance.now();
  const response = await fetch(`${baseUrl}/api/v1/auth/test-token`, {
    headers: { authorization: 'Bearer x' },
  });
  await response.arrayBuffer();
  return performance.now() - startedAt;
}

async function main(): Promise<void> {
  const settings = readSettings();
  if (!isProcAvailable()) console.warn('No /proc here: CPU per request will read n/a.');
  const runId = Date.now().toString(36);
  const temp = makeTempDir('edge-2fa-bench-');
  const started: Started = {};
  let cleanedUp = false;
  const cleanUp = async () => {
    if (cleanedUp) return;
    cleanedUp = true;
    started.fixtures?.stop();
    await Promise.allSettled([
      started.miniflare?.stop(),
      started.workerd?.stop(),
      started.peer?.stop(),
      started.gateway?.stop(),
    ]);
    started.database?.stop();
    temp.remove();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\nbench: ${signal}, stopping everything`);
      void cleanUp().finally(() => process.exit(130));
    });
  }

  try {
    const loadAverageAtStart = currentLoadAverage();
    const database = await openBenchDatabase();
    started.database = database;
    log(`database: ${database.kind}`);
    const gateway = await startGatewayProcess({
      databaseUrl: database.url,
      pgliteDir: join(temp.path, 'pglite'),
    });
    started.gateway = gateway;
    const frozen = prepareFrozenWorker(join(temp.path, 'worker'));
    const bundle = measureBundle([frozen.entry]);

    const wranglerDevSmoke = settings.wranglerSmoke
      ? await smokeTestWranglerDev(frozen, gateway.sqlUrl, join(temp.path, 'wrangler-state'))
      : null;
    if (wranglerDevSmoke)
      log(`wrangler dev smoke: ${wranglerDevSmoke.ok ? 'ok' : 'FAILED'} (${wranglerDevSmoke.detail})`);

    const serverGroups = (workerPids: () => number[]): CPUGroups => ({
      worker: workerPids,
      gateway: () => [gateway.pid],
      postgres: () => database.postgresPids(),
    });
    const miniflare = await startMiniflareWorker(frozen, gateway.sqlUrl);
    started.miniflare = miniflare;
    const miniflareTarget: MeasureTarget = {
      cpuGroups: serverGroups(miniflare.workerPids),
      settleGroup: 'worker',
      database: gatewayCounter(gateway.controlUrl),
    };
    const fixtures = createFixtures(miniflare, settings, runId);
    started.fixtures = fixtures;
    const miniflareResults = await runMiniflareTable(miniflare, fixtures, miniflareTarget, settings, runId);

    log('second factor and logout, every path…');
    const tfaPaths = await probeTFAPaths(miniflare, gatewayCounter(gateway.controlUrl), runId);
    for (const path of tfaPaths)
      log(`  ${path.flow} ${path.path}: ${path.status}, ${path.roundTrips} round trips`);

    let peerResults: ScenarioResult[] = [];
    let peerTarget: MeasureTarget | undefined;
    let peerCookies: string[] = [];
    if (settings.peer && database.peerUrl) {
      log('starting Better Auth (npm ci in bench/peer-better-auth when needed)…');
      const peer = await startPeer(database.peerUrl);
      started.peer = peer;
      peerTarget = {
        cpuGroups: { peer: () => [peer.pid], postgres: () => database.postgresPids() },
        settleGroup: 'peer',
        database: peerCounter(peer.baseUrl),
      };
      peerResults = await runPeerTable(peer, peerTarget, settings, runId);
      const getSession = peerResults.find((result) => result.id === 'peer_get_session');
      if (getSession) {
        peerCookies = await signInPeerForCookies(
          peer.baseUrl,
          Array.from({ length: 20 }, (_, i) => ({
            email: `peer-${runId}-plain-${i}@example.com`,
            password: 'correct horse battery staple',
          })),
        );
      }
    }

    // Accounts and tokens for the plain-workerd windows, made through Miniflare (which has the email queue
    // the signups need) before it stops: same database, same keys.
    const specs = defineScenarios(settings, runId);
    const specOf = (id: string) => specs.find((spec) => spec.id === id) as ScenarioSpec;
    const prepared = {
      test_token: await specOf('test_token').prepare(fixtures),
      login: await specOf('login').prepare(fixtures),
    };
    await started.miniflare.stop();
    started.miniflare = undefined;
    log('plain workerd: cold starts…');
    const capnpPath = join(temp.path, 'workerd.capnp');
    const coldSamples = await measureColdStarts(frozen, gateway.sqlUrl, capnpPath, settings.coldStarts);
    const workerd = await startPlainWorkerd(frozen, gateway.sqlUrl, capnpPath);
    started.workerd = workerd;
    const firstAPIRequestMs = await timeFirstAPIRequest(workerd.baseUrl);
    const sortedCold = [...coldSamples].sort((a, b) => a - b);
    const coldStart = {
      samplesMs: coldSamples,
      medianMs: sortedCold[Math.floor(sortedCold.length / 2)] ?? Number.NaN,
      firstAPIRequestMs,
    };

    const workerdTarget: MeasureTarget = {
      cpuGroups: serverGroups(workerd.workerPids),
      settleGroup: 'worker',
      database: gatewayCounter(gateway.controlUrl),
    };
    const probeTarget: MeasureTarget = { cpuGroups: { worker: workerd.workerPids }, settleGroup: 'worker' };
    await measureWindow(workerdTarget, {
      ...makeJob(workerd.baseUrl, settings, { data: { kind: 'ceiling' } }),
      durationSeconds: WARM_UP_SECONDS,
    });
    log('plain workerd: alternating windows…');
    const contestants: Contestant[] = [
      {
        spec: specOf('ceiling'),
        server: 'plain workerd',
        baseUrl: workerd.baseUrl,
        target: workerdTarget,
        data: { kind: 'ceiling' },
        connections: settings.connections,
      },
      {
        spec: specOf('test_token'),
        server: 'plain workerd',
        baseUrl: workerd.baseUrl,
        target: workerdTarget,
        data: prepared.test_token.data,
        connections: settings.connections,
      },
      ...(peerTarget && started.peer && peerCookies.length > 0
        ? [
            {
              spec: {
                id: 'peer_get_session',
                label: 'Better Auth GET /get-session',
                request: 'GET /api/auth/get-session',
              },
              server: 'Better Auth' as const,
              baseUrl: started.peer.baseUrl,
              target: peerTarget,
              data: { kind: 'peer_get_session' as const, cookies: peerCookies },
              connections: settings.connections,
            },
          ]
        : []),
      {
        spec: specOf('login'),
        server: 'plain workerd',
        baseUrl: workerd.baseUrl,
        target: workerdTarget,
        data: prepared.login.data,
        connections: settings.connections,
      },
      {
        spec: { id: 'pbkdf2_0', label: 'PBKDF2 probe, 0 hashes', request: 'GET /?hashes=0' },
        server: 'plain workerd',
        baseUrl: workerd.probeUrl,
        target: probeTarget,
        data: { kind: 'pbkdf2_probe', hashesPerRequest: 0 },
        connections: PROBE_CONNECTIONS,
      },
      {
        spec: {
          id: 'pbkdf2_n',
          label: `PBKDF2 probe, ${PROBE_HASHES_PER_REQUEST} hashes`,
          request: `GET /?hashes=${PROBE_HASHES_PER_REQUEST}`,
        },
        server: 'plain workerd',
        baseUrl: workerd.probeUrl,
        target: probeTarget,
        data: { kind: 'pbkdf2_probe', hashesPerRequest: PROBE_HASHES_PER_REQUEST },
        connections: PROBE_CONNECTIONS,
      },
    ];
    const alternating = await runAlternating(contestants, settings);
    const probeEmpty = alternating.find((result) => result.id === 'pbkdf2_0');
    const probeHashing = alternating.find((result) => result.id === 'pbkdf2_n');
    const pbkdf2 =
      probeEmpty && probeHashing ? summarizePBKDF2(probeEmpty.measurement, probeHashing.measurement) : null;
    if (pbkdf2) log(`${pbkdf2.cpuMsPerHash.toFixed(2)} ms CPU per PBKDF2-SHA256 ${PBKDF2_ITERATIONS} hash`);
    const plainWorkerd = alternating.filter((result) => !result.id.startsWith('pbkdf2_'));

    const inputs = {
      miniflare: miniflareResults,
      peer: peerResults,
      plainWorkerd,
      tfaPaths,
      pbkdf2,
      coldStart,
      bundle: { gzippedKiB: bundle.gzippedBytes / 1024, rawKiB: bundle.rawBytes / 1024 },
      wranglerDevSmoke,
    };
    const { targets, notes } = evaluateTargets(inputs);
    const report: BenchReport = roundForJSON({
      machine: describeMachine(
        database.kind === 'pglite' ? 'embedded PGlite in the gateway' : `PostgreSQL (${database.kind})`,
        await queryDatabaseVersion(database.url),
        started.peer?.version ?? null,
        loadAverageAtStart,
      ),
      settings: {
        durationSeconds: settings.durationSeconds,
        connections: settings.connections,
        tfaPoolSize: settings.tfaPoolSize,
        windows: settings.windows,
      },
      ...inputs,
      targets,
      notes: [...notes, ...describeMethods(specs, settings)],
    });
    mkdirSync(settings.resultsDir, { recursive: true });
    const resultsPath = join(settings.resultsDir, settings.resultsName);
    writeFileSync(`${resultsPath}.json`, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(`${resultsPath}.md`, formatMarkdownReport(report));
    console.log(formatConsoleReport(report));
    const shownPath = resultsPath.startsWith(PROJECT_DIR) ? relative(PROJECT_DIR, resultsPath) : resultsPath;
    log(`wrote ${shownPath}.json and .md`);
    if (settings.strict) {
      const problems = findBrokenExpectations(report);
      if (problems.length > 0) {
        console.error(`\nbench (strict): ${problems.join('\n  ')}`);
        process.exitCode = 1;
      }
    }
  } finally {
    await cleanUp();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    const cause = error instanceof Error && error.cause ? `\ncaused by: ${String(error.cause)}` : '';
    console.error(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}${cause}`,
    );
    process.exit(1);
  },
);
