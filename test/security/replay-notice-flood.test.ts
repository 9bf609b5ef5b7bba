// Attack: with one used TOTP code and the password, flood the owner's inbox: every replay of the code
// sent a "reused code refused" email. Pinned: at most one such notice per account per 15 minutes, decided
// in the statement that refuses the replay (replay_notice_at), however many replays arrive.
import { describe, expect, it } from 'vitest';
import { sqlQuery } from '../support/db';
import { waitForEmail } from '../support/emails';
import { codeAt, loginTFA, signUpWithAuthenticator, startTFALogin } from '../support/tfa';

const NOTICE = 'reused edge-2fa code was refused';

describe('replayed-code notices', () => {
  it('three replays of a used code: one notice; another after 15 minutes', async () => {
    const { email, secret } = await signUpWithAuthenticator();
    const code = codeAt(secret, Date.now());
    expect((await loginTFA(await startTFALogin(email), code)).status).toBe(200);
    const preTFA = await startTFALogin(email);
    for (let i = 0; i < 3; i++) expect((await loginTFA(preTFA, code)).status).toBe(403);
    await waitForEmail(email, NOTICE);
    await expect(waitForEmail(email, NOTICE, 1_500)).rejects.toThrow(/No email/);

    // Fifteen minutes later (time travel on the stored timestamp), the next replay is reported again.
    await sqlQuery(`update users set replay_notice_at = now() - interval '16 minutes' where email = $1`, [
      email,
    ]);
    expect((await loginTFA(preTFA, code)).status).toBe(403);
    await waitForEmail(email, NOTICE);
  });
});
