// `npm run admin -- grant EMAIL` / `revoke EMAIL`: gives or takes the admin role, against DATABASE_URL.
// With NEON_HTTP_ENDPOINT set (the local gateway of `npm run dev`, e.g. http://127.0.0.1:4444/sql) it talks
// Neon's SQL-over-HTTP as the Worker does; otherwise it connects to DATABASE_URL over TCP (node-postgres),
// which works for any PostgreSQL, Neon included.
import { neon, neonConfig } from '@neondatabase/serverless';
import pg from 'pg';

const USAGE = 'usage: npm run admin -- grant EMAIL | revoke EMAIL   (DATABASE_URL names the database)';
const SET_ROLE = `update users set role = $2, updated_at = now() where email = lower(btrim($1))
  returning email, email_verified_at is not null as email_verified, tfa_enabled`;

type Row = { email: string; email_verified: boolean; tfa_enabled: boolean };

async function runStatement(databaseUrl: string, params: string[]): Promise<Row[]> {
  const endpoint = process.env.NEON_HTTP_ENDPOINT;
  if (endpoint) {
    neonConfig.fetchEndpoint = endpoint;
    return (await neon(databaseUrl).query(SET_ROLE, params)) as Row[];
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<Row>(SET_ROLE, params)).rows;
  } finally {
    await client.end();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, email] = argv;
  if ((command !== 'grant' && command !== 'revoke') || !email) {
    console.error(USAGE);
    return 2;
  }
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error(`admin: set DATABASE_URL. ${USAGE}`);
    return 2;
  }
  try {
    const rows = await runStatement(databaseUrl, [email, command === 'grant' ? 'admin' : 'user']);
    const row = rows[0];
    if (!row) {
      console.error(`admin: no account has the email ${email.trim().toLowerCase()}.`);
      return 1;
    }
    console.log(`admin: ${row.email} is now ${command === 'grant' ? 'an administrator' : 'a regular user'}.`);
    if (command === 'grant' && !row.tfa_enabled)
      console.log(
        'admin: note: the admin API needs a two-factor login; this account has no second factor yet.',
      );
    return 0;
  } catch (error) {
    console.error(`admin: failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
