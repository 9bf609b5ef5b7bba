// The wire format, status codes and control endpoints: what @neondatabase/serverless relies on, checked
// both on the raw JSON and through the client, plus the counters and fault switch the project adds.
import { NeonDbError } from '@neondatabase/serverless';
import { DrizzleQueryError } from 'drizzle-orm';
import { pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../tools/gateway/server.ts';
import {
  connectDrizzle,
  connectSQL,
  createTableName,
  getBaseURL,
  postSQL,
  startTestGateway,
} from './fixture.ts';

const ERROR_FIELDS = [
  'severity',
  'code',
  'detail',
  'hint',
  'position',
  'internalPosition',
  'internalQuery',
  'where',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'file',
  'line',
  'routine',
];
const MAX_BODY_BYTES = 10 * 1024 * 1024;

const TABLE_NAME = createTableName('gw_protocol');
const UNIQUE_CONSTRAINT = `${TABLE_NAME}_email_unique`;
const people = pgTable(TABLE_NAME, {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull(),
});

let gateway: Gateway;
const sql = connectSQL();
const db = connectDrizzle();

beforeAll(async () => {
  gateway = await startTestGateway();
  await sql.query(`CREATE TABLE "${TABLE_NAME}" (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL CONSTRAINT "${UNIQUE_CONSTRAINT}" UNIQUE)`);
});

afterAll(async () => {
  await sql.query(`DROP TABLE IF EXISTS "${TABLE_NAME}"`);
  await gateway?.close();
});

describe('POST /sql results', () => {
  it('answers a query with Neon JSON: command, rowCount, rowAsArray, full fields and raw text rows', async () => {
    const { status, json } = await postSQL(gateway, {
      query: "SELECT $1::int AS n, null::text AS nothing, true AS yes, '{1,2}'::int[] AS ints",
      params: ['5'],
    });
    expect(status).toBe(200);
    const field = { tableID: 0, columnID: 0, dataTypeModifier: -1, format: 'text' };
    expect(json).toEqual({
      command: 'SELECT',
      rowCount: 1,
      rowAsArray: true,
      fields: [
        { ...field, name: 'n', dataTypeID: 23, dataTypeSize: 4 },
        { ...field, name: 'nothing', dataTypeID: 25, dataTypeSize: -1 },
        { ...field, name: 'yes', dataTypeID: 16, dataTypeSize: 1 },
        { ...field, name: 'ints', dataTypeID: 1007, dataTypeSize: -1 },
      ],
      rows: [['5', null, 't', '{1,2}']],
    });
  });

  it('reports table and column ids of table columns, as the client may use them', async () => {
    const { json } = await postSQL(gateway, { query: `SELECT email FROM "${TABLE_NAME}" LIMIT 0` });
    const [field] = json.fields as { tableID: number; columnID: number }[];
    expect(field?.tableID).toBeGreaterThan(0);
    expect(field?.columnID).toBe(2);
  });

  it("takes rowCount from the command tag (INSERT's second number) and null for DDL", async () => {
    const insert = await postSQL(gateway, {
      query: `INSERT INTO "${TABLE_NAME}" (email) VALUES ($1), ($2)`,
      params: ['tag-a@example.com', 'tag-b@example.com'],
    });
    expect(insert.json).toEqual({ command: 'INSERT', rowCount: 2, rowAsArray: true, fields: [], rows: [] });

    const ddl = await postSQL(gateway, { query: `CREATE TEMP TABLE ${createTableName('gw_tmp')} (x int)` });
    expect(ddl.json).toMatchObject({ command: 'CREATE', rowCount: null });
    const update = await postSQL(gateway, { query: `UPDATE "${TABLE_NAME}" SET email = email WHERE false` });
    expect(update.json).toMatchObject({ command: 'UPDATE', rowCount: 0 });
  });

  it('answers a batch with {results: [...]} in query order', async () => {
    const { status, json } = await postSQL(gateway, {
      queries: [{ query: 'SELECT 1 AS a' }, { query: 'SELECT $1::text AS b', params: ['two'] }],
    });
    expect(status).toBe(200);
    const results = json.results as { rows: unknown[][] }[];
    expect(results.map((result) => result.rows)).toEqual([[['1']], [['two']]]);
  });

  it('returns rows as objects when Neon-Array-Mode is not "true"', async () => {
    const { json } = await postSQL(
      gateway,
      { query: 'SELECT 1 AS a, null::int AS b' },
      { 'Neon-Array-Mode': 'false' },
    );
    expect(json).toMatchObject({ rowAsArray: false, rows: [{ a: '1', b: null }] });
  });
});

describe('POST /sql errors', () => {
  it('answers a Postgres error with 400 JSON holding message and every field the client copies', async () => {
    const { status, json } = await postSQL(gateway, { query: 'SELECT 1 / 0' });
    expect(status).toBe(400);
    expect(Object.keys(json).sort()).toEqual(['message', ...ERROR_FIELDS].sort());
    expect(json).toMatchObject({
      message: 'division by zero',
      severity: 'ERROR',
      code: '22012',
      detail: null,
    });
    expect(json.routine).toEqual(expect.any(String));
  });

  it('carries the constraint, table and detail of a unique violation', async () => {
    const email = `dup-${createTableName('x')}@example.com`;
    const insert = { query: `INSERT INTO "${TABLE_NAME}" (email) VALUES ($1)`, params: [email] };
    expect((await postSQL(gateway, insert)).status).toBe(200);
    const { status, json } = await postSQL(gateway, insert);
    expect(status).toBe(400);
    expect(json).toMatchObject({
      code: '23505',
      constraint: UNIQUE_CONSTRAINT,
      table: TABLE_NAME,
      schema: 'public',
      detail: `Key (email)=(${email}) already exists.`,
    });
  });

  it('surfaces a unique violation through drizzle as DrizzleQueryError with the code and constraint on cause', async () => {
    const email = `drizzle-${createTableName('x')}@example.com`;
    await db.insert(people).values({ email });
    const error = await db
      .insert(people)
      .values({ email })
      .then(() => undefined)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DrizzleQueryError);
    const cause = (error as DrizzleQueryError).cause;
    expect(cause).toBeInstanceOf(NeonDbError);
    expect(cause).toMatchObject({ code: '23505', constraint: UNIQUE_CONSTRAINT });
  });

  it('rejects a multi-statement query with 42601 and runs none of it, with or without parameters', async () => {
    const email = `multi-${createTableName('x')}@example.com`;
    const twoInserts = `INSERT INTO "${TABLE_NAME}" (email) VALUES ('${email}'); INSERT INTO "${TABLE_NAME}" (email) VALUES ('${email}2')`;
    await expect(sql.query(twoInserts)).rejects.toMatchObject({ code: '42601' });
    await expect(sql.query('SELECT $1::int; SELECT 2', [1])).rejects.toMatchObject({ code: '42601' });
    const [row] = await sql.query(`SELECT count(*)::int AS n FROM "${TABLE_NAME}" WHERE email LIKE $1`, [
      `${email}%`,
    ]);
    expect(row).toEqual({ n: 0 });
  });

  // Neon serialises an error of its own with code and severity "" (not null): the client copies them.
  it("answers a malformed request with 400, a message and Neon's empty code and severity", async () => {
    for (const body of [
      'not json',
      '[]',
      { params: [] },
      { query: 'SELECT 1', params: 'x' },
      { queries: [1] },
    ]) {
      const { status, json } = await postSQL(gateway, body);
      expect(status).toBe(400);
      expect(json).toMatchObject({
        message: expect.stringMatching(/^could not parse the HTTP request body: /),
        code: '',
        severity: '',
        detail: null,
      });
    }
  });

  it('rejects an unknown Neon-Batch-Isolation-Level', async () => {
    const { status } = await postSQL(
      gateway,
      { queries: [{ query: 'SELECT 1' }] },
      { 'Neon-Batch-Isolation-Level': 'Chaos' },
    );
    expect(status).toBe(400);
  });

  it('refuses a request body over 10 MiB with 413', async () => {
    const padding = 'x'.repeat(MAX_BODY_BYTES);
    const { status } = await postSQL(gateway, { query: 'SELECT $1::text', params: [padding] });
    expect(status).toBe(413);
  });

  // Neon checks the size before adding each row (proxy/src/serverless/sql_over_http.rs, query_to_json).
  it('returns one row past 10 MiB, as Neon checks the size before adding each row', async () => {
    const [row] = await sql`SELECT repeat('x', ${MAX_BODY_BYTES + 1}) AS big`;
    expect(String(row?.big).length).toBe(MAX_BODY_BYTES + 1);
  });

  it('refuses the row after 10 MiB with 507 "response is too large", as Neon', async () => {
    const { status, json } = await postSQL(gateway, {
      query: `SELECT repeat('x', 1024 * 1024) FROM generate_series(1, 11)`,
    });
    expect(status).toBe(507);
    expect(json).toMatchObject({
      message: `response is too large (max is ${MAX_BODY_BYTES} bytes)`,
      code: '',
    });
    const error = await sql`SELECT repeat('x', 1024 * 1024) FROM generate_series(1, 11)`.catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(NeonDbError);
    expect(error).toMatchObject({ code: undefined, message: expect.stringMatching(/HTTP status 507/) });
  });

  it('counts the whole batch toward the limit, and a refused batch writes nothing', async () => {
    const email = `size-${createTableName('x')}@example.com`;
    const { status } = await postSQL(gateway, {
      queries: [
        { query: `INSERT INTO "${TABLE_NAME}" (email) VALUES ($1)`, params: [email] },
        { query: 'SELECT repeat($1, $2::int)', params: ['x', String(MAX_BODY_BYTES + 1)] },
        { query: 'SELECT 1' },
      ],
    });
    expect(status).toBe(507);
    const [row] = await sql.query(`SELECT count(*)::int AS n FROM "${TABLE_NAME}" WHERE email = $1`, [email]);
    expect(row).toEqual({ n: 0 });
  });
});

