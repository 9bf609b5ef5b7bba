// Attack: learning which emails have accounts from the login answers. Pinned: a wrong password and an
// unknown email get byte-identical answers (status, headers that matter, body), and both run PBKDF2
// (the unknown-email path verifies against a dummy hash: see test/unit/password.test.ts).
import { describe, expect, it } from 'vitest';
import { logIn, signUp, uniqueEmail } from '../support/api';
import { signUpWithAuthenticator } from '../support/tfa';

async function answerOf(response: Response) {
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    wwwAuthenticate: response.headers.get('www-authenticate'),
    body: await response.text(),
  };
}

describe('account enumeration through login', () => {
  it('answers a wrong password and an unknown email identically', async () => {
    const { email } = await signUp();
    const existing = await answerOf(await logIn(email, 'not the password'));
    const unknown = await answerOf(await logIn(uniqueEmail('ghost'), 'not the password'));
    expect(existing.status).toBe(400);
    expect(unknown).toEqual(existing);
  });

  it('answers identically for an account with TFA: the second factor is only asked after the right password', async () => {
    const { email } = await signUpWithAuthenticator();
    const tfaUser = await answerOf(await logIn(email, 'not the password'));
    const unknown = await answerOf(await logIn(uniqueEmail('ghost'), 'not the password'));
    expect(tfaUser).toEqual(unknown);
  });
});
