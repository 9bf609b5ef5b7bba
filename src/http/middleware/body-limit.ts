// Refuses request bodies over a small limit before anything parses or clones them (the login rate limiter
// clones the form to read the username). An isolate has 128 MB: one 60 MB login body used to take 8 s and
// ~950 MB of workerd memory. Every body of this API is a few hundred bytes.
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../../app-env';
import { problems } from '../problem';

export const MAX_BODY_BYTES = 16 * 1024;

/**
 * A declared Content-Length over the limit is refused without reading a byte. Otherwise the body is read
 * counting as it streams (chunked bodies have no length, and a declared one is not trusted): at most
 * MAX_BODY_BYTES plus one chunk is ever held, and the request is rebuilt from those bytes for the parsers.
 */
export const limitBodySize = createMiddleware<AppEnv>(async (c, next) => {
  const body = c.req.raw.body;
  if (!body) return next();
  const declaredLength = Number(c.req.header('content-length'));
  if (declaredLength > MAX_BODY_BYTES) throw problems.bodyTooLarge(MAX_BODY_BYTES);

  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let receivedBytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    receivedBytes += value.byteLength;
    // The rest is never read; the runtime drops it with the request.
    if (receivedBytes > MAX_BODY_BYTES) throw problems.bodyTooLarge(MAX_BODY_BYTES);
    chunks.push(value);
  }
  const bytes = new Uint8Array(receivedBytes);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  c.req.raw = new Request(c.req.raw, { body: bytes });
  return next();
});