describe('GET /stats', () => {
  it('counts /sql requests, queries and batches, and nothing else', async () => {
    const base = getBaseURL(gateway);
    expect((await fetch(`${base}/stats/reset`, { method: 'POST' })).status).toBe(200);
    await sql`SELECT 1`;
    await sql.transaction([sql`SELECT 1`, sql`SELECT 2`, sql`SELECT 3`]);
    await sql`SELECT 1/0`.catch(() => undefined);
    await fetch(`${base}/health`);
    expect(await (await fetch(`${base}/stats`)).json()).toEqual({ httpRequests: 3, queries: 5, batches: 1 });
  });
});

describe('POST /control/outage', () => {
  it('makes every query fail with a non-Postgres error until it is switched off', async () => {
    const outage = `${gateway.controlUrl}/outage`;
    const health = `${getBaseURL(gateway)}/health`;
    await fetch(outage, { method: 'POST', body: JSON.stringify({ enabled: true }) });
    try {
      expect(await (await fetch(health)).json()).toMatchObject({ status: 'ok', outage: true });
      const error = await sql`SELECT 1`.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(NeonDbError);
      expect(error).toMatchObject({
        code: undefined,
        message: expect.stringMatching(/^Server error \(HTTP status 503\)/),
      });
      await expect(db.select().from(people).limit(1)).rejects.toBeInstanceOf(DrizzleQueryError);
      // db.batch does not wrap errors: a batch rejects with the client's own NeonDbError.
      const batchError = await db
        .batch([db.select().from(people).limit(1)])
        .catch((caught: unknown) => caught);
      expect(batchError).toBeInstanceOf(NeonDbError);
      expect(batchError).toMatchObject({
        code: undefined,
        message: expect.stringMatching(/HTTP status 503/),
      });
    } finally {
      await fetch(outage, { method: 'POST', body: JSON.stringify({ enabled: false }) });
    }
    expect(await sql`SELECT 1 AS ok`).toEqual([{ ok: 1 }]);
    expect(await (await fetch(health)).json()).toMatchObject({ outage: false, backend: gateway.backendName });
  });

  it('rejects a body without a boolean "enabled"', async () => {
    const response = await fetch(`${gateway.controlUrl}/outage`, {
      method: 'POST',
      body: '{"enabled":"yes"}',
    });
    expect(response.status).toBe(400);
  });
});

describe('other routes', () => {
  it('serves stats and health under the control URL too', async () => {
    const reset = await fetch(`${gateway.controlUrl}/stats/reset`, { method: 'POST' });
    expect(await reset.json()).toEqual({ httpRequests: 0, queries: 0, batches: 0 });
    await sql`SELECT 1`;
    expect(await (await fetch(`${gateway.controlUrl}/stats`)).json()).toEqual({
      httpRequests: 1,
      queries: 1,
      batches: 0,
    });
    expect(await (await fetch(`${gateway.controlUrl}/health`)).json()).toMatchObject({ status: 'ok' });
  });

  it('answers 404 for unknown paths and methods', async () => {
    const base = getBaseURL(gateway);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/sql`)).status).toBe(404);
  });
});
