// Applies the drizzle-kit migrations in drizzle/ with drizzle's node-postgres migrator: all pending
// migrations in one transaction, recorded in drizzle.__drizzle_migrations (the table drizzle-kit uses),
// so running it again, or after `drizzle-kit migrate`, applies nothing twice.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type pg from 'pg';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle/', import.meta.url));

// Any fixed key works; it only has to be the same for every migrator of this project.
const MIGRATION_LOCK_KEY = 0x2fa_0001;

const MIGRATIONS_TABLE = 'drizzle.__drizzle_migrations';

// Returns how many migrations this call applied (0 when the database was up to date, or when
// drizzle/ has no migrations yet).
export async function applyMigrations(pool: pg.Pool, migrationsFolder = MIGRATIONS_FOLDER): Promise<number> {
  // drizzle's migrator throws without a journal; an empty or missing folder just means nothing to apply.
  if (!existsSync(join(migrationsFolder, 'meta', '_journal.json'))) return 0;
  const client = await pool.connect();
  let failed = false;
  try {
    // Test files start gateways on one database in parallel; without the lock two of them would race
    // to create the same tables. A single connection also suits PGlite's one-session pool.
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const before = await countAppliedMigrations(client);
      await migrate(drizzle({ client }), { migrationsFolder });
      return (await countAppliedMigrations(client)) - before;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // After a failure the session's state is unknown (lock held, connection lost): discard it.
    client.release(failed);
  }
}

async function countAppliedMigrations(client: pg.PoolClient): Promise<number> {
  // Two statements: Postgres resolves every table name in a query before running any of it. Text
  // results only, since the gateway's pool leaves every value unparsed.
  const table = await client.query<{ name: string | null }>('SELECT to_regclass($1)::text AS name', [
    MIGRATIONS_TABLE,
  ]);
  if (table.rows[0]?.name == null) return 0;
  const result = await client.query<{ applied: string }>(
    `SELECT count(*) AS applied FROM ${MIGRATIONS_TABLE}`,
  );
  return Number(result.rows[0]?.applied ?? 0);
}
