// The admin API through the whole Worker: who may call it (an administrator whose login proved a second
// factor, on EVERY endpoint), and what each action does to the target account.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  call,
  expectProblem,
  logIn,
  PASSWORD,
  postJSON,
  signUp,
  signUpAndLogIn,
  type Tokens,
} from '../support/api';
import { sqlQuery } from '../support/db';
import { waitForEmail } from '../support/emails';
import { codeAt, loginTFA, signUpWithAuthenticator, startTFALogin } from '../support/tfa';

const REASON = { reason: 'Lost phone; identity checked by video call' };

function grantAdmin(email: string) {
  return sqlQuery(`update users set role = 'admin' where email = $1`, [email]);
}

async function idOf(email: string): Promise<string> {
  const rows = await sqlQuery<{ id: string }>('select id from users where email = $1', [email]);
  return rows[0]?.id ?? '';
}

function adminCall(method: string, path: string, token: string | null, body?: unknown) {
  const headers: Record<string, string> = token ? bearer(token) : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  return call(`/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

// An administrator with an authenticator app, logged in with password and TOTP (aal2).
async function logInAsAAL2Admin(): Promise<string> {
  const admin = await signUpWithAuthenticator();
  await grantAdmin(admin.email);
  const response = await loginTFA(await startTFALogin(admin.email), codeAt(admin.secret, Date.now()));
  expect(response.status).toBe(200);
  return ((await response.json()) as Tokens).access_token;
}

describe('who may call the admin API', () => {
  let targetId = '';
  let aal1Admin = '';
  let aal2User = '';
  let aal1User = '';

  beforeAll(async () => {
    const target = await signUp();
    targetId = await idOf(target.email);
    const admin = await signUpAndLogIn();
    await grantAdmin(admin.email);
    // Re-login so the token is of an admin (the role is read per request anyway).
    aal1Admin = ((await (await logIn(admin.email, PASSWORD)).json()) as Tokens).access_token;
    const user = await signUpWithAuthenticator();
    const tfa = await loginTFA(await startTFALogin(user.email), codeAt(user.secret, Date.now()));
    aal2User = ((await tfa.json()) as Tokens).access_token;
    aal1User = (await signUpAndLogIn()).tokens.access_token;
  });

  const endpoints = (): [string, string, unknown][] => [
    ['GET', '/admin/users', undefined],
    ['GET', `/admin/users/${targetId}`, undefined],
    ['POST', `/admin/users/${targetId}/unlock`, REASON],
    ['POST', `/admin/users/${targetId}/tfa/reset`, REASON],
    ['POST', `/admin/users/${targetId}/sessions/revoke`, REASON],
    ['DELETE', `/admin/users/${targetId}`, REASON],
  ];

  it('an administrator without a second-factor login gets 403 saying to enable it, on every endpoint', async () => {
    for (const [method, path, body] of endpoints()) {
      const problem = await expectProblem(
        await adminCall(method, path, aal1Admin, body),
        403,
        'admin_second_factor_required',
      );
      expect(problem.detail).toMatch(/two-factor/);
    }
  });

  it('a non-administrator gets 403 on every endpoint, with or without a second factor; no token is 401', async () => {
    for (const [method, path, body] of endpoints()) {
      await expectProblem(await adminCall(method, path, aal2User, body), 403, 'admin_only');
      await expectProblem(await adminCall(method, path, aal1User, body), 403);
      await expectProblem(await adminCall(method, path, null, body), 401);
    }
    // The target is untouched.
    expect(
      await idOf(
        (await sqlQuery<{ email: string }>('select email from users where id = $1', [targetId]))[0]?.email ??
          '',
      ),
    ).toBe(targetId);
  });

  it('GET /users/users stays open to administrators only', async () => {
    await expectProblem(await call('/api/v1/users/users', { headers: bearer(aal2User) }), 403, 'admin_only');
    expect((await call('/api/v1/users/users', { headers: bearer(aal1Admin) })).status).toBe(200);
  });
});

describe('what an administrator can do', () => {
  let admin = '';
  beforeAll(async () => {
    admin = await logInAsAAL2Admin();
  });

  it('lists and searches users (paginated, no secrets) and shows one with factors, lock, sessions, last login', async () => {
    const { email, tokens } = await signUpAndLogIn();
    const id = await idOf(email);
    const search = await adminCall(
      'GET',
      `/admin/users?search=${encodeURIComponent(email.toUpperCase())}&limit=5`,
      admin,
    );
    expect(search.status).toBe(200);
    const page = (await search.json()) as { users: { id: string }[]; total: number; limit: number };
    expect(page).toMatchObject({ total: 1, limit: 5 });
    expect(page.users.map((u) => u.id)).toEqual([id]);
    const all = await adminCall('GET', '/admin/users?limit=2&offset=0', admin);
    const allPage = (await all.json()) as { users: unknown[]; total: number };
    expect(allPage.users).toHaveLength(2);
    expect(allPage.total).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(allPage)).not.toMatch(/password|hash|secret|envelope/i);
    // A LIKE metacharacter is a literal character in a search.
    expect(
      ((await (await adminCall('GET', '/admin/users?search=%25', admin)).json()) as { total: number }).total,
    ).toBe(0);

    const detail = await adminCall('GET', `/admin/users/${id}`, admin);
    expect(detail.status).toBe(200);
    const user = (await detail.json()) as Record<string, unknown>;
    expect(user).toMatchObject({
      id,
      email,
      role: 'user',
      tfa_enabled: false,
      device_type: null,
      backup_tokens_remaining: 0,
      locked_for_seconds: 0,
      live_sessions: 1,
    });
    expect(typeof user.last_login_at).toBe('string');
    expect(JSON.stringify(user)).not.toMatch(/password|hash|secret|envelope/i);
    expect(tokens.access_token).toBeTruthy();
    await expectProblem(await adminCall('GET', `/admin/users/${crypto.randomUUID()}`, admin), 404);
    await expectProblem(await adminCall('GET', '/admin/users/not-a-uuid', admin), 422);
  });

  it('unlocks a locked account', async () => {
    const { email } = await signUp();
    const id = await idOf(email);
    await sqlQuery(
      `update users set failed_auth_count = 7, locked_until = now() + interval '1 hour' where id = $1`,
      [id],
    );
    await expectProblem(await logIn(email, PASSWORD), 429, 'account_locked');
    const unlocked = await adminCall('POST', `/admin/users/${id}/unlock`, admin, REASON);
    expect(unlocked.status).toBe(200);
    expect((await logIn(email, PASSWORD)).status).toBe(200);
  });

  it('resets a user’s two-factor: device and backup tokens gone, every session revoked, the user emailed', async () => {
    const user = await signUpWithAuthenticator();
    const tfa = await loginTFA(await startTFALogin(user.email), codeAt(user.secret, Date.now()));
    const tokens = (await tfa.json()) as Tokens;
    const reset = await adminCall('POST', `/admin/users/${user.userId}/tfa/reset`, admin, REASON);
    expect(reset.status).toBe(200);
    expect(await reset.json()).toMatchObject({ revoked_sessions: 1 });
    await waitForEmail(user.email, 'An administrator reset two-factor');
    const left = await sqlQuery<{ devices: number; tokens: number; tfa: boolean }>(
      `select (select count(*)::int from tfa_devices where user_id = $1) as devices,
        (select count(*)::int from backup_tokens where user_id = $1) as tokens,
        (select tfa_enabled from users where id = $1) as tfa`,
      [user.userId],
    );
    expect(left[0]).toEqual({ devices: 0, tokens: 0, tfa: false });
    expect((await postJSON('/api/v1/auth/refresh', { refresh_token: tokens.refresh_token })).status).toBe(
      401,
    );
    expect((await logIn(user.email, PASSWORD)).status).toBe(200);
    // Missing reason: 422, nothing done.
    await expectProblem(await adminCall('POST', `/admin/users/${user.userId}/tfa/reset`, admin, {}), 422);
  });

  it('revokes every session of a user, then deletes the user', async () => {
    const { email, tokens } = await signUpAndLogIn();
    const id = await idOf(email);
    const revoked = await adminCall('POST', `/admin/users/${id}/sessions/revoke`, admin, REASON);
    expect(await revoked.json()).toMatchObject({ revoked_sessions: 1 });
    expect((await postJSON('/api/v1/auth/refresh', { refresh_token: tokens.refresh_token })).status).toBe(
      401,
    );
    expect((await adminCall('DELETE', `/admin/users/${id}`, admin, REASON)).status).toBe(200);
    await expectProblem(await adminCall('GET', `/admin/users/${id}`, admin), 404);
    await expectProblem(await adminCall('DELETE', `/admin/users/${id}`, admin, REASON), 404);
    expect((await logIn(email, PASSWORD)).status).toBe(400);
  });
});
