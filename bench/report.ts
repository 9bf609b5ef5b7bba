// Turns measurements into the console tables, bench/results/<name>.json and bench/results/<name>.md (the
// Markdown the README quotes), with the machine and the targets beside the numbers.
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import type { CPUGroup, Measurement, PerRequest } from './measure.ts';
import type { PBKDF2Report } from './pbkdf2.ts';
import { PROJECT_DIR } from './stack.ts';
import type { TFAPathResult } from './tfa-paths.ts';

export type ScenarioResult = {
  id: string;
  label: string;
  server: 'Miniflare' | 'plain workerd' | 'Better Auth';
  request: string;
  roundTripsTarget: number | null;
  roundTripsAllowed: number | null;
  pairedWith?: string;
  measurement: Measurement;
  perRequest: PerRequest;
};

export type Target = { name: string; value: number | null; goal: string; met: boolean | null; note: string };

export type MachineInfo = {
  cpuModel: string;
  cores: number;
  loadAverageAtStart: number[];
  // Other work on the machine inflates CPU per request and lowers throughput: keep it next to the numbers.
  loadAverageAtEnd: number[];
  node: string;
  workerd: string;
  miniflare: string;
  betterAuth: string | null;
  database: string;
  databaseVersion: string;
  date: string;
};

export type BenchReport = {
  machine: MachineInfo;
  settings: { durationSeconds: number; connections: number; tfaPoolSize: number; windows: number };
  miniflare: ScenarioResult[];
  peer: ScenarioResult[];
  plainWorkerd: ScenarioResult[];
  tfaPaths: TFAPathResult[];
  pbkdf2: PBKDF2Report | null;
  coldStart: { samplesMs: number[]; medianMs: number; firstAPIRequestMs: number | null } | null;
  bundle: { gzippedKiB: number; rawKiB: number };
  wranglerDevSmoke: { ok: boolean; detail: string } | null;
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
  database: string,
  databaseVersion: string,
  betterAuth: string | null,
  loadAverageAtStart: number[],
): MachineInfo {
  return {
    cpuModel: readCPUModel(),
    cores: availableParallelism(),
    loadAverageAtStart,
    loadAverageAtEnd: currentLoadAverage(),
    node: process.version,
    workerd: readPackageVersion('workerd'),
    miniflare: readPackageVersion('miniflare'),
    betterAuth,
    database,
    databaseVersion,
    date: new Date().toISOString(),
  };
}

export function currentLoadAverage(): number[] {
  return loadavg().map((value) => Math.round(value * 100) / 100);
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const format = (value: number | null | undefined, digits: number) =>
  value === null || value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits);
const cpu = (result: ScenarioResult, group: CPUGroup) => format(result.perRequest.cpuMsPerRequest[group], 2);
const failures = (m: Measurement) => m.non2xx + m.errors + m.timeouts;

type Row = Record<string, string>;

function scenarioRows(results: ScenarioResult[], bareRoute?: ScenarioResult): Row[] {
  const bareCPU = bareRoute?.perRequest.cpuMsPerRequest.worker;
  return results.map((result) => {
    const p = result.perRequest;
    const serverGroup: CPUGroup = result.server === 'Better Auth' ? 'peer' : 'worker';
    const serverCPU = p.cpuMsPerRequest[serverGroup];
    return {
      scenario: result.label,
      'req/s': format(p.requestsPerSecond, 0),
      'p50 ms': format(result.measurement.latencyP50Ms, 1),
      'p99 ms': format(result.measurement.latencyP99Ms, 1),
      'round trips/req': `${format(p.roundTripsPerRequest, 2)}${result.roundTripsTarget === null ? '' : ` (${result.roundTripsTarget})`}`,
      'statements/req': format(p.statementsPerRequest, 2),
      // The Worker's workerd, or Better Auth's Node process.
      'server CPU ms/req': cpu(result, serverGroup),
      ...(bareRoute
        ? {
            'above GET /':
              result.server === 'Better Auth'
                ? '–'
                : format(serverCPU !== undefined && bareCPU !== undefined ? serverCPU - bareCPU : null, 2),
          }
        : {}),
      'gateway ms/req': result.server === 'Better Auth' ? '–' : cpu(result, 'gateway'),
      'Postgres ms/req': cpu(result, 'postgres'),
      'load gen ms/req': cpu(result, 'load'),
      'cores busy': format(p.coresBusy, 2),
      'non-2xx': String(failures(result.measurement)),
      requests: String(result.measurement.requests),
    };
  });
}

