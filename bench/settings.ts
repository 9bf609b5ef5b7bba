// The benchmark's knobs, all from the environment (see bench/run.ts for the list).
import { join, resolve } from 'node:path';
import { PROJECT_DIR } from './stack.ts';

export type Settings = {
  durationSeconds: number;
  connections: number;
  tfaPoolSize: number;
  probeSeconds: number;
  scenarioIds: string[] | null;
  resultsName: string;
  // Absolute; bench/results unless BENCH_RESULTS_DIR says otherwise (CI smoke runs write to a temp dir).
  resultsDir: string;
  // BENCH_STRICT=1: exit 1 when a scenario saw non-2xx answers or more round trips than designed. Only
  // these are enforced: throughput and CPU depend on the machine.
  strict: boolean;
  // Alternating windows per pair in the plain-workerd comparisons (BENCH_WINDOWS, default 3).
  windows: number;
  // BENCH_PEER=0 skips Better Auth; BENCH_WRANGLER_SMOKE=0 skips the `wrangler dev` smoke test.
  peer: boolean;
  wranglerSmoke: boolean;
  // Fresh workerd processes timed to their first response (BENCH_COLD_STARTS, default 3).
  coldStarts: number;
};

function readPositiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

export function readSettings(): Settings {
  const resultsName = process.env.BENCH_RESULTS_NAME || 'latest';
  if (!/^[\w.-]+$/.test(resultsName))
    throw new Error('BENCH_RESULTS_NAME may hold letters, digits, "-", "_", "."');
  return {
    durationSeconds: readPositiveInteger('BENCH_DURATION_SECONDS', 10),
    connections: readPositiveInteger('BENCH_CONNECTIONS', 10),
    tfaPoolSize: readPositiveInteger('BENCH_TFA_POOL', 600),
    probeSeconds: readPositiveInteger('BENCH_PROBE_SECONDS', 4),
    scenarioIds: process.env.BENCH_SCENARIOS
      ? process.env.BENCH_SCENARIOS.split(',').map((s) => s.trim())
      : null,
    resultsName,
    resultsDir: resolve(process.env.BENCH_RESULTS_DIR || join(PROJECT_DIR, 'bench/results')),
    strict: process.env.BENCH_STRICT === '1',
    windows: readPositiveInteger('BENCH_WINDOWS', 3),
    peer: process.env.BENCH_PEER !== '0',
    wranglerSmoke: process.env.BENCH_WRANGLER_SMOKE !== '0',
    coldStarts: readPositiveInteger('BENCH_COLD_STARTS', 3),
  };
}
