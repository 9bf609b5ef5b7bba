// Attack: a thief with the password of an account whose second factor is emailed codes sends 100 wrong
// codes at once, hoping every guess is judged before any failure is written (10^6 codes, so every judged
// guess counts).
// Pinned: at most 5 guesses are judged (403); the rest get 429 with Retry-After; once the limit is reached
// the emailed code gets no tokens.
import { describe, expect, it } from 'vitest';
import { expectProblem } from '../support/api';
import { burst, expectLockedAnswers } from '../support/burst';
import { loginTFA, readLoginCode, signUpWithEmailDevice, startTFALogin } from '../support/tfa';

describe('concurrent email-code guesses', () => {
  it('100 wrong codes at once: at most 5 judged, the rest 429, then the emailed code loses', async () => {
    const { email } = await signUpWithEmailDevice();
    const preTFA = await startTFALogin(email);
    const code = await readLoginCode(email);
    const result = await burst(100, (i) => {
      const guess = String(200_000 + i);
      return loginTFA(preTFA, guess === code ? '999999' : guess);
    });
    expect(result.count(403)).toBeLessThanOrEqual(5);
    expect(result.count(403) + result.count(429)).toBe(100);
    await expectLockedAnswers(result.responses);
    await expectProblem(await loginTFA(preTFA, code), 429, 'account_locked');
  });
});
