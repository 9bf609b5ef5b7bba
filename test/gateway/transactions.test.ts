// Transactions over HTTP, as Neon runs them: a batch is one transaction with the options in its headers,
// a failure anywhere rolls the whole batch back, and no request ever leaves a transaction open for the
// next one to inherit.
import { NeonDbError } from '@neondatabase/serverless';
import { eq } from 'drizzle-orm';
import { pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../tools/gateway/server.ts';
import { connectDrizzle, connectSQL, createTableName, startTestGateway } from './fixture.ts';

const TABLE_NAME = createTableName('gw_tx');
const accounts = pgTable(TABLE_NAME, {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull().unique(),
});

let gateway: Gateway;
const sql = connectSQL();
const db = connectDrizzle();

beforeAll(async () => {
  gateway = await startTestGateway();
  await sql.query(
    `CREATE TABLE "${TABLE_NAME}" (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text NOT NULL UNIQUE)`,
  );
});

afterAll(async () => {
  await sql.query(`DROP TABLE IF EXISTS "${TABLE_NAME}"`);
  await gateway?.close();
});

function createEmail(label: string): string {
  return `${label}-${createTableName('u')}@example.com`;
}

async function countAccounts(email: string): Promise<number> {
  const [row] = await sql.query(`SELECT count(*)::int AS n FROM "${TABLE_NAME}" WHERE email = $1`, [email]);
  return (row as { n: number }).n;
}

describe('db.batch', () => {
  it('commits every statement and returns their results in order', async () => {
    const email = createEmail('batch-ok');
    const [inserted, selected] = await db.batch([
      db.insert(accounts).values({ email }).returning(),
      db.select().from(accounts).where(eq(accounts.email, email)),
    ]);
    expect(inserted).toHaveLength(1);
    expect(selected).toEqual(inserted);
  });

  it('rolls back the earlier statements when a later one fails', async () => {
    const taken = createEmail('taken');
    const fresh = createEmail('fresh');
    await db.insert(accounts).values({ email: taken });
    const error = await db
      .batch([db.insert(accounts).values({ email: fresh }), db.insert(accounts).values({ email: taken })])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NeonDbError);
    expect(error).toMatchObject({ code: '23505', constraint: `${TABLE_NAME}_email_key` });
    expect(await countAccounts(fresh)).toBe(0);
    // And the connection is usable straight away, outside any transaction.
    expect(await sql`SHOW transaction_isolation`).toEqual([{ transaction_isolation: 'read committed' }]);
  });
});

describe('batch headers', () => {
  it.each([
    ['ReadUncommitted', 'read uncommitted'],
    ['ReadCommitted', 'read committed'],
    ['RepeatableRead', 'repeatable read'],
    ['Serializable', 'serializable'],
  ] as const)('Neon-Batch-Isolation-Level %s runs the batch at %s', async (isolationLevel, expected) => {
    const results = await sql.transaction([sql`SHOW transaction_isolation`], { isolationLevel });
    expect(results).toEqual([[{ transaction_isolation: expected }]]);
  });

  it('runs a batch at the database default without the header', async () => {
    const results = await sql.transaction([sql`SHOW transaction_isolation`]);
    expect(results).toEqual([[{ transaction_isolation: 'read committed' }]]);
  });

  it('Neon-Batch-Read-Only makes a write in the batch fail with 25006 and roll back', async () => {
    const email = createEmail('read-only');
    const insert = sql.query(`INSERT INTO "${TABLE_NAME}" (email) VALUES ($1)`, [email]);
    const error = await sql.transaction([insert], { readOnly: true }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NeonDbError);
    expect(error).toMatchObject({ code: '25006' });
    expect(await countAccounts(email)).toBe(0);
  });

  it('Neon-Batch-Read-Only and Neon-Batch-Deferrable combine with the isolation level', async () => {
    const results = await sql.transaction(
      [sql`SHOW transaction_read_only`, sql`SHOW transaction_deferrable`, sql`SHOW transaction_isolation`],
      { isolationLevel: 'Serializable', readOnly: true, deferrable: true },
    );
    expect(results).toEqual([
      [{ transaction_read_only: 'on' }],
      [{ transaction_deferrable: 'on' }],
      [{ transaction_isolation: 'serializable' }],
    ]);
  });

  it('a read-only false header still allows writes', async () => {
    const email = createEmail('read-write');
    const insert = sql.query(`INSERT INTO "${TABLE_NAME}" (email) VALUES ($1)`, [email]);
    await sql.transaction([insert], { readOnly: false, deferrable: false });
    expect(await countAccounts(email)).toBe(1);
  });
});

