// `npm run bench`: starts the whole local stack, drives each scenario at a fixed concurrency for a fixed
// duration from a separate load-generator process, and reports throughput, latency, database round trips
// and workerd CPU per request, next to the CPU of one PBKDF2 hash in the same runtime.
//
//   BENCH_DURATION_SECONDS  per scenario (default 10)        BENCH_CONNECTIONS  concurrent connections (10)
//   BENCH_TFA_POOL          challenges made for login_tfa and for recover_tfa (default 600)
//   BENCH_PROBE_SECONDS     per PBKDF2 probe run (default 4)  BENCH_SCENARIOS    comma list of ids (all)
//   BENCH_RESULTS_NAME      <dir>/<name>.{json,md} (default "latest")   BENCH_RESULTS_DIR  (bench/results)
//   BENCH_STRICT=1          exit 1 on any non-2xx answer or more database round trips than designed
//   DATABASE_URL            PostgreSQL behind the gateway instead of embedded PGlite in a temp dir
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LOCAL_CONNECTION_STRING } from '../tools/gateway/credentials.ts';
import { isProcAvailable } from './cpu.ts';
import { type Measurement, measureScenario } from './measure.ts';
import { measurePBKDF2, PBKDF2_ITERATIONS, startPBKDF2Probe } from './pbkdf2.ts';
import { createFixtures, defineScenarios, describeMethods, type Fixtures, makeJob } from './plan.ts';
import {
  type BenchReport,
  currentLoadAverage,
  describeMachine,
  formatConsoleReport,
  formatMarkdownReport,
  roundForJSON,
  type ScenarioReport,
} from './report.ts';
import { readSettings } from './settings.ts';
import {
  killLeftoverWorkerd,
  makeTempDir,
  PROJECT_DIR,
  type Stack,
  startStack,
  type WranglerWorker,
} from './stack.ts';
import { evaluateTargets } from './targets.ts';

const WARM_UP_SECONDS = 2;
const ROUND_TRIP_TOLERANCE = 0.01;

