// The TOTP secret is encrypted under a key id, so the encryption key can rotate without losing devices:
// a device enrolled under the old key still verifies after a new key becomes current.
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { encodeBase64url } from '../../src/crypto/encoding';
import worker from '../../src/index';
import { BASE, bearer, PASSWORD, postJSON, randomIP, signUp, type Tokens, uniqueEmail } from '../support/api';
import { sqlQuery } from '../support/db';
import { waitForEmail } from '../support/emails';
import {
  codeAt,
  readLoginCode,
  signUpWithAuthenticator,
  signUpWithEmailDevice,
  startTFALogin,
} from '../support/tfa';

const newKey = encodeBase64url(crypto.getRandomValues(new Uint8Array(32)));
// The new key first (it encrypts from now on), the old ones after it (they still decrypt).
const rotatedEnv = {
  ...env,
  ENCRYPTION_KEYS: `rotated-${Date.now()}:${newKey},${env.ENCRYPTION_KEYS}`,
} as Env;

async function callRotated(path: string, init: RequestInit = {}): Promise<Response> {
  const request = new Request(`${BASE}${path}`, init);
  request.headers.set('cf-connecting-ip', randomIP());
  return await worker.fetch(request, rotatedEnv, createExecutionContext());
}

describe('encryption key rotation', () => {
  it('a device enrolled under the old key logs in and shows its QR code after the key rotates', async () => {
    const { email, secret, otpauthURI } = await signUpWithAuthenticator();
    const login = await callRotated('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: email, password: PASSWORD }).toString(),
    });
    expect(login.status).toBe(202);
    const preTFA = ((await login.json()) as Tokens).access_token;
    const done = await callRotated(`/api/v1/tfa/login_tfa?tfa_token=${codeAt(secret, Date.now())}`, {
      method: 'POST',
      headers: bearer(preTFA),
    });
    expect(done.status).toBe(200);
    const { access_token } = (await done.json()) as Tokens;
    const qr = await callRotated('/api/v1/tfa/get_my_qrcode?format=json', { headers: bearer(access_token) });
    expect(((await qr.json()) as { otpauth_uri: string }).otpauth_uri).toBe(otpauthURI);
    // The login re-encrypted the secret under the new key, in the statement that accepted the step.
    const [row] = await sqlQuery<{ secret_envelope: string }>(
      'select d.secret_envelope from tfa_devices d join users u on u.id = d.user_id where u.email = $1',
      [email],
    );
    expect(row?.secret_envelope.split('.')[1]).toBe(rotatedEnv.ENCRYPTION_KEYS.split(':')[0]);
  });

  it('new devices are encrypted under the new key', async () => {
    const email = uniqueEmail('rotated');
    const signup = await callRotated('/api/v1/auth/signup', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email,
        password: PASSWORD,
        full_name: 'R',
        tfa_enabled: true,
        device: { device_type: 'code_generator' },
      }),
    });
    expect(signup.status).toBe(201);
    const [row] = await sqlQuery<{ secret_envelope: string }>(
      'select d.secret_envelope from tfa_devices d join users u on u.id = d.user_id where u.email = $1',
      [email],
    );
    expect(row?.secret_envelope.split('.')[1]).toBe(rotatedEnv.ENCRYPTION_KEYS.split(':')[0]);
  });
});

// TOKEN_HASH_KEY rotation: a new key goes in front (`kid:key,...`); the old single key keeps its id "0".
const hashRotatedEnv = {
  ...env,
  TOKEN_HASH_KEY: `h${Date.now()}:${encodeBase64url(crypto.getRandomValues(new Uint8Array(32)))},0:${env.TOKEN_HASH_KEY}`,
} as Env;

async function callHashRotated(path: string, init: RequestInit = {}): Promise<Response> {
  const request = new Request(`${BASE}${path}`, init);
  request.headers.set('cf-connecting-ip', randomIP());
  return await worker.fetch(request, hashRotatedEnv, createExecutionContext());
}

const form = (email: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ username: email, password: PASSWORD }).toString(),
});

describe('token hash key rotation', () => {
  it('backup tokens, email codes and reset tokens hashed under the old key still verify after a new key is added', async () => {
    // Backup token made under the old key, spent after the rotation.
    const { email, backupTokens } = await signUpWithAuthenticator();
    const login = await callHashRotated('/api/v1/auth/login', form(email));
    const preTFA = ((await login.json()) as Tokens).access_token;
    const recovered = await callHashRotated(`/api/v1/tfa/recover_tfa?tfa_backup_token=${backupTokens[0]}`, {
      method: 'POST',
      headers: bearer(preTFA),
    });
    expect(recovered.status).toBe(200);

    // Email code hashed under the old key (login before the rotation), checked after it.
    const emailUser = await signUpWithEmailDevice();
    const preTFAEmail = await startTFALogin(emailUser.email);
    const code = await readLoginCode(emailUser.email);
    const done = await callHashRotated(`/api/v1/tfa/login_tfa?tfa_token=${code}`, {
      method: 'POST',
      headers: bearer(preTFAEmail),
    });
    expect(done.status).toBe(200);

    // Reset token requested before the rotation, used after it.
    const resetUser = await signUp();
    expect((await postJSON('/api/v1/auth/password/forgot', { email: resetUser.email })).status).toBe(202);
    const mail = await waitForEmail(resetUser.email, 'Reset your edge-2fa password');
    const token = mail.body.split('\n').find((line) => /^[A-Za-z0-9_-]{43}$/.test(line)) ?? '';
    const reset = await callHashRotated('/api/v1/auth/password/reset', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, new_password: 'a brand new passphrase 42' }),
    });
    expect(reset.status).toBe(200);
  });

  it('new hashes are made under the new key and stored with its id', async () => {
    const email = uniqueEmail('hash-rotated');
    const signup = await callHashRotated('/api/v1/auth/signup', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email,
        password: PASSWORD,
        full_name: 'R',
        tfa_enabled: true,
        device: { device_type: 'email' },
      }),
    });
    expect(signup.status).toBe(201);
    const rows = await sqlQuery<{ hash_key_id: string }>(
      'select b.hash_key_id from backup_tokens b join users u on u.id = b.user_id where u.email = $1',
      [email],
    );
    const newKid = hashRotatedEnv.TOKEN_HASH_KEY.split(':')[0];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.hash_key_id === newKid)).toBe(true);
  });
});
