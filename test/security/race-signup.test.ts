// Attack: creating the same account twice by racing signups (or a double submit). Pinned: of 20
// concurrent signups with one email exactly one creates the account; the rest are clean 400 problems.
import { describe, expect, it } from 'vitest';
import { PASSWORD, postJSON, uniqueEmail } from '../support/api';

describe('signup race', () => {
  it('20 concurrent signups with one email: exactly one account', async () => {
    const email = uniqueEmail('race');
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        postJSON('/api/v1/auth/signup', {
          email: i % 2 ? email.toUpperCase() : email,
          password: PASSWORD,
          full_name: 'Racer',
        }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(19);
    for (const r of responses.filter((r) => r.status === 400)) {
      expect(((await r.json()) as { code: string }).code).toBe('email_taken');
    }
  });
});
