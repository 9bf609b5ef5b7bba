// Attack (on availability, and a NIST 800-63B §5.1.1.2 requirement): the same password typed on another
// keyboard or OS arrives in another Unicode form (macOS and some IMEs send "é" decomposed as "e" + U+0301;
// CJK keyboards send fullwidth "ｐ"). Hashed as raw bytes, the owner's own password is refused, again and
// again, until the account locks. Pinned: passwords are NFKC-normalised before hashing and before every
// check (signup, login, reset, change, re-authentication); hashes made before normalisation, from the raw
// input, still verify with the password as first typed and are rehashed to the NFKC form on login.
import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/crypto/password';
import { bearer, expectProblem, logIn, postJSON, signUp, type Tokens } from '../support/api';
import { sqlQuery } from '../support/db';
import { resetTokenIn, waitForEmail } from '../support/emails';
import { hashWithIterations } from '../support/passwords';
import { codeAt, secretFromOtpauthURI } from '../support/tfa';

const COMPOSED = 'Crème brûlée à la carte'.normalize('NFC');
const DECOMPOSED = COMPOSED.normalize('NFD');
const ASCII = 'Correct Horse 42 Staple';
// Fullwidth letters, digits and the ideographic space: NFKC maps each to its ASCII form.
const FULLWIDTH = [...ASCII]
  .map((ch) => (ch === ' ' ? '\u3000' : String.fromCodePoint((ch.codePointAt(0) ?? 0) + 0xfee0)))
  .join('');

async function logInTokens(email: string, password: string): Promise<Tokens> {
  const response = await logIn(email, password);
  expect(response.status, `login with ${JSON.stringify(password)}`).toBe(200);
  return (await response.json()) as Tokens;
}

async function storedHash(email: string): Promise<string> {
  const [row] = await sqlQuery<{ password_hash: string }>(
    'select password_hash from users where email = $1',
    [email],
  );
  return row?.password_hash ?? '';
}

describe('password normalisation (NFKC)', () => {
  it('the test passwords really differ as typed and agree under NFKC', () => {
    expect(DECOMPOSED).not.toBe(COMPOSED);
    expect(FULLWIDTH).not.toBe(ASCII);
    expect(FULLWIDTH.normalize('NFKC')).toBe(ASCII);
  });

  it('a password chosen composed logs in typed decomposed, and the other way round', async () => {
    const composed = await signUp({ password: COMPOSED });
    expect(composed.response.status).toBe(201);
    await logInTokens(composed.email, DECOMPOSED);
    const decomposed = await signUp({ password: DECOMPOSED });
    expect(decomposed.response.status).toBe(201);
    await logInTokens(decomposed.email, COMPOSED);
  });

  it('a password typed in fullwidth forms logs in to an account whose password was chosen in ASCII', async () => {
    const { response, email } = await signUp({ password: ASCII });
    expect(response.status).toBe(201);
    await logInTokens(email, FULLWIDTH);
    // Each failure still counts: a different password in fullwidth is still a different password.
    await expectProblem(await logIn(email, `${FULLWIDTH}x`), 400, 'invalid_credentials');
  });

  it('the new-password rules apply to the NFKC form: fullwidth "ｐａｓｓｗｏｒｄ" is the common "password"', async () => {
    const { response } = await signUp({ password: 'ｐａｓｓｗｏｒｄ' });
    const problem = await expectProblem(response, 422, 'validation_failed');
    expect(problem.errors).toContainEqual(expect.objectContaining({ field: 'password' }));
  });

  it('a hash stored before normalisation (of the raw decomposed input) still verifies, and is rehashed to NFKC', async () => {
    const { response, email } = await signUp({ password: COMPOSED });
    expect(response.status).toBe(201);
    // As the earlier code stored it: PBKDF2 over the bytes exactly as the user typed them at signup.
    const legacy = await hashWithIterations(DECOMPOSED, 100_000);
    await sqlQuery('update users set password_hash = $1 where email = $2', [legacy, email]);
    expect((await verifyPassword(COMPOSED, legacy)).valid).toBe(false);

    await logInTokens(email, DECOMPOSED);
    const rehashed = await storedHash(email);
    expect(rehashed).not.toBe(legacy);
    expect(await verifyPassword(COMPOSED, rehashed)).toEqual({ valid: true, needsRehash: false });
    await logInTokens(email, COMPOSED);
    await logInTokens(email, DECOMPOSED);
  });

  it('reset and change normalise the new password, and change checks the current one normalised', async () => {
    const { response, email } = await signUp({ password: COMPOSED });
    expect(response.status).toBe(201);
    const tokens = await logInTokens(email, COMPOSED);

    const changed = await postJSON(
      '/api/v1/auth/password/change',
      { current_password: DECOMPOSED, new_password: FULLWIDTH },
      bearer(tokens.access_token),
    );
    expect(changed.status).toBe(200);
    expect(await verifyPassword(ASCII, await storedHash(email))).toEqual({ valid: true, needsRehash: false });
    await logInTokens(email, ASCII);

    expect((await postJSON('/api/v1/auth/password/forgot', { email })).status).toBe(202);
    const token = resetTokenIn(await waitForEmail(email, 'Reset your edge-2fa password'));
    const reset = await postJSON('/api/v1/auth/password/reset', { token, new_password: DECOMPOSED });
    expect(reset.status).toBe(200);
    expect((await verifyPassword(COMPOSED, await storedHash(email))).needsRehash).toBe(false);
    await logInTokens(email, COMPOSED);
  });

  it('re-authentication (disabling TFA) accepts the password typed in another form', async () => {
    const { response, email } = await signUp(
      { password: COMPOSED, tfa_enabled: true, device: { device_type: 'code_generator' } },
      '?format=json',
    );
    expect(response.status).toBe(201);
    const secret = secretFromOtpauthURI(((await response.json()) as { otpauth_uri: string }).otpauth_uri);
    const preTFA = ((await (await logIn(email, DECOMPOSED)).json()) as Tokens).access_token;
    const code = codeAt(secret, Date.now());
    const login = await postJSON('/api/v1/tfa/login_tfa', { tfa_token: code }, bearer(preTFA));
    expect(login.status).toBe(200);
    const { access_token } = (await login.json()) as Tokens;
    // A later step than the one just used, so the code is fresh for the re-authentication.
    const nextCode = codeAt(secret, Date.now() + 30_000);
    const disabled = await postJSON(
      '/api/v1/tfa/disable',
      { password: DECOMPOSED, code: nextCode },
      bearer(access_token),
    );
    expect(disabled.status).toBe(200);
  });
});
