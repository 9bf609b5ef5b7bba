// The TOTP secret is encrypted under a key id, so the encryption key can rotate without losing devices:
// a device enrolled under the old key still verifies after a new key becomes current.
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { encodeBase64url } from '../../src/crypto/encoding';
import worker from '../../src/index';
import { BASE, bearer, PASSWORD, randomIP, sendChecked, type Tokens, uniqueEmail } from '../support/api';
import { sqlQuery } from '../support/db';
import { codeAt, signUpWithAuthenticator } from '../support/tfa';

const newKey = encodeBase64url(crypto.getRandomValues(new Uint8Array(32)));
// The new key first (it encrypts from now on), the old ones after it (they still decrypt).
const rotatedEnv = {
  ...env,
  ENCRYPTION_KEYS: `rotated-${Date.now()}:${newKey},${env.ENCRYPTION_KEYS}`,
} as Env;

async function callRotated(path: string, init: RequestInit = {}): Promise<Response> {
  const request = new Request(`${BASE}${path}`, init);
  request.headers.set('cf-connecting-ip', randomIP());
  return await sendChecked(request, (r) => worker.fetch(r, rotatedEnv, createExecutionContext()));
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
