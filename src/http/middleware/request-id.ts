import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../../app-env';
import { openRequestLog, writeRequestLog } from '../log';

const INCOMING_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

// Echoes X-Request-Id (a sane incoming one, else a new UUID) and writes one log line per request: the
// access log, carrying the auth events the request recorded (see ../log.ts).
export const requestIdAndAccessLog = createMiddleware<AppEnv>(async (c, next) => {
  const incoming = c.req.header('x-request-id');
  const requestId = incoming && INCOMING_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
  c.set('requestId', requestId);
  openRequestLog(c.req.raw, requestId);
  const startedAt = Date.now();
  await next();
  c.header('x-request-id', requestId);
  const principal = c.get('principal') as { userId?: string } | undefined;
  writeRequestLog(c.req.raw, {
    event: 'request',
    request_id: requestId,
    method: c.req.method,
    // The route pattern, never the URL: query strings carry second-factor codes (?tfa_token=) and ids.
    route: c.req.routePath,
    status: c.res.status,
    duration_ms: Date.now() - startedAt,
    ...(principal?.userId ? { user_id: principal.userId } : {}),
  });
});
