// Values must survive the trip client → gateway → Postgres → gateway → client exactly as they do with
// Neon: the gateway returns raw text and the client parses it by type OID, so any conversion on the way
// (or a non-UTC session) shows up here.
import { and, eq, sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../tools/gateway/server.ts';
import { connectDrizzle, connectSQL, createTableName, startTestGateway } from './fixture.ts';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

type Settings = { theme: string; nested: { list: number[]; flag: boolean }; text: string };

const TABLE_NAME = createTableName('gw_types');
const things = pgTable(TABLE_NAME, {
  id: uuid('id').primaryKey().defaultRandom(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }),
  createdAtText: timestamp('created_at_text', { withTimezone: true, mode: 'string' }),
  active: boolean('active'),
  settings: jsonb('settings').$type<Settings>(),
  counter: bigint('counter', { mode: 'bigint' }),
  payload: bytea('payload'),
  tags: text('tags').array(),
  scores: integer('scores').array(),
  note: text('note'),
});

// Past 2^53, so a lossy number conversion anywhere would change it.
const BIG_INTEGER = 9_007_199_254_740_993n;
const SETTINGS: Settings = {
  theme: 'dark',
  nested: { list: [1, 2, 3], flag: false },
  text: 'quote " and \\ and ü',
};
const TAGS = ['plain', 'with,comma', 'with "quotes"', 'with {braces}', 'NULL', ''];

let gateway: Gateway;
const neonSQL = connectSQL();
// Creating the drizzle instance installs its timestamp parsers (raw strings) for the whole process,
// exactly as in the Worker, so timestamptz values from `neonSQL` below are Postgres's own text.
const db = connectDrizzle();

beforeAll(async () => {
  gateway = await startTestGateway();
  await neonSQL.query(`CREATE TABLE "${TABLE_NAME}" (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at timestamptz, created_at_text timestamptz, active boolean, settings jsonb, counter bigint,
    payload bytea, tags text[], scores integer[], note text)`);
});

afterAll(async () => {
  await neonSQL.query(`DROP TABLE IF EXISTS "${TABLE_NAME}"`);
  await gateway?.close();
});

describe('sql tagged templates', () => {
  it('return literals of every common type parsed as Neon returns them', async () => {
    const [row] = await neonSQL`SELECT
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS id,
      '2024-02-29 12:34:56.789+02'::timestamptz AS at,
      true AS yes, false AS no,
      '{"theme":"dark","nested":{"list":[1,2,3],"flag":false}}'::jsonb AS doc,
      9007199254740993::bigint AS big,
      '\\x00ff10'::bytea AS bytes,
      ARRAY['plain', 'with,comma', 'with "quotes"']::text[] AS tags,
      ARRAY[1, 2, 3]::int[] AS ints,
      ARRAY[]::int[] AS empty,
      null::text AS nothing`;
    expect(row).toEqual({
      id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      // The session is UTC, as on Neon.
      at: '2024-02-29 10:34:56.789+00',
      yes: true,
      no: false,
      doc: { theme: 'dark', nested: { list: [1, 2, 3], flag: false } },
      big: '9007199254740993',
      bytes: Buffer.from([0x00, 0xff, 0x10]),
      tags: ['plain', 'with,comma', 'with "quotes"'],
      ints: [1, 2, 3],
      empty: [],
      nothing: null,
    });
  });

  it('send parameters of every common type as text that Postgres reads back unchanged', async () => {
    const at = new Date('2024-02-29T23:59:59.123Z');
    const [row] = await neonSQL`SELECT
      ${'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'}::uuid AS id,
      ${at}::timestamptz AS at,
      ${true}::boolean AS yes, ${false}::boolean AS no,
      ${JSON.stringify(SETTINGS)}::jsonb AS doc,
      ${BIG_INTEGER.toString()}::bigint AS big,
      ${Buffer.from([1, 2, 254])}::bytea AS bytes,
      ${TAGS}::text[] AS tags,
      ${[10, -20, 30]}::int[] AS ints,
      ${null}::text AS nothing`;
    expect(row).toEqual({
      id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      at: '2024-02-29 23:59:59.123+00',
      yes: true,
      no: false,
      doc: SETTINGS,
      big: BIG_INTEGER.toString(),
      bytes: Buffer.from([1, 2, 254]),
      tags: TAGS,
      ints: [10, -20, 30],
      nothing: null,
    });
  });

  it('keep NULL and the text "NULL" apart inside arrays', async () => {
    const [row] = await neonSQL`SELECT ARRAY['NULL', null]::text[] AS tags, ARRAY[1, null]::int[] AS ints`;
    expect(row).toEqual({ tags: ['NULL', null], ints: [1, null] });
  });
});

describe('a drizzle table', () => {
  it('round-trips a row of every common type through insert … returning and select', async () => {
    const createdAt = new Date('2024-03-01T00:00:00.001Z');
    const values = {
      createdAt,
      createdAtText: '2024-03-01 08:30:00+05:30',
      active: true,
      settings: SETTINGS,
      counter: BIG_INTEGER,
      payload: Buffer.from('bytes \u0000 with a NUL'),
      tags: TAGS,
      scores: [1, 0, -1],
      note: 'ü ✓ 🙂',
    };
    const [inserted] = await db.insert(things).values(values).returning();
    const expected = { ...values, id: inserted?.id, createdAtText: '2024-03-01 03:00:00+00' };
    expect(inserted).toEqual(expected);
    expect(inserted?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const [selected] = await db
      .select()
      .from(things)
      .where(eq(things.id, inserted?.id ?? ''));
    expect(selected).toEqual(expected);
  });

  it('round-trips a row of nulls', async () => {
    const [inserted] = await db.insert(things).values({}).returning();
    expect(inserted).toMatchObject({
      createdAt: null,
      createdAtText: null,
      active: null,
      settings: null,
      counter: null,
      payload: null,
      tags: null,
      scores: null,
      note: null,
    });
  });

  it('filters on booleans, arrays and jsonb in the database, not in the client', async () => {
    const marker = createTableName('marker');
    await db.insert(things).values([
      { note: marker, active: false, tags: ['x'], settings: { ...SETTINGS, theme: 'light' } },
      { note: marker, active: true, tags: ['x', 'y'], settings: SETTINGS },
    ]);
    const rows = await db
      .select({ note: things.note, active: things.active })
      .from(things)
      .where(
        and(
          eq(things.note, marker),
          eq(things.active, true),
          sql`'y' = ANY(${things.tags})`,
          sql`${things.settings}->>'theme' = 'dark'`,
        ),
      );
    expect(rows).toEqual([{ note: marker, active: true }]);
  });
});
