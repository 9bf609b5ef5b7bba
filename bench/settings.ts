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
  databaseUrl: string | undefined;
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
    databaseUrl: process.env.DATABASE_URL || undefined,
  };
}
