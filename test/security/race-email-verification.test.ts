// Attack: replaying one verification token from many clients at once (a leaked link raced, or a double
// click). Pinned: of 100 concurrent uses exactly one succeeds; the rest are the same clean 400.
import { describe, expect, it } from 'vitest';
import { postJSON, signUp } from '../support/api';
import { burst } from '../support/burst';
import { readVerificationToken } from '../support/emails';

describe('verification token race', () => {
  it('100 concurrent uses of one verification token: exactly one success', async () => {
    const { email } = await signUp();
    const token = await readVerificationToken(email);
    const result = await burst(100, () => postJSON('/api/v1/auth/email/verify', { token }));
    expect(result.count(200)).toBe(1);
    expect(result.count(400)).toBe(99);
  });
});
