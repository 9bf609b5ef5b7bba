// Runs the original fastapi_2fa README's curl commands (fastapi-2fa-readme-curl.md, verbatim) against the
// stack: users of that service must be able to keep their scripts. Each `{{ PLACEHOLDER }}` gets what a
// reader would paste in; the script prepares it the way that reader would have (a user with an
// authenticator app, its backup tokens from the printed email, a session). Two answers differ from the
// original on purpose, and say why below.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as OTPAuth from 'otpauth';
import { runCurl, waitForBackupToken } from './readme-examples.ts';
import type { Stack } from './stack.ts';

const ORIGINAL_README = join(import.meta.dirname, 'fastapi-2fa-readme-curl.md');
const ORIGINAL_ORIGIN = 'http://localhost:5555';
const PASSWORD = 'correct horse battery staple';

const EXPECTED: Record<string, { status: number; why?: string }> = {
  'POST /auth/signup': {
    status: 422,
    why: 'its password "123456" is too short and too common for the password policy (ASVS 6.2.1, 6.2.9)',
  },
  'POST /auth/login': { status: 202, why: 'the user has two-factor authentication: the pre-TFA step' },
  'GET /auth/test-token': { status: 200 },
  'POST /auth/refresh': { status: 200 },
  'POST /tfa/login_tfa': { status: 200 },
  'POST /tfa/recover_tfa': { status: 200 },
  'GET /tfa/get_my_qrcode': { status: 200 },
  'PUT /tfa/enable_tfa': { status: 200 },
  'GET /users/users': {
    status: 401,
    why: 'listing users needs an administrator here; the original listed them to anyone',
  },
  'GET /tasks/test-celery': { status: 200 },
  'GET /tasks/taskstatus': { status: 200 },
};

type Json = Record<string, unknown>;

function routeOf(command: string): string {
  const method = command.match(/-X\s+'?([A-Z]+)'?/)?.[1] ?? 'GET';
  const path = command.match(/\/api\/v1(\/[^'"?\s]*)/)?.[1] ?? '?';
  return `${method} ${path}`;
}

async function post(url: string, init: RequestInit): Promise<{ status: number; body: Json }> {
  const response = await fetch(url, { method: 'POST', ...init });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as Json };
}

function form(username: string): RequestInit {
  return {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password: PASSWORD }).toString(),
  };
}

export async function runOriginalReadme(
  stack: Stack,
  workDir: string,
): Promise<{ passed: number; failed: number }> {
  const commands = [...readFileSync(ORIGINAL_README, 'utf8').matchAll(/^```shell\n([\s\S]*?)^```/gm)].map(
    (block) => (block[1] ?? '').trim(),
  );
  if (commands.length !== Object.keys(EXPECTED).length)
    throw new Error('unexpected original README commands');
  const suffix = crypto.randomUUID().slice(0, 8);
  const api = stack.apiUrl;
  const json = (body: unknown): RequestInit => ({
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

  // The reader's authenticator-app user (the login, second-factor and QR commands) and a plain user (who
  // turns on two-factor authentication with the enable_tfa command).
  const tfaUser = `original-tfa-${suffix}@example.com`;
  const plainUser = `original-plain-${suffix}@example.com`;
  const signup = await post(`${api}/auth/signup?format=json`, {
    ...json({
      email: tfaUser,
      password: PASSWORD,
      full_name: 'Reader',
      tfa_enabled: true,
      device: { device_type: 'code_generator' },
    }),
  });
  const totp = OTPAuth.URI.parse(String(signup.body.otpauth_uri)) as OTPAuth.TOTP;
  await post(`${api}/auth/signup`, json({ email: plainUser, password: PASSWORD, full_name: 'Plain' }));
  const spent = new Set<string>();
  const backupToken = async () => {
    const token = await waitForBackupToken(stack, tfaUser, spent);
    spent.add(token);
    return token;
  };
  // A session of the TFA user, as the reader got one before (login, then a backup token).
  const preTFA = async () => String((await post(`${api}/auth/login`, form(tfaUser))).body.access_token);
  const session = await post(`${api}/tfa/recover_tfa?tfa_backup_token=${await backupToken()}`, {
    headers: { authorization: `Bearer ${await preTFA()}` },
  });
  const plainSession = await post(`${api}/auth/login`, form(plainUser));
  const values: Record<string, string> = {
    USERNAME: tfaUser,
    PASSWORD,
    MY_ACCESS_JWT_TOKEN: String(session.body.access_token),
    MY_JWT_ACCESS_TOKEN: String(session.body.access_token),
    MY_JWT_REFRESH_TOKEN: String(session.body.refresh_token),
  };
  let preTFASpent = true;

  let passed = 0;
  let failed = 0;
  for (const original of commands) {
    const route = routeOf(original);
    const expected = EXPECTED[route];
    try {
      if (!expected) throw new Error(`no expected status for ${route}`);
      if (original.includes('{{ MY_PRE_TFA_JWT_ACCESS_TOKEN }}') && preTFASpent) {
        // A pre-TFA token works once: the reader logs in again.
        values.MY_PRE_TFA_JWT_ACCESS_TOKEN = await preTFA();
      }
      if (original.includes('{{ MY_TOTP_TOKEN }}')) values.MY_TOTP_TOKEN = totp.generate();
      if (original.includes('{{ MY_BACKUP_TOTP_TOKEN }}')) values.MY_BACKUP_TOTP_TOKEN = await backupToken();
      const overrides: Record<string, string> =
        route === 'PUT /tfa/enable_tfa'
          ? { MY_JWT_ACCESS_TOKEN: String(plainSession.body.access_token) }
          : {};
      const command = original
        .replaceAll(ORIGINAL_ORIGIN, stack.baseUrl)
        .replace(/\{\{ ([A-Z_]+) \}\}/g, (_, name: string) => {
          const value = overrides[name] ?? values[name];
          if (value === undefined) throw new Error(`no value for {{ ${name} }}`);
          return value;
        });
      const outcome = await runCurl({ command }, {}, join(workDir, 'original-body'), workDir);
      if (outcome.status !== expected.status) {
        throw new Error(`expected ${expected.status}, got ${outcome.status}: ${outcome.body.slice(0, 300)}`);
      }
      const body = (() => {
        try {
          return JSON.parse(outcome.body) as Json;
        } catch {
          return {};
        }
      })();
      if (route === 'POST /auth/login') {
        values.MY_PRE_TFA_JWT_ACCESS_TOKEN = String(body.access_token);
        preTFASpent = false;
      }
      if (route === 'POST /tfa/login_tfa' || route === 'POST /tfa/recover_tfa') preTFASpent = true;
      if (route === 'POST /auth/refresh') {
        values.MY_ACCESS_JWT_TOKEN = String(body.access_token);
        values.MY_JWT_ACCESS_TOKEN = String(body.access_token);
        values.MY_JWT_REFRESH_TOKEN = String(body.refresh_token);
      }
      if (route === 'GET /tasks/test-celery') values.TASK_ID = String(body.task_id);
      passed += 1;
      console.log(`  ✓ ${outcome.status} ${route}${expected.why ? ` (${expected.why})` : ''}`);
    } catch (error) {
      failed += 1;
      console.log(`  ✗ ${route}\n      ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { passed, failed };
}
