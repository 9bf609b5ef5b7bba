// The two databases the gateway can serve, behind one interface: a node-postgres Pool. The protocol
// layer and the migrator only ever see that Pool, so both backends run exactly the same code.
//   - PGlite (embedded, PostgreSQL in WASM): in memory, or persisted in a data directory. One session.
//   - Any PostgreSQL reachable over TCP through DATABASE_URL (local cluster, Docker, a Neon branch).
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import pg from 'pg';
import { watchConnections } from './session.ts';

export type BackendName = 'pglite' | 'postgres';

export type Backend = {
  name: BackendName;
  pool: pg.Pool;
  /** Cancels the statement running on a pooled connection (PGlite has none to offer: see below). */
  cancelQuery?: (client: pg.PoolClient) => Promise<void>;
  close(): Promise<void>;
};

export type BackendOptions = {
  databaseUrl?: string;
  dataDir?: string;
  onPoolError?: (error: Error) => void;
};

// Concurrent HTTP requests must really run concurrently on Postgres: race tests depend on it.
const POSTGRES_POOL_SIZE = 10;
const POSTGRES_CONNECT_TIMEOUT_MILLIS = 10_000;

// Rows must leave the gateway as the raw text Postgres sent: the Neon client parses them by type OID,
// and parsing twice breaks booleans, dates and arrays. Set on the Pool, never per query (see below).
const RAW_TEXT_TYPES = { getTypeParser: () => (value: string) => value };

// Neon runs its computes in UTC, so timestamptz text only matches production with a UTC session. It is a
// startup parameter, not a SET: the reset between requests (RESET ALL) returns to it instead of undoing it.
const UTC_STARTUP_OPTIONS = '-c TimeZone=UTC';
const CANCEL_TIMEOUT_MILLIS = 2_000;

export async function openBackend(options: BackendOptions): Promise<Backend> {
  if (options.databaseUrl && options.dataDir) {
    throw new Error('Give either a DATABASE_URL (PostgreSQL) or a data directory (PGlite), not both.');
  }
  const backend = options.databaseUrl
    ? openPostgresBackend(options.databaseUrl)
    : await openPGliteBackend(options.dataDir);
  // An idle client dying (e.g. Postgres restarted) emits 'error' on the Pool; unhandled, it kills the process.
  backend.pool.on('error', (error) => options.onPoolError?.(error));
  watchConnections(backend.pool);
  return backend;
}

export function openPostgresBackend(databaseUrl: string): Backend {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: POSTGRES_POOL_SIZE,
    connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MILLIS,
    types: RAW_TEXT_TYPES,
    options: UTC_STARTUP_OPTIONS,
  });
  return {
    name: 'postgres',
    pool,
    cancelQuery: (client) => cancelBackendQuery(databaseUrl, client),
    close: () => pool.end(),
  };
}

// Postgres cancels a statement only through another connection (what Neon's proxy sends is a
// CancelRequest; pg_cancel_backend is the same signal by SQL). A failure here is not the request's
// problem: the caller throws the connection away whatever happens.
async function cancelBackendQuery(databaseUrl: string, client: pg.PoolClient): Promise<void> {
  // node-postgres keeps the BackendKeyData it received, but its types do not show it.
  const { processID } = client as pg.PoolClient & { processID?: number };
  if (!processID) return;
  const canceller = new pg.Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: CANCEL_TIMEOUT_MILLIS,
  });
  canceller.on('error', () => {});
  try {
    await canceller.connect();
    await canceller.query('SELECT pg_cancel_backend($1)', [processID]);
  } catch {
    // The connection is discarded anyway; nothing else to do.
  } finally {
    await canceller.end().catch(() => {});
  }
}

export async function openPGliteBackend(dataDir?: string): Promise<Backend> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir ? { dataDir } : {});
  const pgConfig = createPgConfig(pglite);
  ignorePerQueryTypeParsers(pgConfig.connection);
  const pool = new pg.Pool({
    ...pgConfig,
    // PGlite is a single session: one client, kept forever (reconnecting would only replay the startup).
    // Its default time zone is already UTC (initdb in WASM), so RESET ALL keeps UTC there too.
    max: 1,
    idleTimeoutMillis: 0,
    types: RAW_TEXT_TYPES,
  });
  // No cancelQuery: PGlite runs a statement synchronously on this thread (pg_sleep blocks the event
  // loop), so nothing can interrupt it; an abandoned batch stops at its next statement instead.
  return {
    name: 'pglite',
    pool,
    close: async () => {
      await pool.end();
      await pglite.close();
    },
  };
}

type ParseMessage = { text: string; name?: string; types?: unknown };

// node-postgres forwards a query's `types` option (an object of result parsers, which drizzle's own
// node-postgres driver sets on every query) into the Parse message, where it should be an array of
// parameter type OIDs. The TCP serializer tolerates that; PGlite's calls types.forEach and throws,
// which left the drizzle migrator hanging. Parameter types are never given here, so drop non-arrays.
function ignorePerQueryTypeParsers(connection: { parse(message: ParseMessage): void }): void {
  const parse = connection.parse.bind(connection);
  connection.parse = (message) => {
    parse(Array.isArray(message.types) ? message : { ...message, types: undefined });
  };
}
