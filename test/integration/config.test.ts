// A missing or weak secret must fail loudly at the first request (a 500 problem, and a log line naming
// the variable), never fall back to a default, and never echo the secret.
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { BASE, sendChecked } from '../support/api';
import { capturedLogLines } from '../support/emails';

async function fetchWith(overrides: Partial<Env>): Promise<Response> {
  const request = new Request(`${BASE}/api/v1/tasks/taskstatus?task_id=${crypto.randomUUID()}`);
  return sendChecked(request, (r) =>
    worker.fetch(r, { ...env, ...overrides } as Env, createExecutionContext()),
  );
}

describe('secrets are validated at the first request', () => {
  const cases: [string, Partial<Env>][] = [
    ['JWT_SIGNING_KEYS', { JWT_SIGNING_KEYS: '' }],
    ['JWT_SIGNING_KEYS', { JWT_SIGNING_KEYS: '{"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"x"}]}' }],
    ['ENCRYPTION_KEYS', { ENCRYPTION_KEYS: 'k1:c2hvcnQ' }],
    ['TOKEN_HASH_KEY', { TOKEN_HASH_KEY: 'dG9vLXNob3J0' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://nope' }],
  ];

  for (const [variable, overrides] of cases) {
    it(`a missing or weak ${variable} answers a 500 problem and logs the variable's name`, async () => {
      const before = capturedLogLines.length;
      const response = await fetchWith(overrides);
      expect(response.status).toBe(500);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const body = await response.text();
      expect(JSON.parse(body)).toMatchObject({ code: 'misconfigured' });
      for (const value of Object.values(overrides)) if (value) expect(body).not.toContain(value);
      const logged = capturedLogLines.slice(before).join('\n');
      expect(logged).toContain('config_invalid');
      expect(logged).toContain(variable);
    });
  }

  it('the configured secrets work (the failures above are not the test harness)', async () => {
    expect((await fetchWith({})).status).toBe(200);
  });
});
