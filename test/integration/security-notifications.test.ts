import { describe, expect, it } from 'vitest';
import { postJSON, signUpAndLogIn } from '../support/api';
import { waitForEmail } from '../support/emails';
import { codeAt, loginTFA, recoverTFA, signUpWithAuthenticator, startTFALogin } from '../support/tfa';

describe('security notification emails', () => {
  it('a spent backup token is reported with the number left', async () => {
    const { email, backupTokens } = await signUpWithAuthenticator();
    expect((await recoverTFA(await startTFALogin(email), backupTokens[0] ?? '')).status).toBe(200);
    const notice = await waitForEmail(email, 'A backup token was used');
    expect(notice.body).toMatch(/\b4\b/);
    expect(notice.body).not.toContain(backupTokens[0]);
  });

  it('a replayed TOTP code is reported to the owner', async () => {
    const { email, secret } = await signUpWithAuthenticator();
    const code = codeAt(secret, Date.now());
    expect((await loginTFA(await startTFALogin(email), code)).status).toBe(200);
    expect((await loginTFA(await startTFALogin(email), code)).status).toBe(403);
    const notice = await waitForEmail(email, 'A reused edge-2fa code was refused');
    expect(notice.body).not.toContain(code);
  });

  it('refresh-token reuse revokes the session and tells the owner', async () => {
    const { email, tokens } = await signUpAndLogIn();
    expect((await postJSON('/api/v1/auth/refresh', { refresh_token: tokens.refresh_token })).status).toBe(
      200,
    );
    expect((await postJSON('/api/v1/auth/refresh', { refresh_token: tokens.refresh_token })).status).toBe(
      401,
    );
    await waitForEmail(email, 'session was signed out');
  });
});
