// A pooled connection's life, as Neon's proxy runs it: a backend that dies mid-request (FATAL 57P01) is
// answered and thrown away without taking the gateway down, no session state survives into the next
// request, and a request whose client has gone stops running.
// PostgreSQL (DATABASE_URL) has real backends to kill and cancel. PGlite is one in-process session: no
// second connection can reach it, and a running statement blocks the event loop, so it can be neither
// terminated nor cancelled; where a test differs on PGlite its title says what applies there.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../tools/gateway/server.ts';
import { connectSQL, createTableName, startTestGateway } from './fixture.ts';

const onPostgres = Boolean(process.env.DATABASE_URL);
const TABLE_NAME = createTableName('gw_sessions');

let gateway: Gateway;
// A connection of the test's own, beside the gateway's pool (PostgreSQL only).
let admin: pg.Client | undefined;
const sql = connectSQL();

beforeAll(async () => {
  gateway = await startTestGateway();
  await sql.query(`CREATE TABLE "${TABLE_NAME}" (marker text NOT NULL)`);
  if (onPostgres) {
    admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
  }
});

afterAll(async () => {
  await sql.query(`DROP TABLE IF EXISTS "${TABLE_NAME}"`);
  await admin?.end();
  await gateway?.close();
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// The pid of the gateway's backend running a statement that contains `marker`, once it runs.
async function findBackendRunning(marker: string): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const { rows } = await (admin as pg.Client).query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()`,
      [`%${marker}%`],
    );
    if (rows[0]) return rows[0].pid;
    await sleep(20);
  }
  throw new Error(`no backend ran ${marker}`);
}

async function countBackendsRunning(marker: string): Promise<number> {
  const { rows } = await (admin as pg.Client).query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()`,
    [`%${marker}%`],
  );
  return rows[0]?.n ?? 0;
}

// Enough requests at once to go through every pooled connection: none may be a dead one.
async function expectEveryConnectionWorks(): Promise<void> {
  const answers = await Promise.all(Array.from({ length: 12 }, (_, index) => sql`SELECT ${index}::int AS n`));
  expect(answers.map(([row]) => row?.n)).toEqual(Array.from({ length: 12 }, (_, index) => index));
}

describe('a backend killed during a request (FATAL 57P01: pg_terminate_backend, restart, failover)', () => {
  it(
    onPostgres
      ? 'during a long query: answers Neon’s 400 with 57P01, drops the connection, and keeps serving'
      : 'PGlite: a kill sent during a long query waits its turn and cannot end the one in-process session',
    async () => {
      if (!onPostgres) {
        const [slept, killed] = await Promise.all([
          sql`SELECT pg_sleep(0.2) AS slept`,
          sql`SELECT pg_terminate_backend(pg_backend_pid()) AS done`,
        ]);
        expect([slept, killed]).toEqual([[{ slept: '' }], [{ done: false }]]);
        await expectEveryConnectionWorks();
        return;
      }
      const marker = createTableName('kill_query');
      const running = sql.query(`SELECT pg_sleep(10) AS "${marker}"`).catch((caught: unknown) => caught);
      await admin?.query('SELECT pg_terminate_backend($1)', [await findBackendRunning(marker)]);
      expect(await running).toMatchObject({
        name: 'NeonDbError',
        code: '57P01',
        severity: 'FATAL',
        message: 'terminating connection due to administrator command',
      });
      await expectEveryConnectionWorks();
    },
  );

  it(
    onPostgres
      ? 'during a batch: answers 57P01, rolls the batch back, drops the connection, and keeps serving'
      : 'PGlite: a batch terminating its own session still commits, and the gateway keeps serving',
    async () => {
      const marker = createTableName('kill_batch');
      const insert = sql.query(`INSERT INTO "${TABLE_NAME}" (marker) VALUES ($1)`, [marker]);
      if (!onPostgres) {
        await sql.transaction([insert, sql`SELECT pg_terminate_backend(pg_backend_pid())`]);
        expect(
          await sql.query(`SELECT marker FROM "${TABLE_NAME}" WHERE marker = $1`, [marker]),
        ).toHaveLength(1);
        await expectEveryConnectionWorks();
        return;
      }
      const running = sql
        .transaction([insert, sql.query(`SELECT pg_sleep(10) AS "${marker}"`), sql`SELECT 1`])
        .catch((caught: unknown) => caught);
      await admin?.query('SELECT pg_terminate_backend($1)', [await findBackendRunning(marker)]);
      expect(await running).toMatchObject({ code: '57P01', severity: 'FATAL' });
      expect(await sql.query(`SELECT marker FROM "${TABLE_NAME}" WHERE marker = $1`, [marker])).toEqual([]);
      await expectEveryConnectionWorks();
    },
  );

  it('a query that ends its own session answers and the next request works, on both backends', async () => {
    const answer = await sql`SELECT pg_terminate_backend(pg_backend_pid()) AS done`.catch(
      (caught: unknown) => caught,
    );
    // PostgreSQL ends the backend before the row is sent; PGlite's single session refuses to end.
    if (onPostgres) expect(answer).toMatchObject({ code: '57P01', severity: 'FATAL' });
    else expect(answer).toEqual([{ done: false }]);
    await expectEveryConnectionWorks();
  });
});

