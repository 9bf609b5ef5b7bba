// Attack: replaying one stolen refresh token many times at once, hoping several rotations succeed.
// Pinned: of 50 concurrent uses exactly one gets new tokens; the rest are clean 401 problems.
import { describe, expect, it } from 'vitest';
import { postJSON, signUpAndLogIn } from '../support/api';

describe('refresh token race', () => {
  it('50 concurrent uses of one refresh token: exactly one winner', async () => {
    const { tokens } = await signUpAndLogIn();
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        postJSON('/api/v1/auth/refresh', { refresh_token: tokens.refresh_token }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(49);
    for (const r of responses.filter((r) => r.status === 401)) {
      expect(r.headers.get('content-type')).toContain('application/problem+json');
    }
  });
});
