// Turns anything thrown into an RFC 9457 response. Known problems pass through; body-parsing failures
// become 4xx; database outages 503; everything else a generic 500 whose details stay in the log.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from '../app-env';
import { isDatabaseError, isDatabaseUnavailable, isUnstorableText, postgresErrorCode } from '../db/errors';
import { logRequestEvent } from './log';
import { MAX_BODY_BYTES } from './middleware/body-limit';
import { ProblemError, problems } from './problem';

export function toProblem(error: unknown): ProblemError {
  if (error instanceof ProblemError) return error;
  if (error instanceof HTTPException) {
    if (error.status === 400)
      return problems.malformedBody(`The request body could not be parsed: ${error.message}`);
    if (error.status === 413) return problems.bodyTooLarge(MAX_BODY_BYTES);
    if (error.status === 415) return problems.unsupportedMediaType();
    return new ProblemError(error.status === 404 ? 404 : 400, 'bad_request', error.message || 'Bad request.');
  }
  if (isDatabaseUnavailable(error)) return problems.databaseUnavailable();
  // Second line of defence behind the schemas' text rules: text Postgres refuses is the client's, not a 500.
  if (isUnstorableText(error)) return problems.invalidText();
  return problems.internal();
}

export function handleError(error: unknown, c: Context<AppEnv>): Response {
  const problem = toProblem(error);
  if (problem.status >= 500) {
    // Database errors quote the SQL and its parameters (password hashes, token hashes): log only their
    // SQLSTATE; other errors are ours, and their message names the bug.
    const databaseError = isDatabaseError(error);
    logRequestEvent(c.req.raw, c.get('requestId'), {
      event: 'error',
      code: problem.code,
      error_name: databaseError ? 'DatabaseError' : error instanceof Error ? error.name : typeof error,
      ...(databaseError
        ? { sqlstate: postgresErrorCode(error) ?? null }
        : { error_message: error instanceof Error ? error.message.slice(0, 200) : undefined }),
    });
  }
  return problem.toResponse();
}
