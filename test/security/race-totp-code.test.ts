// Attack: replaying one observed TOTP code from many pre-TFA sessions at once, inside its 30 s window
// (RFC 6238 §5.2). Pinned: of 50 concurrent uses exactly one logs in; the rest are clean 4xx.
import { describe, expect, it } from 'vitest';
import { codeAt, loginTFA, signUpWithAuthenticator, startTFALogin } from '../support/tfa';

describe('TOTP code race', () => {
  it('50 concurrent uses of one code: exactly one winner', async () => {
    const { email, secret } = await signUpWithAuthenticator();
    const challenges = await Promise.all(Array.from({ length: 50 }, () => startTFALogin(email)));
    const code = codeAt(secret, Date.now());
    const statuses = (await Promise.all(challenges.map((t) => loginTFA(t, code)))).map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s >= 400 && s < 500)).toHaveLength(49);
  });
});
