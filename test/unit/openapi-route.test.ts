// defineRoute is how every operation enters the OpenAPI document: its error statuses come from the problem
// catalogue (the route's own problems and what its middleware declares), never typed by hand.
import { createMiddleware } from 'hono/factory';
import { describe, expect, it } from 'vitest';
import { problemResponses } from '../../src/http/openapi-responses';
import { BEARER_SECURITY, defineRoute, withContract } from '../../src/http/openapi-route';
import { problems } from '../../src/http/problem';

const noop = createMiddleware(async (_c, next) => {
  await next();
});

describe('problemResponses', () => {
  it('gives one response per status, naming every code it stands for and the headers they carry', () => {
    const responses = problemResponses(problems.invalidCredentials(), [
      problems.malformedBody('x'),
      problems.accountLocked(3),
    ]);
    expect(Object.keys(responses)).toEqual(['400', '429']);
    expect(responses[400]?.description).toContain('`invalid_credentials`');
    expect(responses[400]?.description).toContain('`malformed_body`');
    expect(Object.keys(responses[429]?.headers ?? {})).toEqual(['Retry-After']);
  });
});

describe('defineRoute', () => {
  it('adds the middleware contract (padlock and its problems), the body problems and the defaults', () => {
    const guarded = withContract(noop, { problems: [problems.adminOnly()], security: BEARER_SECURITY });
    const route = defineRoute({
      operationId: 'example',
      method: 'post',
      path: '/example',
      middleware: [guarded] as const,
      request: { body: { content: { 'application/json': { schema: {} as never } } } },
      responses: { 204: { description: 'Done' } },
      problems: [problems.totpMismatch()],
    });
    expect(route.security).toEqual(BEARER_SECURITY);
    expect(Object.keys(route.responses).sort()).toEqual(
      ['204', '400', '403', '413', '415', '422', '500', '503'].sort(),
    );
    expect((route.responses as Record<number, { description: string }>)[403]?.description).toMatch(
      /admin_only.*totp_mismatch/,
    );
  });

  it('says security: [] for a public operation, and offline ones declare no 503', () => {
    const route = defineRoute({
      operationId: 'public',
      method: 'get',
      path: '/public',
      responses: { 200: { description: 'OK' } },
      offline: true,
    });
    expect(route.security).toEqual([]);
    expect(Object.keys(route.responses)).toEqual(['200', '500']);
  });

  it('refuses an error status declared by hand', () => {
    expect(() =>
      defineRoute({
        operationId: 'byHand',
        method: 'get',
        path: '/by-hand',
        responses: { 200: { description: 'OK' }, 404: { description: 'Not here' } },
      }),
    ).toThrow(/declare 404 through its problems/);
  });
});
