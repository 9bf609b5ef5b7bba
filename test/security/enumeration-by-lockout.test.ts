// Attack: telling whether an account exists without ever knowing its password: six wrong logins lock a
// real account (429) but never an unknown email; a wrong password for a real account did one more
// database write (~12 ms) than an unknown email; forgot-password was slower for a real account (the
// queue send). Pinned: unknown emails get the same answers, counters and lock (kept under a keyed hash
// of the email, no row in users); both login paths and both forgot-password paths make the same number of
// database round trips; the owner of a real account is emailed when it locks.
import { describe, expect, it } from 'vitest';
import { logIn, postJSON, signUp, uniqueEmail } from '../support/api';
import { countRoundTrips, sqlQuery } from '../support/db';
import { waitForEmail } from '../support/emails';

async function answers(email: string) {
  const seen: string[] = [];
  for (let i = 0; i < 6; i++) {
    const response = await logIn(email, `wrong password ${i}`);
    const body = (await response.json()) as { code: string; detail: string };
    seen.push(
      `${response.status} ${body.code} ${body.detail} retry-after=${response.headers.get('retry-after')}`,
    );
  }
  return seen;
}

describe('unknown emails look like accounts', () => {
  it('six wrong logins: the same answers and the same lock for a real account and an unknown email', async () => {
    const { email } = await signUp();
    const unknown = uniqueEmail('nobody');
    const [real, missing] = await Promise.all([answers(email), answers(unknown)]);
    expect(missing).toEqual(real);
    expect(real[5]).toMatch(/^429 account_locked .* retry-after=(29|30)$/);
    // No users row was created for the unknown email.
    expect(await sqlQuery('select 1 from users where email = $1', [unknown])).toHaveLength(0);
    // The real owner hears that the account locked.
    expect((await waitForEmail(email, 'temporarily locked')).body).toContain('password reset unlocks');
  });

  it('a wrong password and an unknown email make the same database round trips (2)', async () => {
    const { email } = await signUp();
    // Four failures each, so neither reaches the lock during the measurement.
    const known = await countRoundTrips(() => logIn(email, 'wrong password!'), 4);
    const unknownEmail = uniqueEmail('nobody');
    const unknown = await countRoundTrips(() => logIn(unknownEmail, 'wrong password!'), 4);
    expect(known).toBe(2);
    expect(unknown).toBe(known);
  });

  it('forgot-password makes the same database round trips (1) for a real account and an unknown email', async () => {
    const { email } = await signUp();
    const known = await countRoundTrips(() => postJSON('/api/v1/auth/password/forgot', { email }), 3);
    const unknownEmail = uniqueEmail('nobody');
    const unknown = await countRoundTrips(
      () => postJSON('/api/v1/auth/password/forgot', { email: unknownEmail }),
      3,
    );
    expect(known).toBe(1);
    expect(unknown).toBe(known);
  });
});
