// Attack: wrong passwords for one account sent at once from as many client addresses, so that every guess
// is checked before any failure is written (issue: 100 at once, 9 were judged instead of 5), then the right
// password. 50 here: 100 PBKDF2 hashes at once in the one local test isolate starve its connection to the
// local gateway on a loaded 2-core machine (answers 503); production spreads them over many isolates.
// Pinned: at most 5 guesses are judged (400); the rest get 429 with Retry-After; once the 5th failure has
// been recorded the right password gets no tokens. The same holds for an email with no account.
import { describe, expect, it } from 'vitest';
import { expectProblem, logIn, PASSWORD, signUp, uniqueEmail } from '../support/api';
import { burst, expectLockedAnswers } from '../support/burst';

describe('concurrent password guesses', () => {
  it('50 wrong passwords at once: at most 5 judged, the rest 429, then the right password loses', async () => {
    const { email } = await signUp();
    const result = await burst(50, (i) => logIn(email, `wrong password ${i}`));
    expect(result.count(400)).toBeLessThanOrEqual(5);
    expect(result.count(400) + result.count(429)).toBe(50);
    await expectLockedAnswers(result.responses);
    await expectProblem(await logIn(email, PASSWORD), 429, 'account_locked');
  });

  it('an unknown email: the same burst gets the same answers and the same lock', async () => {
    const email = uniqueEmail('nobody');
    const result = await burst(50, (i) => logIn(email, `wrong password ${i}`));
    expect(result.count(400)).toBeLessThanOrEqual(5);
    expect(result.count(400) + result.count(429)).toBe(50);
    await expectLockedAnswers(result.responses);
    await expectProblem(await logIn(email, PASSWORD), 429, 'account_locked');
  });
});
