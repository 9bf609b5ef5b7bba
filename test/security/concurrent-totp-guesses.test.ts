// Attack: a thief with the password opens pre-TFA challenges and sends 100 wrong TOTP codes at once, over
// one challenge or over 20 of them, so that every guess is judged before any failure is written (issue:
// 48 of 100 were judged, and the right code still won after 15 recorded failures).
// Pinned: per account and lock window at most 5 guesses are judged (403); the rest get 429 with
// Retry-After; tokens of ended challenges get 401; once the limit is reached the right code gets no tokens.
import { describe, expect, it } from 'vitest';
import { expectProblem, logIn, PASSWORD } from '../support/api';
import { burst, expectLockedAnswers } from '../support/burst';
import { codeAt, loginTFA, signUpWithAuthenticator, startTFALogin } from '../support/tfa';

const wrongCode = (secret: string, index: number) => {
  const right = codeAt(secret, Date.now());
  const guess = String(100_000 + index).padStart(6, '0');
  return guess === right ? '000000' : guess;
};

describe('concurrent TOTP guesses', () => {
  it('100 wrong codes at once on one challenge: at most 5 judged, the rest 429, then the right code loses', async () => {
    const { email, secret } = await signUpWithAuthenticator();
    const preTFA = await startTFALogin(email);
    const result = await burst(100, (i) => loginTFA(preTFA, wrongCode(secret, i)));
    expect(result.count(403)).toBeLessThanOrEqual(5);
    expect(result.count(403) + result.count(429)).toBe(100);
    await expectLockedAnswers(result.responses);

    await expectProblem(await loginTFA(preTFA, codeAt(secret, Date.now())), 429, 'account_locked');
    await expectProblem(await logIn(email, PASSWORD), 429, 'account_locked');
  });

  it('100 wrong codes over 20 pre-TFA tokens: only the open challenge judges, at most 5 times', async () => {
    const { email, secret } = await signUpWithAuthenticator();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => startTFALogin(email)));
    const result = await burst(100, (i) => loginTFA(tokens[i % tokens.length] ?? '', wrongCode(secret, i)));
    expect(result.count(200)).toBe(0);
    expect(result.count(403)).toBeLessThanOrEqual(5);
    // Ended challenges are refused without looking at the code (401); everything else is the lock.
    expect(result.count(403) + result.count(429) + result.count(401)).toBe(100);
    await expectLockedAnswers(result.responses);
    const stillOpen = await Promise.all(tokens.map((t) => loginTFA(t, codeAt(secret, Date.now()))));
    expect(stillOpen.filter((r) => r.status === 200)).toHaveLength(0);
  });

  it('50 wrong codes and the right one at once: at most 5 judged in all, and the right code wins only among them', async () => {
    const { email, secret } = await signUpWithAuthenticator();
    const preTFA = await startTFALogin(email);
    const rightIndex = 25;
    const result = await burst(51, (i) =>
      loginTFA(preTFA, i === rightIndex ? codeAt(secret, Date.now()) : wrongCode(secret, i)),
    );
    // The right code either was judged among the first 5 (then it won and closed the challenge: 401 for
    // the rest) or arrived after the 5th failure and got the lock's 429 like any guess.
    expect(result.count(200) + result.count(403)).toBeLessThanOrEqual(5);
    expect(result.count(200) + result.count(403) + result.count(429) + result.count(401)).toBe(51);
    const rightStatus = result.statuses[rightIndex];
    if (result.count(403) === 5) expect(rightStatus).toBe(429);
  });
});
