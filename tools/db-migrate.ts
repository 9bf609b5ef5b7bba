// `npm run db:migrate`: applies the migrations in drizzle/ to DATABASE_URL over TCP (node-postgres),
// transactionally and idempotently (tools/gateway/migrate.ts), then exits.
import pg from 'pg';
import { applyMigrations } from './gateway/migrate.ts';

async function main(): Promise<number> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error(
      'db:migrate: set DATABASE_URL to the PostgreSQL to migrate, e.g. postgresql://user@localhost/db.',
    );
    return 1;
  }
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const appliedCount = await applyMigrations(pool);
    console.log(`db:migrate: ${appliedCount} migration(s) applied to ${describeDatabase(databaseUrl)}.`);
    return 0;
  } catch (error) {
    console.error(`db:migrate: failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await pool.end();
  }
}

// Host and database only: the URL may carry a password.
function describeDatabase(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  } catch {
    return 'the database';
  }
}

process.exitCode = await main();
