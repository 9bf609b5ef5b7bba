// One way to declare an operation, so its OpenAPI entry says what the code does by construction:
// - middleware that can refuse a request declares the problems it throws (and, for auth, the security
//   scheme); an operation using it documents them and its padlock without repeating them;
// - request parts add the problems of parsing them (a body: 400/413/415/422; a query: 422);
// - the handler's own problems are listed as catalogue entries (`problems: [problems.totpMismatch()]`);
// - every error status comes from those lists (openapi-responses.ts); success responses are declared here.
// Public operations say `security: []` explicitly, so tools know no token is needed.
import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { COMMON_PROBLEMS, problemResponses } from './openapi-responses';
import type { ProblemError } from './problem';

export const BEARER_SCHEME = 'OAuth2PasswordBearer';
export const BEARER_SECURITY = [{ [BEARER_SCHEME]: [] }];

export type MiddlewareContract = {
  problems: readonly ProblemError[];
  security?: Record<string, string[]>[];
};

const CONTRACT = Symbol('openapi-contract');
type WithContract = { [CONTRACT]?: MiddlewareContract };

/** Marks a middleware with what it adds to every operation that uses it. */
export function withContract<M extends MiddlewareHandler>(middleware: M, contract: MiddlewareContract): M {
  return Object.assign(middleware, { [CONTRACT]: contract });
}

export type RouteContract = {
  /** Problems the handler (its service) can throw, from the catalogue in problem.ts. */
  problems?: readonly ProblemError[];
  /** Touches neither the database nor the queue (no 503). */
  offline?: true;
  /** Answers only after queueing an email (503 when the queue refuses it). */
  sendsEmail?: true;
};

export function defineRoute<
  P extends string,
  R extends Omit<RouteConfig, 'path'> & { path: P; operationId: string },
>(config: R & RouteContract) {
  const { problems: own = [], offline, sendsEmail, ...route } = config;
  for (const status of Object.keys(route.responses)) {
    if (Number(status) >= 400)
      throw new Error(`${route.operationId}: declare ${status} through its problems, not by hand`);
  }
  const contracts = [route.middleware ?? []]
    .flat()
    .map((middleware) => (middleware as WithContract)[CONTRACT])
    .filter((contract) => contract !== undefined);
  const request: NonNullable<RouteConfig['request']> = route.request ?? {};
  const thrown = [
    ...COMMON_PROBLEMS.every,
    ...(offline ? [] : COMMON_PROBLEMS.database),
    ...(sendsEmail ? COMMON_PROBLEMS.email : []),
    ...(request.query || request.params ? COMMON_PROBLEMS.query : []),
    ...(request.body ? COMMON_PROBLEMS.body : []),
    ...(!offline && (request.query || request.params || request.body) ? COMMON_PROBLEMS.storedText : []),
    ...contracts.flatMap((contract) => contract.problems),
    ...own,
  ];
  const security = route.security ?? contracts.find((contract) => contract.security)?.security ?? [];
  return createRoute({
    ...route,
    security,
    responses: { ...route.responses, ...problemResponses(thrown) },
  } as R & { security: NonNullable<RouteConfig['security']> });
}
