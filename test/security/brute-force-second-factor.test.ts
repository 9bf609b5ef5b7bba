// Attack: guessing the second factor (TOTP code, emailed code, backup token) after stealing a password.
// Pinned: at most 5 attempts per pre-TFA challenge, and the same per-account lockout as passwords:
// 429 with Retry-After from the 5th consecutive failure, whichever factor failed.
import { describe, expect, it } from 'vitest';
import { expectProblem, logIn, PASSWORD } from '../support/api';
import { expireAccountLock } from '../support/db';
import {
  codeAt,
  loginTFA,
  readLoginCode,
  recoverTFA,
  signUpWithAuthenticator,
  signUpWithEmailDevice,
  startTFALogin,
} from '../support/tfa';

describe('second-factor brute force', () => {
  it('TOTP: 5 wrong codes lock the account, and the challenge they were tried on is dead', async () => {
    const { email, secret } = await signUpWithAuthenticator();
    const preTFA = await startTFALogin(email);
    for (let i = 0; i < 5; i++) await expectProblem(await loginTFA(preTFA, '000000'), 403, 'totp_mismatch');
    const locked = await loginTFA(preTFA, codeAt(secret, Date.now()));
    await expectProblem(locked, 429, 'account_locked');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);

    await expireAccountLock(email);
    // The per-challenge limit outlives the account lock: this pre-TFA token is used up.
    await expectProblem(await loginTFA(preTFA, codeAt(secret, Date.now())), 401, 'tfa_challenge_expired');
    // A fresh login works, and resets the count.
    expect((await loginTFA(await startTFALogin(email), codeAt(secret, Date.now()))).status).toBe(200);
  });

  it('email code: 5 wrong codes lock the account', async () => {
    const { email } = await signUpWithEmailDevice();
    const preTFA = await startTFALogin(email);
    const code = await readLoginCode(email);
    const wrong = code === '111111' ? '222222' : '111111';
    for (let i = 0; i < 5; i++) await expectProblem(await loginTFA(preTFA, wrong), 403);
    await expectProblem(await loginTFA(preTFA, code), 429, 'account_locked');
  });

  it('backup tokens: 5 wrong tokens lock the account', async () => {
    const { email, backupTokens } = await signUpWithAuthenticator();
    const preTFA = await startTFALogin(email);
    for (let i = 0; i < 5; i++) await expectProblem(await recoverTFA(preTFA, `ZZZZ-ZZZZ-ZZZ${i}`), 403);
    await expectProblem(await recoverTFA(preTFA, backupTokens[0] ?? ''), 429, 'account_locked');
  });

  it('failures add up across factors: passwords and codes share one count', async () => {
    const { email, secret } = await signUpWithAuthenticator();
    const preTFA = await startTFALogin(email);
    for (let i = 0; i < 4; i++) await expectProblem(await loginTFA(preTFA, '000000'), 403);
    await expectProblem(await recoverTFA(preTFA, 'ZZZZ-ZZZZ-ZZZZ'), 403);
    // Even the right password is now refused, as is the right code on the open challenge.
    await expectProblem(await logIn(email, PASSWORD), 429, 'account_locked');
    await expectProblem(await loginTFA(preTFA, codeAt(secret, Date.now())), 429, 'account_locked');
  });
});
