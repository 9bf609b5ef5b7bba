// `npm run admin -- grant|revoke EMAIL` as an operator runs it: through the local gateway (Neon's HTTP
// protocol, NEON_HTTP_ENDPOINT) and, when DATABASE_URL names a PostgreSQL, over plain TCP.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../../tools/gateway/server.ts';
import { CONNECTION_STRING } from './fixture.ts';

const runFile = promisify(execFile);
const ADMIN_SCRIPT = new URL('../../tools/admin.ts', import.meta.url).pathname;

async function runAdmin(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await runFile(process.execPath, [ADMIN_SCRIPT, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

async function roleOf(gateway: Gateway, email: string): Promise<unknown> {
  const response = await fetch(gateway.sqlUrl, {
    method: 'POST',
    headers: { 'Neon-Connection-String': CONNECTION_STRING },
    body: JSON.stringify({ query: 'select role from users where email = $1', params: [email] }),
  });
  return ((await response.json()) as { rows: { role: string }[] }).rows[0]?.role;
}

describe('npm run admin', () => {
  let gateway: Gateway;
  const email = `operator-${crypto.randomUUID().slice(0, 8)}@example.com`;

  beforeAll(async () => {
    gateway = await startGateway({ databaseUrl: process.env.DATABASE_URL || undefined, port: 0 });
    await gateway.migrate();
    await fetch(gateway.sqlUrl, {
      method: 'POST',
      headers: { 'Neon-Connection-String': CONNECTION_STRING },
      body: JSON.stringify({
        query: `insert into users (email, full_name, password_hash) values ($1, 'Operator', 'x')`,
        params: [email],
      }),
    });
  });

  afterAll(async () => {
    await gateway.close();
  });

  it('grants and revokes the admin role through the gateway, whatever the case and spaces of the email', async () => {
    const env = { DATABASE_URL: CONNECTION_STRING, NEON_HTTP_ENDPOINT: gateway.sqlUrl };
    const granted = await runAdmin(['grant', ` ${email.toUpperCase()} `], env);
    expect(granted.code).toBe(0);
    expect(granted.output).toContain('is now an administrator');
    expect(granted.output).toContain('two-factor');
    expect(await roleOf(gateway, email)).toBe('admin');
    const revoked = await runAdmin(['revoke', email], env);
    expect(revoked.code).toBe(0);
    expect(await roleOf(gateway, email)).toBe('user');
  });

  it('says what is wrong: unknown email, bad command, no DATABASE_URL', async () => {
    const env = { DATABASE_URL: CONNECTION_STRING, NEON_HTTP_ENDPOINT: gateway.sqlUrl };
    const unknown = await runAdmin(['grant', 'nobody@example.com'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.output).toContain('no account has the email nobody@example.com');
    expect((await runAdmin(['promote', email], env)).output).toContain('usage:');
    expect((await runAdmin(['grant', email], {})).output).toContain('set DATABASE_URL');
  });

  it('works over plain TCP against the PostgreSQL in DATABASE_URL (or refuses a closed port clearly)', async () => {
    const databaseUrl = process.env.DATABASE_URL;
    if (!databaseUrl) {
      const refused = await runAdmin(['grant', email], {
        DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/none',
      });
      expect(refused.code).toBe(1);
      expect(refused.output).toContain('admin: failed:');
      return;
    }
    const granted = await runAdmin(['grant', email], { DATABASE_URL: databaseUrl });
    expect(granted.code).toBe(0);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query('select role from users where email = $1', [email]);
      expect(rows[0]?.role).toBe('admin');
    } finally {
      await client.end();
    }
  });
});
