// The gateway as developers run it: `node tools/gateway/main.ts` prints one line with its URL once it is
// migrated and serving, and stops cleanly on a signal; a PGlite data directory survives a restart.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../tools/gateway/server.ts';
import { findFreePort } from '../../tools/local-stack.ts';
import { CONNECTION_STRING, createTableName } from './fixture.ts';

const runFile = promisify(execFile);
const MAIN_SCRIPT = new URL('../../tools/gateway/main.ts', import.meta.url).pathname;
const READY_LINE =
  /^gateway \((pglite|postgres), [^)]+\) serving Neon SQL-over-HTTP at (http:\/\/\S+\/sql)$/m;

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gw-pglite-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function querySQL(sqlUrl: string, query: string): Promise<unknown[][]> {
  const response = await fetch(sqlUrl, {
    method: 'POST',
    headers: { 'Neon-Connection-String': CONNECTION_STRING, 'Neon-Array-Mode': 'true' },
    body: JSON.stringify({ query, params: [] }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { rows: unknown[][] }).rows;
}

async function waitForReadyLine(child: ChildProcess): Promise<RegExpMatchArray> {
  let output = '';
  child.stdout?.setEncoding('utf8');
  for await (const chunk of child.stdout as AsyncIterable<string>) {
    output += chunk;
    const match = output.match(READY_LINE);
    if (match) return match;
  }
  throw new Error(`gateway exited without its ready line; output: ${output}`);
}

describe('node tools/gateway/main.ts', () => {
  it('migrates, prints its URL on GATEWAY_PORT, serves, and exits 0 on SIGTERM', async () => {
    const port = await findFreePort();
    const child = spawn(process.execPath, [MAIN_SCRIPT], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, GATEWAY_PORT: String(port) },
    });
    try {
      const [, backendName, sqlUrl] = await waitForReadyLine(child);
      expect(backendName).toBe(process.env.DATABASE_URL ? 'postgres' : 'pglite');
      expect(sqlUrl).toBe(`http://127.0.0.1:${port}/sql`);
      expect(await querySQL(sqlUrl ?? '', "SELECT to_regclass('public.users')::text")).toEqual([['users']]);
      child.kill('SIGTERM');
      const [exitCode] = await once(child, 'exit');
      expect(exitCode).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 90_000);

  it('refuses a GATEWAY_PORT that is not a port, in one sentence', async () => {
    const env = { ...process.env, GATEWAY_PORT: 'nope' };
    const failure = await runFile(process.execPath, [MAIN_SCRIPT], { env }).catch((error: unknown) => error);
    expect(failure).toMatchObject({
      code: 1,
      stderr: 'gateway: the gateway port must be 0–65535, got "nope"\n',
    });
  });

  it('refuses DATABASE_URL together with --data-dir, in one sentence', async () => {
    const env = { ...process.env, DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/never' };
    const failure = await runFile(process.execPath, [MAIN_SCRIPT, '--data-dir', dataDir], { env }).catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({
      code: 1,
      stderr: 'gateway: Use either DATABASE_URL or --data-dir, not both.\n',
    });
  });
});

describe('PGlite with a data directory', () => {
  // Two PGlite starts on a data directory: slow on a loaded machine.
  it('keeps its data across a restart', { timeout: 90_000 }, async () => {
    const table = createTableName('gw_persisted');
    const first = await startGateway({ dataDir });
    try {
      await querySQL(first.sqlUrl, `CREATE TABLE ${table} AS SELECT 'kept'::text AS value`);
    } finally {
      await first.close();
    }
    const second = await startGateway({ dataDir });
    try {
      expect(await querySQL(second.sqlUrl, `SELECT value FROM ${table}`)).toEqual([['kept']]);
      // The session timezone is set at every start, not only when the directory is created.
      expect(await querySQL(second.sqlUrl, 'SHOW timezone')).toEqual([['UTC']]);
    } finally {
      await second.close();
    }
  });
});
