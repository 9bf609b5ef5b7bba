// The database behind both the gateway (edge-2fa) and the peer (Better Auth): by default a private
// PostgreSQL 15 cluster in the run's temp dir, started as .ci/run starts one, so its CPU is ours alone;
// DATABASE_URL's server instead (the peer then gets a sibling database `<name>_peer`); or, with
// BENCH_DATABASE=pglite, embedded PGlite inside the gateway (no peer then: it needs PostgreSQL).
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { listDescendantPids } from './cpu.ts';
import { findFreePort } from './stack.ts';

const POSTGRES_BIN_DIRS = [
  '/usr/lib/postgresql/15/bin',
  '/usr/lib/postgresql/16/bin',
  '/usr/lib/postgresql/17/bin',
];

export type BenchDatabase = {
  kind: 'own cluster' | 'DATABASE_URL' | 'pglite';
  /** For the gateway; undefined means embedded PGlite. */
  url: string | undefined;
  /** For the peer; undefined when there is no PostgreSQL. */
  peerUrl: string | undefined;
  /** The processes whose CPU is "Postgres's" (empty when not measurable from here). */
  postgresPids(): Promise<number[]>;
  stop(): void;
};

function runAsPostgres(command: string, args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  const result = asRoot
    ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' })
    : spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stdout}${result.stderr}`);
}

async function createDatabaseIfMissing(serverUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`create database "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}

async function startOwnCluster(): Promise<BenchDatabase> {
  const binDir = POSTGRES_BIN_DIRS.find((dir) => existsSync(join(dir, 'initdb')));
  if (!binDir) throw new Error('no PostgreSQL binaries found: set DATABASE_URL or BENCH_DATABASE=pglite');
  // Its own temp dir (the run's is private to this user; postgres must own the cluster's).
  const dir = mkdtempSync(join(tmpdir(), 'edge-2fa-bench-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, uid, uid);
  }
  const port = await findFreePort();
  runAsPostgres(join(binDir, 'initdb'), ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust']);
  runAsPostgres(join(binDir, 'pg_ctl'), [
    '-D',
    join(dir, 'data'),
    '-l',
    join(dir, 'log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c timezone=UTC -c fsync=off -c max_connections=100`,
    'start',
  ]);
  const serverUrl = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  const stop = () => {
    try {
      runAsPostgres(join(binDir, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'immediate', 'stop']);
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await createDatabaseIfMissing(serverUrl, 'edge2fa');
    await createDatabaseIfMissing(serverUrl, 'peer');
  } catch (error) {
    stop();
    throw error;
  }
  const postmasterPid = Number(readFileSync(join(dir, 'data/postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    kind: 'own cluster',
    url: `postgresql://postgres@127.0.0.1:${port}/edge2fa`,
    peerUrl: `postgresql://postgres@127.0.0.1:${port}/peer`,
    // The postmaster and every process it forked: backends, writers, autovacuum.
    postgresPids: async () => [postmasterPid, ...listDescendantPids(postmasterPid)],
    stop,
  };
}

// A shared server: only the backends serving our two databases count (when they run on this machine).
async function useDatabaseUrl(databaseUrl: string): Promise<BenchDatabase> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1)) || 'postgres';
  const peerName = `${name}_peer`;
  await createDatabaseIfMissing(databaseUrl, peerName);
  const peerUrl = new URL(databaseUrl);
  peerUrl.pathname = `/${peerName}`;
  return {
    kind: 'DATABASE_URL',
    url: databaseUrl,
    peerUrl: peerUrl.toString(),
    postgresPids: async () => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ pid: number }>(
          'select pid from pg_stat_activity where datname = any($1) and pid <> pg_backend_pid()',
          [[name, peerName]],
        );
        return rows.map((row) => row.pid);
      } finally {
        await client.end();
      }
    },
    stop: () => {},
  };
}

export async function openBenchDatabase(): Promise<BenchDatabase> {
  if (process.env.BENCH_DATABASE === 'pglite') {
    return {
      kind: 'pglite',
      url: undefined,
      peerUrl: undefined,
      postgresPids: async () => [],
      stop: () => {},
    };
  }
  if (process.env.DATABASE_URL) return useDatabaseUrl(process.env.DATABASE_URL);
  return startOwnCluster();
}
