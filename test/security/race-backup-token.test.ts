// Attack: spending one backup token from many pre-TFA sessions at once (a leaked token raced by an
// attacker, or a double submit). Pinned: of 50 concurrent uses exactly one succeeds; the rest are clean 4xx.
import { describe, expect, it } from 'vitest';
import { recoverTFA, signUpWithAuthenticator, startTFALogin } from '../support/tfa';

describe('backup token race', () => {
  it('50 concurrent uses of one backup token: exactly one winner', async () => {
    const { email, backupTokens } = await signUpWithAuthenticator();
    const challenges = await Promise.all(Array.from({ length: 50 }, () => startTFALogin(email)));
    const token = backupTokens[0] ?? '';
    const statuses = (await Promise.all(challenges.map((t) => recoverTFA(t, token)))).map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s >= 400 && s < 500)).toHaveLength(49);
  });
});
