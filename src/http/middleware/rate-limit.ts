// Per-IP (and per-IP + account) request limits on the abuse-prone routes, answered with 429, Retry-After
// and the IETF RateLimit / RateLimit-Policy headers (draft-ietf-httpapi-ratelimit-headers). The counters
// are the Workers Rate Limiting binding: per location, in memory, no database round trip.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../../app-env';
import { normalizeEmail } from '../../config';
import { withContract } from '../openapi-route';
import { problems } from '../problem';

type LimiterBinding =
  | 'AUTH_IP_LIMITER'
  | 'LOGIN_ACCOUNT_IP_LIMITER'
  | 'SIGNUP_IP_LIMITER'
  | 'EMAIL_IP_LIMITER';

// Mirrors the `simple` settings of each binding in wrangler.toml (the binding does not expose them).
export const LIMIT_POLICIES: Record<LimiterBinding, { name: string; limit: number; periodSeconds: number }> =
  {
    AUTH_IP_LIMITER: { name: 'auth-ip', limit: 30, periodSeconds: 60 },
    LOGIN_ACCOUNT_IP_LIMITER: { name: 'login-account-ip', limit: 10, periodSeconds: 60 },
    SIGNUP_IP_LIMITER: { name: 'signup-ip', limit: 10, periodSeconds: 60 },
    EMAIL_IP_LIMITER: { name: 'email-ip', limit: 5, periodSeconds: 60 },
  };

// Cloudflare sets CF-Connecting-IP on every request it proxies; a client cannot forge it there.
export function clientIP(c: Context<AppEnv>): string {
  return c.req.header('cf-connecting-ip') ?? 'unknown';
}

type KeyOf = (c: Context<AppEnv>) => Promise<string | undefined> | string | undefined;

export function limitRequests(binding: LimiterBinding, keyOf: KeyOf = clientIP) {
  const policy = LIMIT_POLICIES[binding];
  const policyHeader = `"${policy.name}";q=${policy.limit};w=${policy.periodSeconds}`;
  const rateLimited = () =>
    problems.tooManyRequests(policy.periodSeconds, 'Too many requests from this client; try again later.', {
      'ratelimit-policy': policyHeader,
      ratelimit: `"${policy.name}";r=0;t=${policy.periodSeconds}`,
    });
  const middleware = createMiddleware<AppEnv>(async (c, next) => {
    const key = await keyOf(c);
    if (key !== undefined) {
      const { success } = await c.env[binding].limit({ key: `${policy.name}:${key}` });
      if (!success) {
        c.get('deps')?.log({ event: 'rate_limited', policy: policy.name, route: c.req.routePath });
        throw rateLimited();
      }
    }
    await next();
    c.header('ratelimit-policy', policyHeader, { append: true });
  });
  return withContract(middleware, { problems: [rateLimited()] });
}

// The login form's username, so one client cannot grind one account faster than the per-IP limit allows.
// The form is parsed once per request: the parsed form goes into Hono's body cache, where the route's form
// validator reads it, so there is no clone and no second parse. A malformed body is only cached as bytes:
// the validator, finding no parsed form, parses those bytes again and answers its 400 (a rejected promise
// in the form cache would reach it unguarded and become a 500).
export async function clientIPAndLoginAccount(c: Context<AppEnv>): Promise<string | undefined> {
  const form = await parseFormOnce(c);
  const username = form?.get('username');
  return typeof username === 'string' && username ? `${clientIP(c)}|${normalizeEmail(username)}` : undefined;
}

async function parseFormOnce(c: Context<AppEnv>): Promise<FormData | undefined> {
  try {
    const bytes = await c.req.arrayBuffer();
    const contentType = c.req.header('content-type') ?? '';
    const form = await new Response(bytes, { headers: { 'content-type': contentType } }).formData();
    c.req.bodyCache.formData = form;
    return form;
  } catch {
    return undefined;
  }
}
