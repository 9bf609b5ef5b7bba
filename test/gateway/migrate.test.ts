// Migrations: the gateway and `npm run db:migrate` apply drizzle/ with drizzle's node-postgres migrator,
// in one transaction, once.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackend } from '../../tools/gateway/backends.ts';
import { applyMigrations, MIGRATIONS_FOLDER } from '../../tools/gateway/migrate.ts';
import type { Gateway } from '../../tools/gateway/server.ts';
import { connectSQL, createTableName, startTestGateway } from './fixture.ts';

const runFile = promisify(execFile);
const DB_MIGRATE_SCRIPT = new URL('../../tools/db-migrate.ts', import.meta.url).pathname;

type Journal = { entries: { tag: string; when: number }[] };

let gateway: Gateway;
const sql = connectSQL();

beforeAll(async () => {
  gateway = await startTestGateway();
});

afterAll(async () => {
  await gateway?.close();
});

async function readJournal(): Promise<Journal> {
  return JSON.parse(await readFile(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as Journal;
}

describe('gateway.migrate()', () => {
  it('applies every migration in drizzle/ and is a no-op the second time', async () => {
    const journal = await readJournal();
    await gateway.migrate();
    const [first] = await sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`;
    await gateway.migrate();
    const [second] =
      await sql`SELECT count(*)::int AS n, max(created_at) AS last FROM drizzle.__drizzle_migrations`;
    expect(first).toEqual({ n: journal.entries.length });
    expect(second).toEqual({ n: journal.entries.length, last: String(journal.entries.at(-1)?.when) });
    const [tables] = await sql`SELECT to_regclass('public.users')::text AS users`;
    expect(tables).toEqual({ users: 'users' });
  });
});

// Production is Neon on PostgreSQL 17 (README); CI's server is 15 and PGlite is 18. So what the schema and
// the queries use must exist in 15: CI runs them there, and this catches, before any run, the newer
// features most likely to slip in from PGlite (18) or from 16–18 release notes.
const NEWER_THAN_POSTGRES_15: [RegExp, string][] = [
  [/\buuidv7\s*\(|\buuidv4\s*\(/i, 'uuidv7()/uuidv4() (18)'],
  [/\breturning\s+(old|new)\b/i, 'RETURNING OLD/NEW (18)'],
  [/\bvirtual\b/i, 'virtual generated columns (18)'],
  [/\bwithout\s+overlaps\b/i, 'WITHOUT OVERLAPS (18)'],
  [
    /\bjson_table\s*\(|\bjson_query\s*\(|\bjson_value\s*\(|\bjson_exists\s*\(/i,
    'SQL/JSON query functions (17)',
  ],
  [/\bmerge\s+into\b[\s\S]*?\breturning\b/i, 'MERGE … RETURNING (17)'],
  [
    /\bany_value\s*\(|\bjson_array\s*\(|\bjson_object\s*\(|\bis\s+json\b/i,
    'SQL/JSON constructors, ANY_VALUE (16)',
  ],
];

describe('PostgreSQL version', () => {
  it('nothing in drizzle/ or src/db needs more than PostgreSQL 15', async () => {
    const { readdir } = await import('node:fs/promises');
    const sourceDir = new URL('../../src/db/', import.meta.url).pathname;
    const files = [
      ...(await readdir(MIGRATIONS_FOLDER))
        .filter((name) => name.endsWith('.sql'))
        .map((name) => join(MIGRATIONS_FOLDER, name)),
      ...(await readdir(sourceDir, { recursive: true }))
        .filter((name) => name.endsWith('.ts'))
        .map((name) => join(sourceDir, name)),
    ];
    expect(files.some((file) => file.endsWith('.sql'))).toBe(true);
    const findings: string[] = [];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      for (const [pattern, feature] of NEWER_THAN_POSTGRES_15) {
        if (pattern.test(text)) findings.push(`${file}: ${feature}`);
      }
    }
    expect(findings).toEqual([]);
  });
});

describe('applyMigrations', () => {
  it('does nothing when the folder has no migrations yet', async () => {
    const pool = new pg.Pool({ connectionString: 'postgresql://nobody@127.0.0.1:1/never' });
    try {
      // Never connects: the missing journal is detected first.
      expect(await applyMigrations(pool, join(tmpdir(), createTableName('no-migrations')))).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it('applies a migration all or nothing', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'gw-migrations-'));
    const table = createTableName('gw_half_migrated');
    try {
      await mkdir(join(folder, 'meta'));
      // Far in the future, so drizzle does not skip it as older than the migrations already applied.
      const journal = {
        version: '7',
        dialect: 'postgresql',
        entries: [{ idx: 0, version: '7', when: 8e12, tag: '0000_fails', breakpoints: true }],
      };
      await writeFile(join(folder, 'meta', '_journal.json'), JSON.stringify(journal));
      await writeFile(
        join(folder, '0000_fails.sql'),
        `CREATE TABLE "${table}" (id int);\n--> statement-breakpoint\nSELECT 1 / 0;`,
      );
      // A backend of its own (the gateway's in-memory PGlite is out of reach), on the same database.
      const backend = await openBackend({ databaseUrl: process.env.DATABASE_URL || undefined });
      try {
        await expect(applyMigrations(backend.pool, folder)).rejects.toMatchObject({
          cause: { code: '22012' },
        });
        const { rows } = await backend.pool.query('SELECT to_regclass($1)::text AS name', [table]);
        expect(rows).toEqual([{ name: null }]);
        // Nothing recorded either, so a fixed migration would still run.
        const recorded = await backend.pool.query(
          'SELECT 1 FROM drizzle.__drizzle_migrations WHERE created_at = $1',
          ['8000000000000'],
        );
        expect(recorded.rowCount).toBe(0);
      } finally {
        await backend.close();
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('npm run db:migrate (tools/db-migrate.ts)', () => {
  it('explains in one sentence that DATABASE_URL is required', async () => {
    const { DATABASE_URL: _ignored, ...env } = process.env;
    const failure = await runFile(process.execPath, [DB_MIGRATE_SCRIPT], { env }).catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^db:migrate: set DATABASE_URL .*\.\n$/),
    });
  });

  // With a real PostgreSQL in DATABASE_URL it migrates (idempotently); in the PGlite run there is no TCP
  // server, so the same script must fail in one sentence instead of a stack trace.
  it(
    process.env.DATABASE_URL
      ? 'migrates DATABASE_URL and exits 0, twice'
      : 'explains an unreachable DATABASE_URL in one sentence',
    async () => {
      if (!process.env.DATABASE_URL) {
        const env = { ...process.env, DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/nothing' };
        const failure = await runFile(process.execPath, [DB_MIGRATE_SCRIPT], { env }).catch(
          (error: unknown) => error,
        );
        expect(failure).toMatchObject({
          code: 1,
          stderr: expect.stringMatching(/^db:migrate: failed: .+\n$/),
        });
        return;
      }
      for (let run = 0; run < 2; run += 1) {
        const { stdout } = await runFile(process.execPath, [DB_MIGRATE_SCRIPT], { env: process.env });
        expect(stdout).toMatch(/^db:migrate: \d+ migration\(s\) applied to /);
      }
      const [row] = await sql`SELECT to_regclass('public.users')::text AS users`;
      expect(row).toEqual({ users: 'users' });
    },
  );
});
