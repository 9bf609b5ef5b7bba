// Neon's SQL-over-HTTP protocol, server side (facts: docs NEON_HTTP.md): read a /sql request, run it on a
// node-postgres Pool the way Neon's proxy runs it on Postgres, and shape the JSON exactly as Neon does,
// because @neondatabase/serverless parses that JSON and nothing else.
import type { IncomingHttpHeaders } from 'node:http';
import type pg from 'pg';

export type SqlQuery = { query: string; params: unknown[] };

export type IsolationLevel = keyof typeof ISOLATION_LEVEL_SQL;

export type BatchOptions = { isolationLevel?: IsolationLevel; readOnly: boolean; deferrable: boolean };

export type SqlRequest =
  | { kind: 'query'; query: SqlQuery; arrayMode: boolean }
  | { kind: 'batch'; queries: SqlQuery[]; options: BatchOptions; arrayMode: boolean };

export type SqlResponse = { status: number; body: unknown };

// The values of Neon-Batch-Isolation-Level the client sends, and the SQL each one means.
const ISOLATION_LEVEL_SQL = {
  ReadUncommitted: 'READ UNCOMMITTED',
  ReadCommitted: 'READ COMMITTED',
  RepeatableRead: 'REPEATABLE READ',
  Serializable: 'SERIALIZABLE',
} as const;

// Every field the client copies from an error body onto its NeonDbError (null when absent).
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
] as const;

// The client turns a 400 into a NeonDbError carrying these fields; any other status becomes a generic
// "Server error (HTTP status N)" without a code, which is what a broken request or a dead database is.
const POSTGRES_ERROR_STATUS = 400;
const BAD_GATEWAY_STATUS = 502;

// A SQLSTATE is five digits or upper-case letters; network errors carry codes like ECONNREFUSED instead.
const SQLSTATE_PATTERN = /^[0-9A-Z]{5}$/;

export class RequestError extends Error {
  readonly status: number;
  constructor(message: string, status = POSTGRES_ERROR_STATUS) {
    super(message);
    this.status = status;
  }
}

export function parseSqlRequest(bodyText: string, headers: IncomingHttpHeaders): SqlRequest {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    throw new RequestError('request body is not valid JSON');
  }
  if (!isRecord(body)) throw new RequestError('request body must be a JSON object');
  const arrayMode = readFlagHeader(headers, 'neon-array-mode');
  if (Array.isArray(body.queries)) {
    return {
      kind: 'batch',
      queries: body.queries.map(readSqlQuery),
      options: readBatchOptions(headers),
      arrayMode,
    };
  }
  return { kind: 'query', query: readSqlQuery(body), arrayMode };
}

export function countQueries(request: SqlRequest): number {
  return request.kind === 'batch' ? request.queries.length : 1;
}

export async function executeSqlRequest(pool: pg.Pool, request: SqlRequest): Promise<SqlResponse> {
  try {
    const body = await withSession(pool, async (client) => {
      if (request.kind === 'query') {
        return formatQueryResult(await runQuery(client, request.query), request.arrayMode);
      }
      const results = await runBatch(client, request.queries, request.options);
      return { results: results.map((result) => formatQueryResult(result, request.arrayMode)) };
    });
    return { status: 200, body };
  } catch (error) {
    return formatError(error);
  }
}

export function formatError(error: unknown): SqlResponse {
  if (error instanceof RequestError) {
    return { status: error.status, body: formatErrorBody(error.message, {}) };
  }
  if (isPostgresError(error)) {
    return { status: POSTGRES_ERROR_STATUS, body: formatErrorBody(error.message, error) };
  }
  // Not a Postgres answer (connection refused or lost): the database is unreachable, not the query wrong.
  const message = error instanceof Error ? error.message : String(error);
  return { status: BAD_GATEWAY_STATUS, body: { message: `database unreachable: ${message}` } };
}

export function buildStartTransaction(options: BatchOptions): string {
  const modes: string[] = [];
  if (options.isolationLevel) modes.push(`ISOLATION LEVEL ${ISOLATION_LEVEL_SQL[options.isolationLevel]}`);
  if (options.readOnly) modes.push('READ ONLY');
  if (options.deferrable) modes.push('DEFERRABLE');
  return modes.length > 0 ? `START TRANSACTION ${modes.join(', ')}` : 'START TRANSACTION';
}