function sideBySideRows(report: BenchReport): Row[] {
  return report.peer.flatMap((peer) => {
    const ours = report.miniflare.find((result) => result.id === peer.pairedWith);
    if (!ours) return [];
    const side = (result: ScenarioResult, group: CPUGroup) =>
      `${format(result.perRequest.requestsPerSecond, 0)} req/s · p50 ${format(result.measurement.latencyP50Ms, 0)} / p99 ${format(result.measurement.latencyP99Ms, 0)} ms · ${format(result.perRequest.statementsPerRequest, 1)} stmt · ${cpu(result, group)} ms CPU · PG ${cpu(result, 'postgres')} ms`;
    return [
      {
        operation: `${ours.label} ↔ ${peer.label}`,
        'edge-2fa (Miniflare)': side(ours, 'worker'),
        'Better Auth (Node + pg)': side(peer, 'peer'),
        'throughput ratio': format(ours.perRequest.requestsPerSecond / peer.perRequest.requestsPerSecond, 2),
      },
    ];
  });
}

function tfaPathRows(report: BenchReport): Row[] {
  return report.tfaPaths.map((path) => ({
    flow: path.flow,
    path: path.path,
    status: String(path.status),
    'round trips': String(path.roundTrips),
    statements: String(path.statements),
  }));
}

function targetRows(report: BenchReport): Row[] {
  return report.targets.map((target) => ({
    target: target.name,
    measured: format(target.value, 2),
    goal: target.goal,
    met: target.met === null ? 'n/a' : target.met ? 'met' : 'MISSED',
    note: target.note,
  }));
}

function formatConsoleTable(rows: Row[]): string {
  const first = rows[0];
  if (!first) return '(none)';
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
  if (!first) return '(none)';
  const columns = Object.keys(first);
  const isText = (column: string, i: number) => i === 0 || textColumns.includes(column);
  return [
    `| ${columns.join(' | ')} |`,
    `|${columns.map((column, i) => (isText(column, i) ? '---' : '---:')).join('|')}|`,
    ...rows.map((row) => `| ${columns.map((column) => row[column] ?? '').join(' | ')} |`),
  ].join('\n');
}

function describeSetup(report: BenchReport): string {
  const { machine, settings } = report;
  return [
    `${machine.cpuModel}, ${machine.cores} cores (1/5/15-min load average ${machine.loadAverageAtStart.join(' / ')} at start, ${machine.loadAverageAtEnd.join(' / ')} at end)`,
    `Node ${machine.node}, workerd ${machine.workerd}, Miniflare ${machine.miniflare}${machine.betterAuth ? `, Better Auth ${machine.betterAuth}` : ''}`,
    `database: ${machine.database} (${machine.databaseVersion})`,
    `${settings.connections} connections × ${settings.durationSeconds} s per scenario (TFA scenarios: ${settings.tfaPoolSize} pre-made challenges each; plain workerd: ${settings.windows} alternating windows per scenario), ${machine.date}`,
  ].join('; ');
}