describe('session state never leaks into the next request (Neon resets a connection before reuse)', () => {
  type Probe = {
    pid: number;
    timezone: string;
    timeout: string;
    temp: boolean;
    prepared: number;
    locks: number;
  };
  const probeQuery = `SELECT pg_backend_pid() AS pid, current_setting('TimeZone') AS timezone,
    current_setting('statement_timeout') AS timeout, to_regclass('pg_temp.gw_leak') IS NOT NULL AS temp,
    (SELECT count(*)::int FROM pg_prepared_statements) AS prepared,
    (SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS locks`;

  // A request on connection `pid` again (PGlite has only the one): more parallel probes than the pool
  // holds, so that every pooled connection answers one.
  async function probeConnection(pid: number): Promise<Probe> {
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const probes = await Promise.all(Array.from({ length: 12 }, () => sql.query(probeQuery)));
      const probe = (probes.flat() as Probe[]).find((candidate) => candidate.pid === pid);
      if (probe) return probe;
    }
    throw new Error(`no request landed on connection ${pid} again`);
  }

  it('SET, temporary tables, prepared statements and session advisory locks are gone; the time zone stays UTC', async () => {
    const [[session]] = (await sql.transaction([
      sql`SELECT pg_backend_pid() AS pid`,
      sql`SET TIME ZONE 'America/New_York'`,
      sql`SET statement_timeout = '1234s'`,
      sql`CREATE TEMP TABLE gw_leak (x int)`,
      sql`PREPARE gw_leaked_statement AS SELECT 1`,
      sql`SELECT pg_advisory_lock(4242)`,
    ])) as [[{ pid: number }]];
    const pid = session.pid;
    expect(await probeConnection(pid)).toEqual({
      pid,
      timezone: 'UTC',
      timeout: '0',
      temp: false,
      prepared: 0,
      locks: 0,
    });
  });

  it('a SET does not reach the next request either', async () => {
    const [[session]] = (await sql.transaction([
      sql`SELECT pg_backend_pid() AS pid`,
      sql`SET TIME ZONE 'Asia/Tokyo'`,
    ])) as [[{ pid: number }]];
    const pid = session.pid;
    expect((await probeConnection(pid)).timezone).toBe('UTC');
    const [row] = await sql`SELECT '2024-01-01 00:00:00+00'::timestamptz::text AS at`;
    expect(row).toEqual({ at: '2024-01-01 00:00:00+00' });
  });
});

describe('a request whose client has gone', () => {
  it(
    onPostgres
      ? 'has its running query cancelled'
      : 'PGlite: runs its current statement to the end (WASM cannot be interrupted) and is answered',
    async () => {
      const marker = createTableName('abandoned');
      const abandon = new AbortController();
      const request = sql
        .query(`SELECT pg_sleep(${onPostgres ? 10 : 0.2}) AS "${marker}"`, [], {
          fetchOptions: { signal: abandon.signal },
        })
        .catch((caught: unknown) => caught);
      if (onPostgres) await findBackendRunning(marker);
      abandon.abort();
      expect(await request).toMatchObject({ message: expect.stringMatching(/abort/i) });
      if (!onPostgres) {
        expect(await sql`SELECT 1 AS ok`).toEqual([{ ok: 1 }]);
        return;
      }
      let running = 1;
      for (let attempt = 0; attempt < 50 && running > 0; attempt += 1) {
        await sleep(20);
        running = await countBackendsRunning(marker);
      }
      expect(running).toBe(0);
      await expectEveryConnectionWorks();
    },
  );

  it('stops its batch, rolls it back and frees the connection for the next request', async () => {
    const marker = createTableName('abandoned_batch');
    const abandon = new AbortController();
    const nap = () => sql.query(`SELECT pg_sleep(0.4) AS "${marker}"`);
    const batch = sql
      .transaction(
        [sql.query(`INSERT INTO "${TABLE_NAME}" (marker) VALUES ($1)`, [marker]), nap(), nap(), nap(), nap()],
        { fetchOptions: { signal: abandon.signal } },
      )
      .catch((caught: unknown) => caught);
    await sleep(100);
    abandon.abort();
    await batch;
    const abandonedAt = performance.now();
    if (onPostgres) {
      // The next request gets another connection anyway: what shows is that the batch is gone.
      let running = 1;
      for (let attempt = 0; attempt < 50 && running > 0; attempt += 1) {
        await sleep(20);
        running = await countBackendsRunning(marker);
      }
      expect(running).toBe(0);
    }
    // Uncancelled, the batch would hold PGlite's one session for 1.6 s and then commit its insert.
    expect(await sql.query(`SELECT marker FROM "${TABLE_NAME}" WHERE marker = $1`, [marker])).toEqual([]);
    expect(performance.now() - abandonedAt).toBeLessThan(1_000);
    await sleep(1_700 - (performance.now() - abandonedAt));
    expect(await sql.query(`SELECT marker FROM "${TABLE_NAME}" WHERE marker = $1`, [marker])).toEqual([]);
  });
});