function readSqlQuery(value: unknown): SqlQuery {
  if (!isRecord(value) || typeof value.query !== 'string') {
    throw new RequestError('each query must be an object with a "query" string');
  }
  const params = value.params ?? [];
  if (!Array.isArray(params)) throw new RequestError('"params" must be an array');
  return { query: value.query, params };
}

function readBatchOptions(headers: IncomingHttpHeaders): BatchOptions {
  const isolationLevel = headers['neon-batch-isolation-level'];
  if (isolationLevel !== undefined && !isIsolationLevel(isolationLevel)) {
    throw new RequestError(`invalid Neon-Batch-Isolation-Level: ${String(isolationLevel)}`);
  }
  return {
    isolationLevel,
    readOnly: readFlagHeader(headers, 'neon-batch-read-only'),
    deferrable: readFlagHeader(headers, 'neon-batch-deferrable'),
  };
}

// As in Neon's proxy, a flag header is on only when it is exactly "true".
function readFlagHeader(headers: IncomingHttpHeaders, name: string): boolean {
  return headers[name] === 'true';
}

function isIsolationLevel(value: unknown): value is IsolationLevel {
  return typeof value === 'string' && Object.hasOwn(ISOLATION_LEVEL_SQL, value);
}

// Borrows one connection for the whole request and never hands it back inside a transaction: Neon
// discards a connection left in one (a bare BEGIN), and the next request would otherwise inherit it.
async function withSession<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let brokenBy: Error | undefined;
  try {
    return await work(client);
  } catch (error) {
    // A Postgres error leaves the connection usable; anything else (socket lost) means throw it away.
    if (!isPostgresError(error)) brokenBy = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    brokenBy ??= await rollbackOpenTransaction(client);
    client.release(brokenBy);
  }
}

// The status comes from the last ReadyForQuery message, so checking it costs no round trip.
async function rollbackOpenTransaction(client: pg.PoolClient): Promise<Error | undefined> {
  if (client.getTransactionStatus() === 'I') return undefined;
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

// A failing query leaves the transaction aborted; withSession then rolls it back before release.
async function runBatch(
  client: pg.PoolClient,
  queries: SqlQuery[],
  options: BatchOptions,
): Promise<pg.QueryArrayResult[]> {
  await client.query(buildStartTransaction(options));
  const results: pg.QueryArrayResult[] = [];
  for (const query of queries) results.push(await runQuery(client, query));
  await client.query('COMMIT');
  return results;
}

type ExtendedQueryConfig = pg.QueryArrayConfig & { queryMode: 'extended' };

// Always the extended protocol, as Neon: one statement per query, so "select 1; select 2" fails with
// 42601 instead of silently running both (node-postgres would use the simple protocol without params).
function runQuery(client: pg.PoolClient, query: SqlQuery): Promise<pg.QueryArrayResult> {
  const config: ExtendedQueryConfig = {
    text: query.query,
    values: query.params,
    rowMode: 'array',
    queryMode: 'extended',
  };
  return client.query(config);
}

function formatQueryResult(result: pg.QueryArrayResult, arrayMode: boolean) {
  const fields = result.fields.map((field) => ({
    name: field.name,
    dataTypeID: field.dataTypeID,
    tableID: field.tableID,
    columnID: field.columnID,
    dataTypeSize: field.dataTypeSize,
    dataTypeModifier: field.dataTypeModifier,
    format: 'text',
  }));
  return {
    // node-postgres already splits the command tag: its first word, and its row count (INSERT's second number).
    command: result.command ?? '',
    rowCount: result.rowCount ?? null,
    rowAsArray: arrayMode,
    fields,
    rows: arrayMode ? result.rows : result.rows.map((row) => toRowObject(fields, row)),
  };
}

function toRowObject(fields: { name: string }[], row: unknown[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((field, index) => [field.name, row[index] ?? null]));
}

function formatErrorBody(message: string, source: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = { message };
  for (const field of ERROR_FIELDS) body[field] = source[field] ?? null;
  return body;
}

type PostgresError = Error & Record<string, unknown> & { code: string; severity: string };

// Duck-typed, not instanceof: PGlite's errors come from its own copy of pg-protocol.
function isPostgresError(error: unknown): error is PostgresError {
  if (!(error instanceof Error)) return false;
  const { code, severity } = error as Error & { code?: unknown; severity?: unknown };
  return typeof code === 'string' && SQLSTATE_PATTERN.test(code) && typeof severity === 'string';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