function pbkdf2Line(report: BenchReport): string {
  return report.pbkdf2
    ? `One PBKDF2-SHA256 hash (${report.pbkdf2.iterations.toLocaleString('en-US')} iterations, the login's one password check) costs ${report.pbkdf2.cpuMsPerHash.toFixed(2)} ms of workerd CPU (probe Worker in the same plain workerd process, ${report.pbkdf2.hashesPerRequest} hashes per request minus an empty request, windows alternating with the login's).`
    : 'The PBKDF2 probe was not measured in this run.';
}

function extrasLines(report: BenchReport): string[] {
  return [
    `Bundle: ${report.bundle.gzippedKiB.toFixed(1)} KiB gzipped (${report.bundle.rawKiB.toFixed(1)} KiB raw), as \`wrangler deploy --dry-run\` writes it.`,
    report.coldStart
      ? `Cold start (plain workerd, new process and isolate, to the first 200 from GET /): median ${report.coldStart.medianMs.toFixed(0)} ms of ${report.coldStart.samplesMs.map((ms) => ms.toFixed(0)).join(', ')} ms${report.coldStart.firstAPIRequestMs === null ? '' : `; the first /api request after it (config parse, key import, first query) ${report.coldStart.firstAPIRequestMs.toFixed(1)} ms`}.`
      : 'Cold start: not measured.',
    report.wranglerDevSmoke
      ? `\`wrangler dev\` smoke test: ${report.wranglerDevSmoke.ok ? 'passed' : 'FAILED'} (${report.wranglerDevSmoke.detail}).`
      : '`wrangler dev` smoke test: skipped.',
  ];
}

export function formatConsoleReport(report: BenchReport): string {
  const bare = report.plainWorkerd.find((result) => result.id === 'ceiling');
  return [
    '',
    'Scenario table (Miniflare, every binding):',
    formatConsoleTable(scenarioRows(report.miniflare)),
    '',
    'Plain workerd (alternating windows):',
    formatConsoleTable(scenarioRows(report.plainWorkerd, bare)),
    '',
    'Better Auth (Node + pg, same PostgreSQL):',
    formatConsoleTable(scenarioRows(report.peer)),
    '',
    'Second factor and logout, one request at a time:',
    formatConsoleTable(tfaPathRows(report)),
    '',
    pbkdf2Line(report),
    ...extrasLines(report),
    '',
    formatConsoleTable(targetRows(report)),
    '',
    describeSetup(report),
  ].join('\n');
}

export function formatMarkdownReport(report: BenchReport): string {
  const bare = report.plainWorkerd.find((result) => result.id === 'ceiling');
  return [
    '<!-- generated by `npm run bench` (bench/run.ts); do not edit by hand -->',
    '### Targets',
    '',
    formatMarkdownTable(targetRows(report), ['goal', 'met', 'note']),
    '',
    '### edge-2fa and Better Auth, side by side',
    '',
    formatMarkdownTable(sideBySideRows(report), ['edge-2fa (Miniflare)', 'Better Auth (Node + pg)']),
    '',
    '### edge-2fa under Miniflare (every binding: KV, queue and consumer, rate limiters, assets)',
    '',
    formatMarkdownTable(scenarioRows(report.miniflare)),
    '',
    '### Plain workerd (the production runtime), alternating windows in one run',
    '',
    formatMarkdownTable(scenarioRows(report.plainWorkerd, bare)),
    '',
    '### Better Auth (Node + pg, same PostgreSQL)',
    '',
    formatMarkdownTable(scenarioRows(report.peer)),
    '',
    '### Second factor and logout: round trips per request on every path',
    '',
    formatMarkdownTable(tfaPathRows(report), ['path']),
    '',
    pbkdf2Line(report),
    '',
    ...extrasLines(report).map((line) => `${line}\n`),
    ...report.notes.map((note) => `- ${note}`),
    '',
    `Machine: ${describeSetup(report)}.`,
    '',
  ].join('\n');
}

export function roundForJSON<T>(report: T): T {
  return JSON.parse(
    JSON.stringify(report, (_key, value) => (typeof value === 'number' ? round(value, 4) : value)),
  );
}
