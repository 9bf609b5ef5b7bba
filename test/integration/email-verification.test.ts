// Verified email: a token emailed at signup proves the mailbox; resend answers the same for every email;
// an email-code login or a password reset proves it too; REQUIRE_VERIFIED_EMAIL refuses unverified logins.
import { describe, expect, it } from 'vitest';
import {
  bearer,
  call,
  callWithEnv,
  expectProblem,
  logIn,
  PASSWORD,
  postJSON,
  signUp,
  type Tokens,
  uniqueEmail,
} from '../support/api';
import { sqlQuery } from '../support/db';
import { readVerificationToken, resetTokenIn, waitForEmail } from '../support/emails';
import { decodeClaims, loginTFA, readLoginCode, signUpWithEmailDevice, startTFALogin } from '../support/tfa';

const verify = (token: string) => postJSON('/api/v1/auth/email/verify', { token });
const resend = (email: string) => postJSON('/api/v1/auth/email/verify/resend', { email });

async function me(accessToken: string) {
  const response = await call('/api/v1/auth/test-token', { headers: bearer(accessToken) });
  expect(response.status).toBe(200);
  return (await response.json()) as { email_verified: boolean };
}

async function loginTokens(email: string): Promise<Tokens> {
  const response = await logIn(email, PASSWORD);
  expect(response.status).toBe(200);
  return (await response.json()) as Tokens;
}

describe('POST /api/v1/auth/email/verify', () => {
  it('signup emails a token; spending it verifies the address, in the user JSON and the access token', async () => {
    const { response, email } = await signUp();
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ email_verified: false });
    const before = await loginTokens(email);
    expect(decodeClaims(before.access_token).email_verified).toBe(false);
    expect((await me(before.access_token)).email_verified).toBe(false);

    const token = await readVerificationToken(email);
    const verified = await verify(token);
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ email, email_verified: true });

    const after = await loginTokens(email);
    expect(decodeClaims(after.access_token).email_verified).toBe(true);
    expect((await me(after.access_token)).email_verified).toBe(true);
    // A refreshed access token carries the claim as it is now.
    const refreshed = await postJSON('/api/v1/auth/refresh', { refresh_token: before.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(decodeClaims(((await refreshed.json()) as Tokens).access_token).email_verified).toBe(true);
  });

  it('stores only a keyed hash of the token, which works once and for 24 hours', async () => {
    const { email } = await signUp();
    const token = await readVerificationToken(email);
    const rows = await sqlQuery<{ token_hash: string; hash_key_id: string; ttl_hours: number }>(
      `select token_hash, hash_key_id, extract(epoch from v.expires_at - v.created_at) / 3600 as ttl_hours
       from email_verifications v join users u on u.id = v.user_id where u.email = $1`,
      [email],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.token_hash).not.toContain(token);
    expect(rows[0]?.hash_key_id).toBe('0');
    expect(Math.round(Number(rows[0]?.ttl_hours))).toBe(24);
    expect((await verify(token)).status).toBe(200);
    await expectProblem(await verify(token), 400, 'invalid_verification_token');
  });

  it('refuses an expired token, an unknown one and garbage with the same problem', async () => {
    const { email } = await signUp();
    const token = await readVerificationToken(email);
    await sqlQuery(
      `update email_verifications set expires_at = now() - interval '1 second'
       where user_id = (select id from users where email = $1)`,
      [email],
    );
    await expectProblem(await verify(token), 400, 'invalid_verification_token');
    await expectProblem(await verify('A'.repeat(43)), 400, 'invalid_verification_token');
    await expectProblem(await verify('not a token'), 400, 'invalid_verification_token');
    await expectProblem(await postJSON('/api/v1/auth/email/verify', {}), 422);
  });
});

