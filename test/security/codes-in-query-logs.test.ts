// Attack: reading second-factor codes out of logs. The original contract puts them in the query string
// (`?tfa_token=`, `?tfa_backup_token=`), and query strings land in access logs, proxy and CDN logs and
// browser history, where a backup token (valid until used) is worth stealing. Pinned: both routes accept the
// code in a form or JSON body (the OpenAPI document prefers it and marks the query parameter deprecated),
// the query still works, two different codes in one request are refused (one request, one attempt), and
// the Worker's own access log never prints a query string or a code.
import { describe, expect, it } from 'vitest';
import { bearer, call, expectProblem, postJSON, type Tokens } from '../support/api';
import { capturedLogLines } from '../support/emails';
import { codeAt, loginTFA, signUpWithAuthenticator, startTFALogin } from '../support/tfa';

function postForm(path: string, fields: Record<string, string>, token: string) {
  return call(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...bearer(token) },
    body: new URLSearchParams(fields).toString(),
  });
}

async function expectTokens(response: Response) {
  expect(response.status).toBe(200);
  const tokens = (await response.json()) as Tokens;
  expect(tokens.refresh_token).toBeTruthy();
}

describe('second-factor codes outside the query string', () => {
  it('POST /tfa/login_tfa accepts the code in a JSON body, then in a form body', async () => {
    const user = await signUpWithAuthenticator();
    const now = Date.now();
    await expectTokens(
      await postJSON(
        '/api/v1/tfa/login_tfa',
        { tfa_token: codeAt(user.secret, now - 30_000) },
        bearer(await startTFALogin(user.email)),
      ),
    );
    await expectTokens(
      await postForm(
        '/api/v1/tfa/login_tfa',
        { tfa_token: codeAt(user.secret, now) },
        await startTFALogin(user.email),
      ),
    );
  });

  it('POST /tfa/recover_tfa accepts the backup token in a form body, then in a JSON body', async () => {
    const user = await signUpWithAuthenticator();
    const [first = '', second = ''] = user.backupTokens;
    await expectTokens(
      await postForm('/api/v1/tfa/recover_tfa', { tfa_backup_token: first }, await startTFALogin(user.email)),
    );
    await expectTokens(
      await postJSON(
        '/api/v1/tfa/recover_tfa',
        { tfa_backup_token: second },
        bearer(await startTFALogin(user.email)),
      ),
    );
  });

  it('refuses two different codes in one request (422) without spending the attempt, and accepts equal ones', async () => {
    const user = await signUpWithAuthenticator();
    const preTFA = await startTFALogin(user.email);
    const code = codeAt(user.secret, Date.now());
    const both = await postJSON(
      `/api/v1/tfa/login_tfa?tfa_token=000000`,
      { tfa_token: code },
      bearer(preTFA),
    );
    const problem = await expectProblem(both, 422, 'validation_failed');
    expect(problem.errors).toContainEqual(expect.objectContaining({ field: 'tfa_token' }));
    await expectProblem(
      await postJSON('/api/v1/tfa/login_tfa', {}, bearer(preTFA)),
      422,
      'validation_failed',
    );
    await expectTokens(
      await postJSON(`/api/v1/tfa/login_tfa?tfa_token=${code}`, { tfa_token: code }, bearer(preTFA)),
    );
  });

  it('the query string still works (the original contract), and no log line carries the query or the code', async () => {
    const user = await signUpWithAuthenticator();
    const code = codeAt(user.secret, Date.now());
    const before = capturedLogLines.length;
    await expectTokens(await loginTFA(await startTFALogin(user.email), code));
    const backupToken = user.backupTokens[0] ?? '';
    const preTFA = await startTFALogin(user.email);
    await expectTokens(
      await call(`/api/v1/tfa/recover_tfa?tfa_backup_token=${encodeURIComponent(backupToken)}`, {
        method: 'POST',
        headers: bearer(preTFA),
      }),
    );
    const lines = capturedLogLines.slice(before);
    const accessLog = lines.filter((line) => line.includes('"event":"request"'));
    expect(accessLog.some((line) => line.includes('/tfa/login_tfa'))).toBe(true);
    const log = lines.join('\n');
    expect(log).not.toMatch(/tfa_token=|tfa_backup_token=|\?tfa_/);
    expect(log).not.toMatch(new RegExp(`(^|[^0-9A-Za-z])${code}([^0-9A-Za-z]|$)`));
    expect(log).not.toContain(backupToken);
  });

  it('the OpenAPI document offers the body and marks the query parameters deprecated', async () => {
    type Operation = {
      parameters: { name: string; in: string; deprecated?: boolean; description?: string }[];
      requestBody?: { content: Record<string, unknown> };
    };
    const doc = (await (await call('/api/v1/openapi.json')).json()) as {
      paths: Record<string, { post: Operation }>;
    };
    for (const [path, field] of [
      ['/api/v1/tfa/login_tfa', 'tfa_token'],
      ['/api/v1/tfa/recover_tfa', 'tfa_backup_token'],
    ] as const) {
      const operation = doc.paths[path]?.post;
      expect(Object.keys(operation?.requestBody?.content ?? {}).sort(), path).toEqual([
        'application/json',
        'application/x-www-form-urlencoded',
      ]);
      const parameter = operation?.parameters.find((p) => p.in === 'query' && p.name === field);
      expect(parameter?.deprecated, path).toBe(true);
      expect(parameter?.description).toMatch(/logs/);
    }
  });
});