describe('single queries never leave a transaction open', () => {
  it('a bare BEGIN is rolled back before the next request', async () => {
    await sql`BEGIN ISOLATION LEVEL SERIALIZABLE`;
    expect(await sql`SHOW transaction_isolation`).toEqual([{ transaction_isolation: 'read committed' }]);
  });

  it('a write after a bare BEGIN commits on its own, so a later ROLLBACK cannot undo it', async () => {
    const email = createEmail('after-begin');
    await sql`BEGIN`;
    await sql.query(`INSERT INTO "${TABLE_NAME}" (email) VALUES ($1)`, [email]);
    await sql`ROLLBACK`;
    expect(await countAccounts(email)).toBe(1);
  });

  it('a batch that commits early and starts its own transaction still ends with none open', async () => {
    await sql.transaction([sql`COMMIT`, sql`START TRANSACTION ISOLATION LEVEL REPEATABLE READ`]);
    expect(await sql`SHOW transaction_isolation`).toEqual([{ transaction_isolation: 'read committed' }]);
  });

  it('a failed query inside a bare BEGIN leaves nothing aborted behind', async () => {
    await sql`BEGIN`;
    await expect(sql`SELECT 1 / 0`).rejects.toMatchObject({ code: '22012' });
    expect(await sql`SELECT 1 AS ok`).toEqual([{ ok: 1 }]);
  });
});

describe('concurrent requests', () => {
  it('all get their own answers, whether they run in parallel or one after another', async () => {
    const emails = Array.from({ length: 12 }, (_, index) => createEmail(`parallel-${index}`));
    const outcomes = await Promise.allSettled(
      emails.map((email, index) =>
        index % 3 === 2
          ? sql`SELECT 1 / 0`
          : sql.transaction([
              sql.query(`INSERT INTO "${TABLE_NAME}" (email) VALUES ($1)`, [email]),
              sql.query(`SELECT email FROM "${TABLE_NAME}" WHERE email = $1`, [email]),
            ]),
      ),
    );
    outcomes.forEach((outcome, index) => {
      if (index % 3 === 2) expect(outcome).toMatchObject({ status: 'rejected', reason: { code: '22012' } });
      else expect(outcome).toEqual({ status: 'fulfilled', value: [[], [{ email: emails[index] }]] });
    });
  });

  // The race tests depend on real parallelism, which PostgreSQL gives and PGlite (one session) cannot.
  // Proof without timing: while one batch holds an advisory lock, a concurrent request can only see it
  // held if the two really overlap.
  it(
    process.env.DATABASE_URL
      ? 'run in parallel on PostgreSQL'
      : 'run one after another on PGlite (one session)',
    async () => {
      const key = Math.floor(Math.random() * 1_000_000);
      const holder = sql.transaction([sql`SELECT pg_advisory_xact_lock(${key})`, sql`SELECT pg_sleep(0.3)`]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const probe = sql`SELECT pg_try_advisory_xact_lock(${key}) AS acquired`;
      const [, [row]] = await Promise.all([holder, probe]);
      expect(row).toEqual({ acquired: !process.env.DATABASE_URL });
    },
  );

  // On PGlite the contender simply runs after the holder's commit: the same outcome, by serialisation.
  it('block on each other’s row locks as on Neon', async () => {
    const email = createEmail('locked');
    await sql.query(`INSERT INTO "${TABLE_NAME}" (email) VALUES ($1)`, [email]);
    // The first batch holds the row lock for 0.5 s; the conditional update waits for it, then finds no row.
    const holder = sql.transaction([
      sql.query(`UPDATE "${TABLE_NAME}" SET email = email || '.moved' WHERE email = $1`, [email]),
      sql`SELECT pg_sleep(0.5)`,
    ]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const contender = sql.query(
      `UPDATE "${TABLE_NAME}" SET email = email || '.stolen' WHERE email = $1 RETURNING id`,
      [email],
    );
    const [, contenderRows] = await Promise.all([holder, contender]);
    expect(contenderRows).toEqual([]);
    expect(await countAccounts(`${email}.moved`)).toBe(1);
  });

  it('reports the backend in use', () => {
    expect(gateway.backendName).toBe(process.env.DATABASE_URL ? 'postgres' : 'pglite');
  });
});
