// Attack (issue 9): admin rights went to whoever signed up first with an address in ADMIN_EMAILS, since
// nothing proved the mailbox: a signup as `Admin@Example.com ` with any password, then GET /users/users
// answered 200 with every user. Pinned: an unverified allowlisted address gets 403; once verified, 200.
import { describe, expect, it } from 'vitest';
import { bearer, callWithEnv, expectProblem, PASSWORD, type Tokens } from '../support/api';
import { readVerificationToken } from '../support/emails';

describe('ADMIN_EMAILS applies only to verified addresses', () => {
  it('an unverified "Admin@Example.com " signup is refused the user list until the mailbox is proven', async () => {
    const local = `admin-${crypto.randomUUID().slice(0, 8)}`;
    const settings = { ADMIN_EMAILS: `${local}@example.com` };
    const json = (body: unknown) => ({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const signup = await callWithEnv(
      settings,
      '/api/v1/auth/signup',
      json({ email: `${local.toUpperCase()}@Example.com `, password: PASSWORD, full_name: 'Not An Admin' }),
    );
    expect(signup.status).toBe(201);
    const logIn = () =>
      callWithEnv(settings, '/api/v1/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: `${local}@example.com`, password: PASSWORD }).toString(),
      });
    const login = await logIn();
    expect(login.status).toBe(200);
    const { access_token } = (await login.json()) as Tokens;
    await expectProblem(
      await callWithEnv(settings, '/api/v1/users/users', { headers: bearer(access_token) }),
      403,
      'admin_only',
    );

    const token = await readVerificationToken(`${local}@example.com`);
    expect((await callWithEnv(settings, '/api/v1/auth/email/verify', json({ token }))).status).toBe(200);
    const again = (await (await logIn()).json()) as Tokens;
    const list = await callWithEnv(settings, '/api/v1/users/users', { headers: bearer(again.access_token) });
    expect(list.status).toBe(200);
  });
});
