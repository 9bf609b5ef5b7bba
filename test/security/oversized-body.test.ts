// Attack: a huge request body. With no limit, one 60 MB login body took 8 s and ~950 MB of workerd memory
// (an isolate has 128 MB): the login rate limiter cloned the form to read the username, then the validator
// parsed it again. Chunked bodies carry no Content-Length, so a check of the header alone is no limit.
// Pinned: any body over 16 KiB is a 413 problem before anything parses or clones it, whether its length is
// declared or streamed; a streamed body is not read past the limit; every operation that takes a body
// declares the 413 in the OpenAPI document.
import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../src/http/middleware/body-limit';
import { call, expectProblem, PASSWORD, postJSON, signUpAndLogIn } from '../support/api';

const LOGIN = '/api/v1/auth/login';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function formOfSize(totalBytes: number): string {
  const start = `username=ada%40example.com&password=${encodeURIComponent(PASSWORD)}&scope=`;
  return start + 'a'.repeat(totalBytes - start.length);
}

// A body of `totalBytes` produced lazily in 64 KiB chunks, with no Content-Length: counts what was pulled.
function streamedBody(totalBytes: number) {
  const chunk = new TextEncoder().encode('a'.repeat(64 * 1024));
  const state = { pulledBytes: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulledBytes >= totalBytes) return controller.close();
      state.pulledBytes += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { stream, state };
}

describe('request body size limit', () => {
  it('POST /auth/login answers 413 to a body one byte over 16 KiB, with a human detail', async () => {
    const response = await call(LOGIN, {
      method: 'POST',
      headers: FORM,
      body: formOfSize(MAX_BODY_BYTES + 1),
    });
    const problem = await expectProblem(response, 413, 'body_too_large');
    expect(problem.detail).toContain('16 KiB');
  });

  it('a body of exactly 16 KiB passes the limit and reaches the login (400, wrong credentials)', async () => {
    const response = await call(LOGIN, { method: 'POST', headers: FORM, body: formOfSize(MAX_BODY_BYTES) });
    await expectProblem(response, 400, 'invalid_credentials');
  });

  it('a 64 MB chunked login body (no Content-Length) is refused after reading little more than 16 KiB', async () => {
    const { stream, state } = streamedBody(64 * 1024 * 1024);
    const startedAt = Date.now();
    const response = await call(LOGIN, { method: 'POST', headers: FORM, body: stream });
    await expectProblem(response, 413, 'body_too_large');
    // The source may run ahead of the reader by a chunk or two of queue; never the whole 64 MB.
    expect(state.pulledBytes).toBeLessThan(1024 * 1024);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });

  it('a Content-Length over the limit is refused without reading the body', async () => {
    const { stream, state } = streamedBody(1024 * 1024);
    const response = await call(LOGIN, {
      method: 'POST',
      headers: { ...FORM, 'content-length': String(1024 * 1024) },
      body: stream,
    });
    await expectProblem(response, 413, 'body_too_large');
    expect(state.pulledBytes).toBeLessThan(256 * 1024);
  });

  it('JSON routes and authenticated routes are limited the same way', async () => {
    const { tokens } = await signUpAndLogIn();
    const big = { email: 'ada@example.com', password: PASSWORD, full_name: 'x'.repeat(MAX_BODY_BYTES) };
    await expectProblem(await postJSON('/api/v1/auth/signup', big), 413, 'body_too_large');
    await expectProblem(
      await postJSON('/api/v1/auth/refresh', { refresh_token: 'x'.repeat(MAX_BODY_BYTES) }),
      413,
      'body_too_large',
    );
    const response = await call('/api/v1/tfa/enable_tfa', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.access_token}` },
      body: JSON.stringify({ device_type: 'email', pad: 'x'.repeat(MAX_BODY_BYTES) }),
    });
    await expectProblem(response, 413, 'body_too_large');
  });

  it('the OpenAPI document declares the 413 on every operation that takes a body', async () => {
    type Operation = { requestBody?: unknown; responses: Record<string, unknown> };
    const doc = (await (await call('/api/v1/openapi.json')).json()) as {
      paths: Record<string, Record<string, Operation>>;
    };
    const withBody = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, operation]) => operation.requestBody)
        .map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, operation })),
    );
    expect(withBody.length).toBeGreaterThanOrEqual(11);
    for (const { name, operation } of withBody)
      expect(Object.keys(operation.responses), name).toContain('413');
  });
});