async function queryBackendVersion(sqlUrl: string): Promise<string> {
  try {
    const response = await fetch(sqlUrl, {
      method: 'POST',
      // The gateway checks the connection string as Neon does.
      headers: { 'Neon-Connection-String': LOCAL_CONNECTION_STRING },
      body: JSON.stringify({ query: 'select version() as version', params: [] }),
    });
    const body = (await response.json()) as { rows?: { version?: string }[] };
    return body.rows?.[0]?.version?.split(/ on | \(/)[0] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

// Strict mode checks what must hold on any machine: every request answered 2xx, and no request making
// more database round trips than its design.
function failOnBrokenExpectations(report: BenchReport): void {
  const problems = report.scenarios.flatMap((scenario) => {
    const m = scenario.measurement;
    const failed = m.non2xx + m.errors + m.timeouts;
    return [
      ...(failed > 0
        ? [`${scenario.label}: ${failed} non-2xx answers (${JSON.stringify(m.statusCounts)})`]
        : []),
      ...(m.roundTripsPerRequest > scenario.roundTripsByDesign + ROUND_TRIP_TOLERANCE
        ? [
            `${scenario.label}: ${m.roundTripsPerRequest} round trips per request, designed for ${scenario.roundTripsByDesign}`,
          ]
        : []),
    ];
  });
  if (problems.length === 0) return;
  console.error(`\nbench (strict): ${problems.join('\n  ')}`);
  process.exitCode = 1;
}

async function main(): Promise<void> {
  const settings = readSettings();
  if (!isProcAvailable()) console.warn('No /proc here: workerd CPU per request will read n/a.');
  const runId = Date.now().toString(36);
  const temp = makeTempDir('edge-2fa-bench-');
  const started: { stack?: Stack; probe?: WranglerWorker; fixtures?: Fixtures } = {};
  const seenWorkerdPids = new Set<number>();
  // Each wrangler leads its own process group (see stack.ts); its workerd children stay in it.
  const wranglerGroups = new Set<number>();
  let cleanedUp = false;
  const cleanUp = async () => {
    if (cleanedUp) return;
    cleanedUp = true;
    started.fixtures?.stop();
    for (const worker of [started.stack?.worker, started.probe]) {
      for (const pid of worker?.findWorkerdPids() ?? []) seenWorkerdPids.add(pid);
    }
    await Promise.allSettled([started.stack?.stop(), started.probe?.stop()]);
    killLeftoverWorkerd([...seenWorkerdPids], [...wranglerGroups]);
    temp.remove();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\nbench: ${signal}, stopping the stack`);
      void cleanUp().finally(() => process.exit(130));
    });
  }

  try {
    const loadAverageAtStart = currentLoadAverage();
    console.log(
      `bench: starting the stack (${settings.databaseUrl ? 'PostgreSQL from DATABASE_URL' : 'embedded PGlite'}) and the PBKDF2 probe…`,
    );
    const probeStart = startPBKDF2Probe(temp.path).then((probe) => {
      started.probe = probe;
      if (probe.wrangler.pid) wranglerGroups.add(probe.wrangler.pid);
      return probe;
    });
    const stackStart = startStack({ databaseUrl: settings.databaseUrl, tempDir: temp.path }).then((stack) => {
      started.stack = stack;
      if (stack.worker.wrangler.pid) wranglerGroups.add(stack.worker.wrangler.pid);
      return stack;
    });
    // Both settle before anything is thrown, so cleanUp sees (and stops) whichever did start.
    const [stackOutcome, probeOutcome] = await Promise.allSettled([stackStart, probeStart]);
    if (stackOutcome.status === 'rejected') throw stackOutcome.reason;
    if (probeOutcome.status === 'rejected') throw probeOutcome.reason;
    const [stack, probe] = [stackOutcome.value, probeOutcome.value];
    const backendVersion = await queryBackendVersion(stack.gateway.sqlUrl);

    console.log('bench: PBKDF2 probe…');
    const pbkdf2 = await measurePBKDF2(probe, settings);
    console.log(
      `bench:   ${pbkdf2.cpuMsPerHash.toFixed(2)} ms CPU per PBKDF2-SHA256 ${PBKDF2_ITERATIONS} hash`,
    );
    for (const pid of probe.findWorkerdPids()) seenWorkerdPids.add(pid);
    await probe.stop();
    started.probe = undefined;

    const fixtures = createFixtures(stack.worker, settings, runId);
    started.fixtures = fixtures;
    const allSpecs = defineScenarios(settings, runId);
    const unknownIds = (settings.scenarioIds ?? []).filter((id) => !allSpecs.some((spec) => spec.id === id));
    if (unknownIds.length > 0) {
      throw new Error(
        `BENCH_SCENARIOS: unknown ${unknownIds.join(', ')} (known: ${allSpecs.map((spec) => spec.id).join(', ')})`,
      );
    }
    const specs = allSpecs.filter(
      (spec) => settings.scenarioIds === null || settings.scenarioIds.includes(spec.id),
    );
    const target = {
      findWorkerdPids: stack.worker.findWorkerdPids,
      isProxyWorkerd: stack.worker.isProxyWorkerd,
      gatewayControlUrl: stack.gateway.controlUrl,
    };
    // The first requests of an isolate pay for JIT compilation and lazy setup: keep them out of the ceiling.
    await measureScenario(target, {
      ...makeJob(stack.worker.baseUrl, settings, { data: { kind: 'ceiling' } }),
      durationSeconds: WARM_UP_SECONDS,
    });
    const results: ScenarioReport[] = [];
    for (const spec of specs) {
      console.log(`bench: ${spec.label}: preparing…`);
      const prepared = await spec.prepare(fixtures);
      for (const pid of stack.worker.findWorkerdPids()) seenWorkerdPids.add(pid);
      const measurement: Measurement = await measureScenario(
        target,
        makeJob(stack.worker.baseUrl, settings, prepared),
      );
      console.log(
        `bench:   ${measurement.requestsPerSecond.toFixed(0)} req/s, p50 ${measurement.latencyP50Ms} ms, p99 ${measurement.latencyP99Ms} ms, ${measurement.roundTripsPerRequest.toFixed(2)} round trips/req, non-2xx ${measurement.non2xx + measurement.errors + measurement.timeouts}`,
      );
      const { prepare: _prepare, ...described } = spec;
      results.push({ ...described, measurement });
    }

    const ceiling =
      results.find((result) => result.id === 'ceiling')?.measurement.requestsPerSecond ?? Number.NaN;
    const scenarios = results.map((result) => ({
      ...result,
      throughputVsCeiling: result.measurement.requestsPerSecond / ceiling,
    }));
    const { targets, notes } = evaluateTargets(scenarios, pbkdf2);
    const report: BenchReport = roundForJSON({
      machine: describeMachine(stack.backend, backendVersion, loadAverageAtStart),
      settings: {
        durationSeconds: settings.durationSeconds,
        connections: settings.connections,
        tfaPoolSize: settings.tfaPoolSize,
      },
      ceilingRequestsPerSecond: ceiling,
      scenarios,
      pbkdf2,
      targets,
      notes: [...notes, ...describeMethods(specs, settings)],
    });
    mkdirSync(settings.resultsDir, { recursive: true });
    const resultsPath = join(settings.resultsDir, settings.resultsName);
    writeFileSync(`${resultsPath}.json`, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(`${resultsPath}.md`, formatMarkdownReport(report));
    console.log(formatConsoleReport(report));
    const shownPath = resultsPath.startsWith(PROJECT_DIR) ? relative(PROJECT_DIR, resultsPath) : resultsPath;
    console.log(`\nbench: wrote ${shownPath}.json and .md`);
    if (settings.strict) failOnBrokenExpectations(report);
  } finally {
    await cleanUp();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
