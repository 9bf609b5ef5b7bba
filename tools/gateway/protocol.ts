// Neon's SQL-over-HTTP protocol, server side (facts: docs NEON_HTTP.md): read a /sql request, run it on a
// pooled connection the way Neon's proxy runs it on Postgres, and shape the JSON exactly as Neon does,
// because @neondatabase/serverless parses that JSON and nothing else.
import type { IncomingHttpHeaders } from 'node:http';
import type pg from 'pg';
import type { Backend } from './backends.ts';
import { formatError, NeonError } from './errors.ts';
import { type Session, withSession } from './session.ts';

export type SqlQuery = { query: string; params: unknown[]; arrayMode?: boolean };

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

// Neon checks the response size before adding each row, so one row past the limit still returns and the
// next one is refused (507, "response is too large"); the check counts the whole response so far.
export const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
const INSUFFICIENT_STORAGE_STATUS = 507;

// Neon's wording for a body it cannot read as a single query or a batch (serde's, then its own).
const UNPARSABLE_BODY = 'could not parse the HTTP request body';

export function parseSqlRequest(bodyText: string, headers: IncomingHttpHeaders): SqlRequest {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch (error) {
    throw new NeonError(`${UNPARSABLE_BODY}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isRecord(body)) throw new NeonError(`${UNPARSABLE_BODY}: expected a JSON object`);
  const arrayMode = readFlagHeader(headers, 'neon-array-mode');
  // Headers first, as Neon: a bad isolation level is refused whatever the body.
  const options = readBatchOptions(headers);
  if (Array.isArray(body.queries)) {
    return { kind: 'batch', queries: body.queries.map(readSqlQuery), options, arrayMode };
  }
  return { kind: 'query', query: readSqlQuery(body), arrayMode };
}

export function countQueries(request: SqlRequest): number {
  return request.kind === 'batch' ? request.queries.length : 1;
}

export async function executeSqlRequest(
  backend: Backend,
  request: SqlRequest,
  signal: AbortSignal,
): Promise<SqlResponse> {
  try {
    const budget = { usedBytes: 0 };
    const body = await withSession(backend, signal, async (session) => {
      if (request.kind === 'query') {
        const result = await runQuery(session.client, request.query);
        return formatQueryResult(result, request.query.arrayMode ?? request.arrayMode, budget);
      }
      return { results: await runBatch(session, request, budget) };
    });
    return { status: 200, body };
  } catch (error) {
    return formatError(error);
  }
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
    throw new NeonError(`${UNPARSABLE_BODY}: each query must be an object with a "query" string`);
  }
  const params = value.params ?? [];
  if (!Array.isArray(params)) throw new NeonError(`${UNPARSABLE_BODY}: "params" must be an array`);
  // Neon lets each query override Neon-Array-Mode with its own "arrayMode".
  const arrayMode = typeof value.arrayMode === 'boolean' ? value.arrayMode : undefined;
  return { query: value.query, params, arrayMode };
}

function readBatchOptions(headers: IncomingHttpHeaders): BatchOptions {
  const isolationLevel = headers['neon-batch-isolation-level'];
  if (isolationLevel !== undefined && !isIsolationLevel(isolationLevel)) {
    throw new NeonError('invalid isolation level');
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

// Each statement is formatted as it completes, so the size check spans the whole batch, as on Neon. A
// failure leaves the transaction open or aborted; the session reset (ROLLBACK first) ends it.
async function runBatch(
  session: Session,
  request: Extract<SqlRequest, { kind: 'batch' }>,
  budget: ResponseBudget,
): Promise<FormattedResult[]> {
  const { client } = session;
  await client.query(buildStartTransaction(request.options));
  const results: FormattedResult[] = [];
  for (const query of request.queries) {
    // An abandoned batch stops here: on PGlite, where a running statement cannot be cancelled, this is
    // the only place it can stop. Its statements chain without an I/O turn, so give the socket's close
    // event one (setImmediate runs after the poll phase) before deciding.
    await new Promise((resolve) => setImmediate(resolve));
    session.throwIfCancelled();
    const result = await runQuery(client, query);
    results.push(formatQueryResult(result, query.arrayMode ?? request.arrayMode, budget));
  }
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

type ResponseBudget = { usedBytes: number };

type FormattedResult = ReturnType<typeof formatQueryResult>;

function formatQueryResult(result: pg.QueryArrayResult, arrayMode: boolean, budget: ResponseBudget) {
  const fields = result.fields.map((field) => ({
    name: field.name,
    dataTypeID: field.dataTypeID,
    tableID: field.tableID,
    columnID: field.columnID,
    dataTypeSize: field.dataTypeSize,
    dataTypeModifier: field.dataTypeModifier,
    format: 'text',
  }));
  budget.usedBytes += Buffer.byteLength(JSON.stringify(fields));
  const rows: unknown[] = [];
  for (const row of result.rows) {
    if (budget.usedBytes > MAX_RESPONSE_BYTES) {
      throw new NeonError(`response is too large (max is ${MAX_RESPONSE_BYTES} bytes)`, {
        status: INSUFFICIENT_STORAGE_STATUS,
      });
    }
    const shaped = arrayMode ? row : toRowObject(fields, row);
    budget.usedBytes += Buffer.byteLength(JSON.stringify(shaped)) + 1;
    rows.push(shaped);
  }
  return {
    // node-postgres already splits the command tag: its first word, and its row count (INSERT's second number).
    command: result.command ?? '',
    rowCount: result.rowCount ?? null,
    rowAsArray: arrayMode,
    fields,
    rows,
  };
}

function toRowObject(fields: { name: string }[], row: unknown[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((field, index) => [field.name, row[index] ?? null]));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
