// Attack: presenting the wrong kind of token (or a forged one) to a protected endpoint, hoping a verifier
// accepts any valid signature. Pinned (RFC 8725 §3.11–3.12): every endpoint accepts exactly its own token
// kind; every other kind, an expired token, a wrong signature, `alg: none`, HS256 and another audience are
// refused with 401.
import { env } from 'cloudflare:workers';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSigningKeys, signToken } from '../../src/crypto/jwt';
import { bearer, call, expectProblem } from '../support/api';
import { signUpWithAuthenticator, startTFALogin } from '../support/tfa';

const ACCESS_ENDPOINTS: [string, string, string?][] = [
  ['GET', '/api/v1/auth/test-token'],
  ['GET', '/api/v1/tfa/get_my_qrcode'],
  ['PUT', '/api/v1/tfa/enable_tfa', '{"device_type":"email"}'],
  ['GET', '/api/v1/users/users'],
  ['POST', '/api/v1/auth/logout'],
  ['POST', '/api/v1/auth/logout_all'],
];
const PRE_TFA_ENDPOINTS: [string, string][] = [
  ['POST', '/api/v1/tfa/login_tfa?tfa_token=123456'],
  ['POST', '/api/v1/tfa/recover_tfa?tfa_backup_token=AAAA-BBBB-CCCC'],
];

function base64url(value: object): string {
  return btoa(JSON.stringify(value)).replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '');
}

const tokens: Record<string, string> = {};

beforeAll(async () => {
  const user = await signUpWithAuthenticator();
  tokens.pre_tfa = await startTFALogin(user.email);
  const keys = await loadSigningKeys(env.JWT_SIGNING_KEYS);
  const options = { issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, expiresInSeconds: 600 };
  tokens.access = await signToken(keys, 'access', { sub: user.userId, amr: ['pwd'] }, options);
  tokens.refresh = await signToken(keys, 'refresh', { sub: user.userId, sid: crypto.randomUUID() }, options);
  const claims = {
    sub: user.userId,
    iss: env.JWT_ISSUER,
    aud: env.JWT_AUDIENCE,
    exp: Math.floor(Date.now() / 1000) + 600,
    jti: crypto.randomUUID(),
    iat: Math.floor(Date.now() / 1000),
  };
  tokens.expired_access = await signToken(
    keys,
    'access',
    { sub: user.userId },
    { ...options, nowSeconds: Math.floor(Date.now() / 1000) - 3600 },
  );
  tokens.other_audience = await signToken(
    keys,
    'access',
    { sub: user.userId },
    { ...options, audience: 'another-service' },
  );
  tokens.alg_none = `${base64url({ alg: 'none', typ: 'at+jwt' })}.${base64url(claims)}.`;
  tokens.hs256 = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: keys.signing.kid })
    .sign(new TextEncoder().encode(env.TOKEN_HASH_KEY));
  const { privateKey } = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const [header] = tokens.access.split('.');
  const forgedHeader = JSON.parse(atob((header ?? '').replaceAll('-', '+').replaceAll('_', '/')));
  tokens.wrong_signature = await new SignJWT({ ...claims, amr: ['pwd'] })
    .setProtectedHeader(forgedHeader)
    .sign(privateKey);
  tokens.garbage = 'eyJhbGciOiJFZERTQSJ9.e30.c2ln';
});

const FORGED = ['expired_access', 'other_audience', 'alg_none', 'hs256', 'wrong_signature', 'garbage'];

function request(method: string, path: string, token: string, body?: string): Promise<Response> {
  return call(path, {
    method,
    headers: { ...bearer(token), ...(body ? { 'content-type': 'application/json' } : {}) },
    body,
  });
}

describe('token confusion', () => {
  it('endpoints for access tokens refuse pre-TFA, refresh and every forged token', async () => {
    for (const [method, path, body] of ACCESS_ENDPOINTS) {
      for (const kind of ['pre_tfa', 'refresh', ...FORGED]) {
        const response = await request(method, path, tokens[kind] ?? '', body);
        expect(response.status, `${kind} on ${method} ${path}`).toBe(401);
        await expectProblem(response, 401);
      }
    }
  });

  it('endpoints for pre-TFA tokens refuse access, refresh and every forged token', async () => {
    for (const [method, path] of PRE_TFA_ENDPOINTS) {
      for (const kind of ['access', 'refresh', ...FORGED]) {
        const response = await request(method, path, tokens[kind] ?? '');
        expect(response.status, `${kind} on ${method} ${path}`).toBe(401);
      }
    }
  });

  it('the refresh endpoint refuses access, pre-TFA and forged tokens', async () => {
    for (const kind of ['access', 'pre_tfa', ...FORGED]) {
      const response = await call('/api/v1/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token: tokens[kind] }),
      });
      expect(response.status, kind).toBe(401);
    }
  });

  it('the genuine token of each kind is accepted where it belongs (the refusals above are not vacuous)', async () => {
    expect((await request('GET', '/api/v1/auth/test-token', tokens.access ?? '')).status).toBe(200);
    const tfa = await request('POST', '/api/v1/tfa/login_tfa?tfa_token=000000', tokens.pre_tfa ?? '');
    expect(tfa.status).toBe(403);
  });
});
