import { env } from 'cloudflare:workers';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  bearer,
  call,
  expectProblem,
  logIn,
  PASSWORD,
  postJSON,
  signUpAndLogIn,
  type Tokens,
} from '../support/api';
import { sqlQuery } from '../support/db';
import { decodeClaims } from '../support/tfa';

describe('POST /api/v1/auth/logout and /auth/logout_all', () => {
  it('logout kills the current session refresh token at once, not the other sessions', async () => {
    const { email, tokens } = await signUpAndLogIn();
    const other = (await (await logIn(email, PASSWORD)).json()) as Tokens;
    const response = await call('/api/v1/auth/logout', {
      method: 'POST',
      headers: bearer(tokens.access_token),
    });
    expect(response.status).toBe(204);
    await expectProblem(await postJSON('/api/v1/auth/refresh', { refresh_token: tokens.refresh_token }), 401);
    expect((await postJSON('/api/v1/auth/refresh', { refresh_token: other.refresh_token })).status).toBe(200);
  });

  it('logout_all kills every session of the user', async () => {
    const { email, tokens } = await signUpAndLogIn();
    const other = (await (await logIn(email, PASSWORD)).json()) as Tokens;
    const response = await call('/api/v1/auth/logout_all', {
      method: 'POST',
      headers: bearer(tokens.access_token),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ revoked_sessions: 2 });
    for (const t of [tokens, other]) {
      await expectProblem(await postJSON('/api/v1/auth/refresh', { refresh_token: t.refresh_token }), 401);
    }
  });

  it('a refresh family has an absolute lifetime, whatever the rotations', async () => {
    const { tokens } = await signUpAndLogIn();
    const sid = decodeClaims(tokens.refresh_token ?? '').sid;
    await sqlQuery(`update sessions set expires_at = now() - interval '1 second' where id = $1`, [sid]);
    await expectProblem(await postJSON('/api/v1/auth/refresh', { refresh_token: tokens.refresh_token }), 401);
  });
});

describe('access token claims and GET /.well-known/jwks.json', () => {
  it('access tokens carry iss, aud, sub, exp, iat, jti, amr, auth_time and verify against the published JWKS', async () => {
    const { tokens } = await signUpAndLogIn();
    const response = await call('/.well-known/jwks.json');
    expect(response.status).toBe(200);
    const jwks = (await response.json()) as { keys: Record<string, string>[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) expect(key).not.toHaveProperty('d');
    const { payload, protectedHeader } = await jwtVerify(
      tokens.access_token,
      createLocalJWKSet(jwks as never),
      {
        issuer: env.JWT_ISSUER,
        audience: env.JWT_AUDIENCE,
        algorithms: ['EdDSA'],
        typ: 'at+jwt',
      },
    );
    expect(protectedHeader.kid).toBe(jwks.keys[0]?.kid);
    for (const claim of ['iss', 'aud', 'sub', 'exp', 'iat', 'jti', 'amr', 'auth_time'])
      expect(payload).toHaveProperty(claim);
    expect(payload.amr).toEqual(['pwd']);
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(Number(env.ACCESS_TOKEN_TTL_SECONDS));
  });
});
