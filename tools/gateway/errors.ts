// Every error the gateway answers, shaped as Neon's proxy shapes it (proxy/src/serverless/sql_over_http.rs):
// JSON with `message` and every field the client copies onto its NeonDbError. A Postgres error fills them
// from the server's answer; an error of the proxy's own (bad header, body too large, wrong password) has
// `code` and `severity` "" and the rest null, exactly as Neon serialises a missing database error.

export type ErrorAnswer = { status: number; body: Record<string, unknown> };

// The client turns a 400 into a NeonDbError carrying these fields; any other status becomes a generic
// "Server error (HTTP status N)" without a code.
export const BAD_REQUEST_STATUS = 400;
const BAD_GATEWAY_STATUS = 502;

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

// Neon's answer when the client went away mid-query (nobody reads it, but the log line does).
const CANCELLED_MESSAGE = 'Query cancelled, connection was terminated';
const PROTOCOL_VIOLATION = '08P01';

// A SQLSTATE is five digits or upper-case letters; network errors carry codes like ECONNREFUSED instead.
const SQLSTATE_PATTERN = /^[0-9A-Z]{5}$/;

/** An error Neon's proxy raises itself, before or around Postgres: its message, status and (rarely) code. */
export class NeonError extends Error {
  readonly status: number;
  readonly code: string;
  readonly severity: string;
  constructor(message: string, options: { status?: number; code?: string; severity?: string } = {}) {
    super(message);
    this.status = options.status ?? BAD_REQUEST_STATUS;
    this.code = options.code ?? '';
    this.severity = options.severity ?? '';
  }
}

/** The request's client went away; whatever ran for it was cancelled. */
export class CancelledError extends Error {
  constructor() {
    super(CANCELLED_MESSAGE);
  }
}

export function formatError(error: unknown): ErrorAnswer {
  if (error instanceof NeonError) {
    return { status: error.status, body: formatErrorBody(error.message, error) };
  }
  if (error instanceof CancelledError) {
    return { status: BAD_REQUEST_STATUS, body: { message: error.message, code: PROTOCOL_VIOLATION } };
  }
  if (isPostgresError(error)) {
    return { status: BAD_REQUEST_STATUS, body: formatErrorBody(error.message, error) };
  }
  // Not a Postgres answer (connection refused or lost): the database is unreachable, not the query wrong.
  const message = error instanceof Error ? error.message : String(error);
  return { status: BAD_GATEWAY_STATUS, body: { message: `database unreachable: ${message}` } };
}

function formatErrorBody(message: string, source: object): Record<string, unknown> {
  const fields = source as Record<string, unknown>;
  const body: Record<string, unknown> = { message };
  for (const field of ERROR_FIELDS) body[field] = fields[field] ?? null;
  return body;
}

export type PostgresError = Error & Record<string, unknown> & { code: string; severity: string };

// Duck-typed, not instanceof: PGlite's errors come from its own copy of pg-protocol.
export function isPostgresError(error: unknown): error is PostgresError {
  if (!(error instanceof Error)) return false;
  const { code, severity } = error as Error & { code?: unknown; severity?: unknown };
  return typeof code === 'string' && SQLSTATE_PATTERN.test(code) && typeof severity === 'string';
}

// Whether a request's failure leaves its connection unusable. FATAL and PANIC end the backend (57P01
// after pg_terminate_backend, a restart, a failover): Postgres answered, but the connection is gone.
// Any other error that is not the gateway's own (a lost socket) means the same.
export function endsSession(error: unknown): boolean {
  if (error instanceof NeonError || error instanceof CancelledError) return false;
  if (!isPostgresError(error)) return true;
  return error.severity === 'FATAL' || error.severity === 'PANIC';
}
