// Password hashes record their parameters so they can be raised later: a login with a hash made with fewer
// iterations than today's stores a fresh hash, in the statement the login writes anyway.
import { describe, expect, it } from 'vitest';
import { logIn, PASSWORD, signUp } from '../support/api';
import { sqlQuery } from '../support/db';
import { hashWithIterations } from '../support/passwords';
import { signUpWithAuthenticator } from '../support/tfa';

async function storedHash(email: string): Promise<string> {
  const [row] = await sqlQuery<{ password_hash: string }>(
    'select password_hash from users where email = $1',
    [email],
  );
  return row?.password_hash ?? '';
}

describe('rehash on login', () => {
  it('a login without TFA replaces a 1,000-iteration hash with a 100,000-iteration one', async () => {
    const { email } = await signUp();
    await sqlQuery('update users set password_hash = $1 where email = $2', [
      await hashWithIterations(PASSWORD, 1000),
      email,
    ]);
    expect((await logIn(email, PASSWORD)).status).toBe(200);
    expect(await storedHash(email)).toMatch(/^\$pbkdf2-sha256\$i=100000\$/);
    expect((await logIn(email, PASSWORD)).status).toBe(200);
  });

  it('the password step of a TFA login rehashes too', async () => {
    const { email } = await signUpWithAuthenticator();
    await sqlQuery('update users set password_hash = $1 where email = $2', [
      await hashWithIterations(PASSWORD, 1000),
      email,
    ]);
    expect((await logIn(email, PASSWORD)).status).toBe(202);
    expect(await storedHash(email)).toMatch(/^\$pbkdf2-sha256\$i=100000\$/);
  });
});