describe('POST /api/v1/auth/email/verify/resend', () => {
  it('answers the same 202 for an unknown, an unverified and a verified address', async () => {
    const { email } = await signUp();
    const first = await readVerificationToken(email);
    const answers = await Promise.all([resend(uniqueEmail('nobody')), resend(email)]);
    for (const answer of answers) expect(answer.status).toBe(202);
    const [unknownBody, knownBody] = await Promise.all(answers.map((a) => a.json()));
    expect(knownBody).toEqual(unknownBody);
    const second = await readVerificationToken(email);
    expect(second).not.toBe(first);
    expect((await verify(second)).status).toBe(200);
    // Verifying retires the other pending token.
    await expectProblem(await verify(first), 400, 'invalid_verification_token');
    const afterVerified = await resend(email);
    expect(afterVerified.status).toBe(202);
    expect(await afterVerified.json()).toEqual(unknownBody);
    const pending = await sqlQuery<{ n: number }>(
      `select count(*)::int as n from email_verifications v join users u on u.id = v.user_id
       where u.email = $1 and v.used_at is null`,
      [email],
    );
    expect(pending[0]?.n).toBe(0);
  });

  it('20 concurrent resends for one account issue at most 3 tokens in the hour (signup counts)', async () => {
    const { email } = await signUp();
    const answers = await Promise.all(Array.from({ length: 20 }, () => resend(email)));
    expect(answers.map((a) => a.status).every((s) => s === 202)).toBe(true);
    const rows = await sqlQuery<{ n: number }>(
      `select count(*)::int as n from email_verifications v join users u on u.id = v.user_id where u.email = $1`,
      [email],
    );
    expect(rows[0]?.n).toBe(3);
  });
});

describe('other proofs of the mailbox', () => {
  it('completing an email-code second factor verifies the address', async () => {
    const { email } = await signUpWithEmailDevice();
    const preTFAToken = await startTFALogin(email);
    const response = await loginTFA(preTFAToken, await readLoginCode(email));
    expect(response.status).toBe(200);
    const tokens = (await response.json()) as Tokens;
    expect(decodeClaims(tokens.access_token).email_verified).toBe(true);
    expect((await me(tokens.access_token)).email_verified).toBe(true);
  });

  it('a password reset verifies the address', async () => {
    const { email } = await signUp();
    expect((await postJSON('/api/v1/auth/password/forgot', { email })).status).toBe(202);
    const token = resetTokenIn(await waitForEmail(email, 'Reset your edge-2fa password'));
    const reset = await postJSON('/api/v1/auth/password/reset', {
      token,
      new_password: 'a brand new passphrase 42',
    });
    expect(reset.status).toBe(200);
    const login = await logIn(email, 'a brand new passphrase 42');
    expect(login.status).toBe(200);
    expect(decodeClaims(((await login.json()) as Tokens).access_token).email_verified).toBe(true);
  });
});

describe('REQUIRE_VERIFIED_EMAIL=true', () => {
  const strict = { REQUIRE_VERIFIED_EMAIL: 'true' };
  const formLogin = (email: string, password: string) =>
    callWithEnv(strict, '/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: email, password }).toString(),
    });

  it('refuses the password login of an unverified account with 403 and sends no code', async () => {
    const { email } = await signUpWithEmailDevice();
    const refused = await formLogin(email, PASSWORD);
    const problem = await expectProblem(refused, 403, 'email_not_verified');
    expect(problem.detail).toMatch(/not verified/);
    await expect(waitForEmail(email, 'login code', 1500)).rejects.toThrow();
    const challenges = await sqlQuery<{ n: number }>(
      `select count(*)::int as n from tfa_challenges c join users u on u.id = c.user_id where u.email = $1`,
      [email],
    );
    expect(challenges[0]?.n).toBe(0);
  });

  it('a wrong password still answers 400 (no hint about the address), a verified account logs in', async () => {
    const { email } = await signUp();
    await expectProblem(await formLogin(email, 'wrong password entirely'), 400);
    expect((await verify(await readVerificationToken(email))).status).toBe(200);
    expect((await formLogin(email, PASSWORD)).status).toBe(200);
  });
});
