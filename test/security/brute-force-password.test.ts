// Attack: guessing one account's password as fast as the server answers.
// Pinned: from the 5th consecutive failure the account answers 429 with Retry-After (30 s, doubling,
// capped at an hour; 24 hours from the 100th, never more), a correct password is refused during the wait without being checked, and a success
// after the wait resets the count.
import { describe, expect, it } from 'vitest';
import { expectProblem, logIn, PASSWORD, signUp } from '../support/api';
import { expireAccountLock, sqlQuery } from '../support/db';

describe('password brute force', () => {
  it('locks the account from the 5th consecutive failure, with a growing wait', async () => {
    const { email } = await signUp();
    for (let i = 0; i < 4; i++)
      await expectProblem(await logIn(email, `wrong-${i}-password`), 400, 'invalid_credentials');
    // The 5th failure is still answered as a wrong password, and earns the first lock.
    await expectProblem(await logIn(email, 'wrong-5-password'), 400, 'invalid_credentials');

    const locked = await logIn(email, PASSWORD);
    await expectProblem(locked, 429, 'account_locked');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(25);
    expect(Number(locked.headers.get('retry-after'))).toBeLessThanOrEqual(30);

    // After the wait, another failure doubles it.
    await expireAccountLock(email);
    await expectProblem(await logIn(email, 'wrong-6-password'), 400);
    const longer = await logIn(email, PASSWORD);
    await expectProblem(longer, 429, 'account_locked');
    expect(Number(longer.headers.get('retry-after'))).toBeGreaterThan(55);
    expect(Number(longer.headers.get('retry-after'))).toBeLessThanOrEqual(60);

    // After that wait, the right password works and clears the count.
    await expireAccountLock(email);
    expect((await logIn(email, PASSWORD)).status).toBe(200);
    const [row] = await sqlQuery<{ failed_auth_count: number }>(
      'select failed_auth_count from users where email = $1',
      [email],
    );
    expect(row?.failed_auth_count).toBe(0);
  });

  it('caps the wait at one hour, and from 100 consecutive failures locks for 24 hours, never longer', async () => {
    const { email } = await signUp();
    await sqlQuery('update users set failed_auth_count = 30 where email = $1', [email]);
    await expectProblem(await logIn(email, 'wrong password!'), 400);
    const capped = await logIn(email, PASSWORD);
    expect(Number(capped.headers.get('retry-after'))).toBe(3600);

    await sqlQuery('update users set failed_auth_count = 99, locked_until = null where email = $1', [email]);
    await expectProblem(await logIn(email, 'wrong password!'), 400);
    const long = await logIn(email, PASSWORD);
    await expectProblem(long, 429, 'account_locked');
    expect(Number(long.headers.get('retry-after'))).toBeGreaterThan(24 * 3600 - 60);
    expect(Number(long.headers.get('retry-after'))).toBeLessThanOrEqual(24 * 3600);

    // Far past 100 failures, a lock set by failures alone still lasts at most 24 hours.
    await sqlQuery('update users set failed_auth_count = 5000, locked_until = null where email = $1', [
      email,
    ]);
    await expectProblem(await logIn(email, 'wrong password!'), 400);
    expect(Number((await logIn(email, PASSWORD)).headers.get('retry-after'))).toBeLessThanOrEqual(24 * 3600);
  });
});
