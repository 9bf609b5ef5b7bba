// Classifies driver errors. drizzle wraps them in DrizzleQueryError; a Postgres error carries its SQLSTATE
// on `cause.code`, while a network or gateway failure has none.
const SQLSTATE = /^[0-9A-Z]{5}$/;

function causeOf(error: unknown): unknown {
  return error instanceof Error && 'cause' in error && error.cause ? error.cause : error;
}

export function postgresErrorCode(error: unknown): string | undefined {
  const cause = causeOf(error) as { code?: unknown };
  return typeof cause?.code === 'string' && SQLSTATE.test(cause.code) ? cause.code : undefined;
}

export function postgresConstraint(error: unknown): string | undefined {
  const cause = causeOf(error) as { constraint?: unknown };
  return typeof cause?.constraint === 'string' ? cause.constraint : undefined;
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  return postgresErrorCode(error) === '23505' && (!constraint || postgresConstraint(error) === constraint);
}

// The database could not be reached or answered with a server error: a retryable fault, not a bug.
// drizzle wraps single-query failures in DrizzleQueryError, but db.batch() rejects with the driver's bare
// NeonDbError, so both are database errors.
const DATABASE_ERROR_NAMES = new Set(['DrizzleQueryError', 'NeonDbError']);

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error) || !DATABASE_ERROR_NAMES.has(error.name)) return false;
  const code = postgresErrorCode(error);
  // No SQLSTATE: fetch failed or the HTTP layer answered non-400. Class 08 (connection), 53 (resources),
  // 57P (operator intervention: shutdown, crash) are transient on the Postgres side.
  return !code || code.startsWith('08') || code.startsWith('53') || code.startsWith('57P');
}
