// Email settings are validated at the first request like the other secrets: a chosen transport with a
// missing or unsafe setting answers a 500 problem and logs the variable's name, never its value.
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import { BASE } from '../support/api';
import { capturedLogLines } from '../support/emails';

async function fetchWith(overrides: Record<string, unknown>): Promise<Response> {
  const request = new Request(`${BASE}/api/v1/tasks/taskstatus?task_id=${crypto.randomUUID()}`);
  return worker.fetch(request, { ...env, ...overrides } as Env, createExecutionContext());
}

describe('email settings are validated at the first request', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['SMTP_PASSWORD is missing', 'SMTP_PASSWORD', { SMTP_PASSWORD: '' }],
    ['SMTP_SECURITY is not named (plain is never a default)', 'SMTP_SECURITY', { SMTP_SECURITY: '' }],
    ['plain SMTP would carry the password', 'SMTP_SECURITY=plain', { SMTP_SECURITY: 'plain' }],
    ['SMTP_HOST is missing', 'SMTP_HOST', { SMTP_HOST: '' }],
    ['the HTTP API key is missing', 'EMAIL_API_KEY', { EMAIL_TRANSPORT: 'http', EMAIL_API_KEY: '' }],
    [
      'an unknown HTTP provider',
      'EMAIL_HTTP_PROVIDER',
      { EMAIL_TRANSPORT: 'http', EMAIL_HTTP_PROVIDER: 'x', EMAIL_API_KEY: 're_12345678' },
    ],
    [
      'the send_email binding is missing',
      'SEND_EMAIL',
      { EMAIL_TRANSPORT: 'cloudflare', SEND_EMAIL: undefined },
    ],
    ['an unknown transport', 'EMAIL_TRANSPORT', { EMAIL_TRANSPORT: 'pigeon' }],
  ];
  for (const [what, variable, overrides] of cases) {
    it(`${what}: 500 problem, the log names ${variable}`, async () => {
      const before = capturedLogLines.length;
      const response = await fetchWith(overrides);
      expect(response.status).toBe(500);
      const body = await response.text();
      expect(JSON.parse(body)).toMatchObject({ code: 'misconfigured' });
      expect(body).not.toContain(env.SMTP_PASSWORD);
      const logged = capturedLogLines.slice(before).join('\n');
      expect(logged).toContain(variable);
      expect(logged).not.toContain(env.SMTP_PASSWORD);
    });
  }

  it('the project configuration itself (SMTP, STARTTLS, AUTH) is accepted', async () => {
    expect((await fetchWith({})).status).toBe(200);
  });
});
