// One rule for caching: every response is `Cache-Control: no-store` (RFC 9111 §5.2.2.5) unless its path is
// on an explicit list of public documents. Tokens, users, QR codes, TOTP secrets and even error details
// (they may name an email) must never sit in a browser, proxy or CDN cache; a per-handler header is one a
// new route forgets.
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../../app-env';

export function preventCachingExcept(publicPaths: readonly string[]) {
  const cacheable = new Set(publicPaths);
  return createMiddleware<AppEnv>(async (c, next) => {
    await next();
    if (!cacheable.has(c.req.path)) c.header('cache-control', 'no-store');
  });
}
