// Turns measurements into the console table, bench/results/<name>.json and bench/results/<name>.md (the
// Markdown the README quotes), with the machine and the targets beside the numbers.
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Measurement } from './measure.ts';
import { PROJECT_DIR } from './stack.ts';

export type ScenarioReport = {
  id: string;
  label: string;
  request: string;
  roundTripsByDesign: number;
  method: string;
  measurement: Measurement;
};

export type PBKDF2Report = {
  iterations: number;
  hashesPerRequest: number;
  cpuMsPerHash: number;
  overheadCPUMsPerRequest: number;
  hashesPerSecond: number;
};

export type Target = { name: string; value: number | null; goal: string; met: boolean | null; note: string };

export type MachineInfo = {
  cpuModel: string;
  cores: number;
  loadAverageAtStart: number[];
  // Other work on the machine inflates CPU per request and lowers throughput: keep it next to the numbers.
  loadAverageAtEnd: number[];
  node: string;
  wrangler: string;
  workerd: string;
  backend: string;
  backendVersion: string;
  date: string;
};

export type BenchReport = {
  machine: MachineInfo;
  settings: { durationSeconds: number; connections: number; tfaPoolSize: number };
  ceilingRequestsPerSecond: number;
  scenarios: (ScenarioReport & { throughputVsCeiling: number })[];
  pbkdf2: PBKDF2Report | null;
  targets: Target[];
  notes: string[];
};

function readPackageVersion(path: string): string {
  try {
    return (
      JSON.parse(readFileSync(join(PROJECT_DIR, 'node_modules', path, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return 'unknown';
  }
}

function readCPUModel(): string {
  try {
    const match = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m);
    return match?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function describeMachine(
  backend: string,
  backendVersion: string,
  loadAverageAtStart: number[],
): MachineInfo {
  return {
    cpuModel: readCPUModel(),
    cores: availableParallelism(),
    loadAverageAtStart,
    loadAverageAtEnd: currentLoadAverage(),
    node: process.version,
    wrangler: readPackageVersion('wrangler'),
    workerd: readPackageVersion('workerd'),
    backend,
    backendVersion,
    date: new Date().toISOString(),
  };
}

export function currentLoadAverage(): number[] {
  return loadavg().map((value) => Math.round(value * 100) / 100);
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const format = (value: number | null, digits: number) => (value === null ? 'n/a' : value.toFixed(digits));

type Row = Record<string, string>;

function scenarioRows(report: BenchReport): Row[] {
  return report.scenarios.map((scenario) => {
    const m = scenario.measurement;
    return {
      scenario: scenario.label,
      'req/s': format(m.requestsPerSecond, 0),
      'vs ceiling': format(scenario.throughputVsCeiling, 2),
      'p50 ms': format(m.latencyP50Ms, 1),
      'p99 ms': format(m.latencyP99Ms, 1),
      'DB round trips/req': format(m.roundTripsPerRequest, 2),
      'workerd CPU ms/req': format(m.workerdCPUMsPerRequest, 2),
      'non-2xx': String(m.non2xx + m.errors + m.timeouts),
      requests: String(m.requests),
    };
  });
}

function formatConsoleTable(rows: Row[]): string {
  const first = rows[0];
  if (!first) return '';
  const columns = Object.keys(first);
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  return [
    line(columns),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map((row) => line(columns.map((c) => row[c] ?? ''))),
  ].join('\n');
}

function formatMarkdownTable(rows: Row[], textColumns: string[] = []): string {
  const first = rows[0];
  if (!first) return '';
  const columns = Object.keys(first);
  const isText = (column: string, i: number) => i === 0 || textColumns.includes(column);
  return [
    `| ${columns.join(' | ')} |`,
    `|${columns.map((column, i) => (isText(column, i) ? '---' : '---:')).join('|')}|`,
    ...rows.map((row) => `| ${columns.map((column) => row[column] ?? '').join(' | ')} |`),
  ].join('\n');
}

function targetRows(report: BenchReport): Row[] {
  return report.targets.map((target) => ({
    target: target.name,
    measured: format(target.value, 2),
    goal: target.goal,
    met: target.met === null ? 'n/a' : target.met ? 'yes' : 'no',
    note: target.note,
  }));
}

function describeSetup(report: BenchReport): string {
  const { machine, settings } = report;
  return [
    `${machine.cpuModel}, ${machine.cores} cores (1/5/15-min load average ${machine.loadAverageAtStart.join(' / ')} at start, ${machine.loadAverageAtEnd.join(' / ')} at end)`,
    `Node ${machine.node}, wrangler ${machine.wrangler} (workerd ${machine.workerd}), \`wrangler dev\` local mode`,
    `database: ${machine.backend} (${machine.backendVersion}) through tools/gateway`,
    `${settings.connections} connections × ${settings.durationSeconds} s per scenario (TFA scenarios: ${settings.tfaPoolSize} pre-made challenges each), ${machine.date}`,
  ].join('; ');
}

export function formatConsoleReport(report: BenchReport): string {
  const pbkdf2 = report.pbkdf2
    ? `PBKDF2-SHA256 ${report.pbkdf2.iterations.toLocaleString('en-US')} iterations in workerd: ${report.pbkdf2.cpuMsPerHash.toFixed(2)} ms CPU per hash (${report.pbkdf2.hashesPerSecond.toFixed(0)} hashes/s)`
    : 'PBKDF2 probe: not measured';
  return [
    '',
    formatConsoleTable(scenarioRows(report)),
    '',
    pbkdf2,
    '',
    formatConsoleTable(targetRows(report)),
    '',
    describeSetup(report),
  ].join('\n');
}

export function formatMarkdownReport(report: BenchReport): string {
  const pbkdf2 = report.pbkdf2
    ? `One PBKDF2-SHA256 hash (${report.pbkdf2.iterations.toLocaleString('en-US')} iterations, the login's one password check) costs **${report.pbkdf2.cpuMsPerHash.toFixed(2)} ms** of workerd CPU (probe worker, ${report.pbkdf2.hashesPerRequest} hashes per request minus an empty request).`
    : 'The PBKDF2 probe was not measured in this run.';
  return [
    '<!-- generated by `npm run bench` (bench/run.ts); do not edit by hand -->',
    formatMarkdownTable(scenarioRows(report)),
    '',
    pbkdf2,
    '',
    formatMarkdownTable(targetRows(report), ['goal', 'met', 'note']),
    '',
    ...report.notes.map((note) => `- ${note}`),
    '',
    `Machine: ${describeSetup(report)}.`,
    '',
  ].join('\n');
}

export function roundForJSON(report: BenchReport): BenchReport {
  return JSON.parse(
    JSON.stringify(report, (_key, value) => (typeof value === 'number' ? round(value, 4) : value)),
  );
}
