// Attack: a thief holds a session (or a pre-TFA token taken with the old password) and waits while the
// owner secures the account: disables or re-enrols TFA, regenerates backup tokens, changes or resets the
// password. Pinned: each of these revokes every OTHER session of the user (the caller's continues), and a
// password change or reset ends the pending pre-TFA challenge in the same statement.
import { describe, expect, it } from 'vitest';
import { bearer, expectProblem, logIn, PASSWORD, postJSON, type Tokens } from '../support/api';
import { waitForEmail } from '../support/emails';
import { codeAt, loginTFA, signUpWithAuthenticator, startTFALogin } from '../support/tfa';

const NEW_PASSWORD = 'a brand new passphrase 42';
const refresh = (token: string | null) => postJSON('/api/v1/auth/refresh', { refresh_token: token });
const nextCode = (secret: string) => codeAt(secret, Date.now() + 30_000);

async function twoSessions() {
  const user = await signUpWithAuthenticator();
  const thief = (await (
    await loginTFA(await startTFALogin(user.email), codeAt(user.secret, Date.now()))
  ).json()) as Tokens;
  const owner = (await (
    await loginTFA(await startTFALogin(user.email), nextCode(user.secret))
  ).json()) as Tokens;
  return { ...user, thief, owner };
}

describe('changing a factor ends every other session', () => {
  it('regenerating backup tokens', async () => {
    const { thief, owner, backupTokens } = await twoSessions();
    const response = await postJSON(
      '/api/v1/tfa/backup_tokens/regenerate',
      { password: PASSWORD, code: backupTokens[0] },
      bearer(owner.access_token),
    );
    expect(response.status).toBe(200);
    await expectProblem(await refresh(thief.refresh_token), 401, 'invalid_refresh_token');
    expect((await refresh(owner.refresh_token)).status).toBe(200);
  });

  it('disabling TFA', async () => {
    const { thief, owner, backupTokens } = await twoSessions();
    const response = await postJSON(
      '/api/v1/tfa/disable',
      { password: PASSWORD, code: backupTokens[0] },
      bearer(owner.access_token),
    );
    expect(response.status).toBe(200);
    await expectProblem(await refresh(thief.refresh_token), 401, 'invalid_refresh_token');
    expect((await refresh(owner.refresh_token)).status).toBe(200);
  });

  it('changing the password also ends a pending pre-TFA challenge', async () => {
    const { email, secret, thief, owner } = await twoSessions();
    const pending = await startTFALogin(email);
    const response = await postJSON(
      '/api/v1/auth/password/change',
      { current_password: PASSWORD, new_password: NEW_PASSWORD },
      bearer(owner.access_token),
    );
    expect(response.status).toBe(200);
    await expectProblem(await refresh(thief.refresh_token), 401, 'invalid_refresh_token');
    expect((await refresh(owner.refresh_token)).status).toBe(200);
    await expectProblem(
      await loginTFA(pending, codeAt(secret, Date.now() + 30_000)),
      401,
      'tfa_challenge_expired',
    );
  });

  it('resetting the password ends every session and the pending pre-TFA challenge, and unlocks at once', async () => {
    const { email, secret, thief } = await twoSessions();
    const pending = await startTFALogin(email);
    // Lock the account with wrong passwords: the reset must still unlock it at once.
    for (let i = 0; i < 5; i++) await logIn(email, `wrong password ${i}`);
    await expectProblem(await logIn(email, PASSWORD), 429, 'account_locked');
    expect((await postJSON('/api/v1/auth/password/forgot', { email })).status).toBe(202);
    const mail = await waitForEmail(email, 'Reset your edge-2fa password');
    const token = mail.body.split('\n').find((line) => /^[A-Za-z0-9_-]{43}$/.test(line)) ?? '';
    expect(
      (await postJSON('/api/v1/auth/password/reset', { token, new_password: NEW_PASSWORD })).status,
    ).toBe(200);
    await expectProblem(await refresh(thief.refresh_token), 401, 'invalid_refresh_token');
    await expectProblem(
      await loginTFA(pending, codeAt(secret, Date.now() + 30_000)),
      401,
      'tfa_challenge_expired',
    );
    expect((await logIn(email, NEW_PASSWORD)).status).toBe(202);
  });
});
