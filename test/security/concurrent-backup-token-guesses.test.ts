// Attack: a thief with the password sends 100 wrong backup tokens at once on a pre-TFA challenge, hoping
// every guess is judged before any failure is written.
// Pinned: at most 5 guesses are judged (403); the rest get 429 with Retry-After; once the limit is reached
// a real backup token gets no tokens and is not spent.
import { describe, expect, it } from 'vitest';
import { expectProblem } from '../support/api';
import { burst, expectLockedAnswers } from '../support/burst';
import { expireAccountLock } from '../support/db';
import { codeAt, loginTFA, recoverTFA, signUpWithAuthenticator, startTFALogin } from '../support/tfa';

describe('concurrent backup-token guesses', () => {
  it('100 wrong tokens at once: at most 5 judged, the rest 429, then a real token loses and stays unspent', async () => {
    const { email, secret, backupTokens } = await signUpWithAuthenticator();
    const preTFA = await startTFALogin(email);
    const result = await burst(100, (i) => recoverTFA(preTFA, `ZZZZ-ZZZZ-${String(i).padStart(4, 'Z')}`));
    expect(result.count(403)).toBeLessThanOrEqual(5);
    expect(result.count(403) + result.count(429)).toBe(100);
    await expectLockedAnswers(result.responses);
    const realToken = backupTokens[0] ?? '';
    await expectProblem(await recoverTFA(preTFA, realToken), 429, 'account_locked');

    // After the lock, the token refused during it still works: it was never spent.
    await expireAccountLock(email);
    expect((await recoverTFA(await startTFALogin(email), realToken)).status).toBe(200);
    expect((await loginTFA(await startTFALogin(email), codeAt(secret, Date.now()))).status).toBe(200);
  });
});
