// The two databases the gateway can serve, behind one interface: a node-postgres Pool. The protocol
// layer and the migrator only ever see that Pool, so both backends run exactly the same code.
//   - PGlite (embedded, PostgreSQL in WASM): in memory, or persisted in a data directory. One session.
//   - Any PostgreSQL reachable over TCP through DATABASE_URL (local cluster, Docker, a Neon branch).
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import pg from 'pg';

export type BackendName = 'pglite' | 'postgres';

export type Backend = {
  name: BackendName;
  pool: pg.Pool;
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

// Neon runs its computes in UTC, so timestamptz text only matches production with a UTC session.
const SET_UTC_TIMEZONE = "SET TIME ZONE 'UTC'";

export async function openBackend(options: BackendOptions): Promise<Backend> {
  if (options.databaseUrl && options.dataDir) {
    throw new Error('Give either a DATABASE_URL (PostgreSQL) or a data directory (PGlite), not both.');
  }
  const backend = options.databaseUrl
    ? openPostgresBackend(options.databaseUrl)
    : await openPGliteBackend(options.dataDir);
  // An idle client dying (e.g. Postgres restarted) emits 'error' on the Pool; unhandled, it kills the process.
  backend.pool.on('error', (error) => options.onPoolError?.(error));
  return backend;
}

export function openPostgresBackend(databaseUrl: string): Backend {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: POSTGRES_POOL_SIZE,
    connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MILLIS,
    types: RAW_TEXT_TYPES,
    onConnect: async (client) => {
      await client.query(SET_UTC_TIMEZONE);
    },
  });
  return { name: 'postgres', pool, close: () => pool.end() };
}

export async function openPGliteBackend(dataDir?: string): Promise<Backend> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir ? { dataDir } : {});
  const pgConfig = createPgConfig(pglite);
  ignorePerQueryTypeParsers(pgConfig.connection);
  const pool = new pg.Pool({
    ...pgConfig,
    // PGlite is a single session: one client, kept forever (reconnecting would only replay the startup).
    max: 1,
    idleTimeoutMillis: 0,
    types: RAW_TEXT_TYPES,
    onConnect: async (client) => {
      await client.query(SET_UTC_TIMEZONE);
    },
  });
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
