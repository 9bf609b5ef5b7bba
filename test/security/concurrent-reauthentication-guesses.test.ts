// Attack: a thief with a logged-in session (but not the password) tries to switch TFA off by guessing the
// password of /tfa/disable, 50 guesses at once so that all are checked before any failure is written.
// Pinned: re-authentication shares the account's limit: at most 5 guesses are judged (403), the rest get
// 429 with Retry-After, and then even the right password and code change nothing.
import { describe, expect, it } from 'vitest';
import { bearer, call, expectProblem, postJSON, type Tokens } from '../support/api';
import { burst, expectLockedAnswers } from '../support/burst';
import { codeAt, loginTFA, signUpWithAuthenticator, startTFALogin } from '../support/tfa';

describe('concurrent re-authentication guesses', () => {
  it('50 wrong passwords on /tfa/disable at once: at most 5 judged, then the right proof loses', async () => {
    const { email, secret, backupTokens } = await signUpWithAuthenticator();
    const login = await loginTFA(await startTFALogin(email), codeAt(secret, Date.now()));
    const { access_token } = (await login.json()) as Tokens;
    const disable = (password: string, code: string) =>
      postJSON('/api/v1/tfa/disable', { password, code }, bearer(access_token));
    const result = await burst(50, (i) => disable(`wrong password ${i}`, backupTokens[1] ?? ''));
    expect(result.count(403)).toBeLessThanOrEqual(5);
    expect(result.count(403) + result.count(429)).toBe(50);
    await expectLockedAnswers(result.responses);
    await expectProblem(
      await disable('correct horse battery staple', backupTokens[0] ?? ''),
      429,
      'account_locked',
    );
    // TFA is still on.
    const status = await call('/api/v1/tfa/status', { headers: bearer(access_token) });
    expect(((await status.json()) as { tfa_enabled: boolean }).tfa_enabled).toBe(true);
  });
});
