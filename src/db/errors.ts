// Classifies driver errors. drizzle wraps single-query failures in DrizzleQueryError (whose message quotes
// the SQL and its parameters: never log it); db.batch() rejects with the driver's bare NeonDbError. A
// Postgres error carries its SQLSTATE on `code` (directly or on `cause`); a network or gateway failure none.
import { NeonDbError } from '@neondatabase/serverless';
import { DrizzleQueryError } from 'drizzle-orm/errors';

const SQLSTATE = /^[0-9A-Z]{5}$/;

function causeOf(error: unknown): unknown {
  return error instanceof DrizzleQueryError && error.cause ? error.cause : error;
}

export function isDatabaseError(error: unknown): boolean {
  return error instanceof DrizzleQueryError || error instanceof NeonDbError;
}

export function postgresErrorCode(error: unknown): string | undefined {
  const cause = causeOf(error) as { code?: unknown } | undefined;
  return typeof cause?.code === 'string' && SQLSTATE.test(cause.code) ? cause.code : undefined;
}

export function postgresConstraint(error: unknown): string | undefined {
  const cause = causeOf(error) as { constraint?: unknown } | undefined;
  return typeof cause?.constraint === 'string' ? cause.constraint : undefined;
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  return postgresErrorCode(error) === '23505' && (!constraint || postgresConstraint(error) === constraint);
}

// The database could not be reached or answered with a server error: a retryable fault, not a bug.
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!isDatabaseError(error)) return false;
  const code = postgresErrorCode(error);
  // No SQLSTATE: fetch failed or the HTTP layer answered non-400. Class 08 (connection), 53 (resources),
  // 57P (operator intervention: shutdown, crash) are transient on the Postgres side.
  return !code || code.startsWith('08') || code.startsWith('53') || code.startsWith('57P');
}

// 22021 character_not_in_repertoire (a NUL, invalid UTF-8), 22P05 untranslatable_character: the input's
// fault, which the request schemas should already have refused.
export function isUnstorableText(error: unknown): boolean {
  if (!isDatabaseError(error)) return false;
  const code = postgresErrorCode(error);
  return code === '22021' || code === '22P05';
}
