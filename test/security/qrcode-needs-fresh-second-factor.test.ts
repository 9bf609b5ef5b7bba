// Attack: a refresh token stolen from a password-only session before its owner enabled TFA keeps
// refreshing afterwards, and its access token reads the new TOTP secret through get_my_qrcode: a
// permanent second factor for the thief.
// Pinned: enabling TFA revokes every other session; get_my_qrcode needs an aal2 token (a TOTP login) whose
// auth_time is within 10 minutes, else 403 fresh_second_factor_required; enable_tfa needs a login within
// 10 minutes, else 403 recent_login_required.
import { describe, expect, it } from 'vitest';
import { bearer, call, expectProblem, postJSON, signUpAndLogIn, type Tokens } from '../support/api';
import { codeAt, decodeClaims, loginTFA, signUpWithAuthenticator, startTFALogin } from '../support/tfa';
import { accessTokenWith } from '../support/tokens';

const enable = (token: string, deviceType: string) =>
  call('/api/v1/tfa/enable_tfa?format=json', {
    method: 'PUT',
    headers: { ...bearer(token), 'content-type': 'application/json' },
    body: JSON.stringify({ device_type: deviceType }),
  });
const qrcode = (token: string) => call('/api/v1/tfa/get_my_qrcode?format=json', { headers: bearer(token) });
const refresh = (token: string | null) => postJSON('/api/v1/auth/refresh', { refresh_token: token });

describe('the TOTP secret is shown again only after a fresh second factor', () => {
  it('a session stolen before enable_tfa dies with it, and a password-only token cannot read the secret', async () => {
    const victim = await signUpAndLogIn();
    const stolen = victim.tokens; // the thief's copy of a password-only session
    const owner = (await (
      await call('/api/v1/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: victim.email, password: 'correct horse battery staple' }),
      })
    ).json()) as Tokens;
    const enabled = await enable(owner.access_token, 'code_generator');
    expect(enabled.status).toBe(200);
    const { otpauth_uri } = (await enabled.json()) as { otpauth_uri: string };

    // The thief's refresh token was revoked by enable_tfa; the owner's own session continues.
    await expectProblem(await refresh(stolen.refresh_token), 401, 'invalid_refresh_token');
    expect((await refresh(owner.refresh_token)).status).toBe(200);
    // A password-only access token (aal1), even a fresh one, cannot read the secret.
    await expectProblem(await qrcode(stolen.access_token), 403, 'fresh_second_factor_required');
    await expectProblem(await qrcode(owner.access_token), 403, 'fresh_second_factor_required');

    // The seed's flow works: log in, login_tfa, get_my_qrcode.
    const secret = new URL(otpauth_uri).searchParams.get('secret') ?? '';
    const done = await loginTFA(await startTFALogin(victim.email), codeAt(secret, Date.now()));
    const { access_token } = (await done.json()) as Tokens;
    expect(decodeClaims(access_token)).toMatchObject({ acr: 'aal2' });
    const shown = await qrcode(access_token);
    expect(shown.status).toBe(200);
    expect(((await shown.json()) as { otpauth_uri: string }).otpauth_uri).toBe(otpauth_uri);
  });

  it('an aal2 token whose login is older than 10 minutes is refused', async () => {
    const { userId } = await signUpWithAuthenticator();
    const stale = await accessTokenWith({
      sub: userId,
      amr: ['pwd', 'otp', 'mfa'],
      acr: 'aal2',
      authTimeSecondsAgo: 11 * 60,
    });
    await expectProblem(await qrcode(stale), 403, 'fresh_second_factor_required');
    const fresh = await accessTokenWith({
      sub: userId,
      amr: ['pwd', 'otp', 'mfa'],
      acr: 'aal2',
      authTimeSecondsAgo: 60,
    });
    expect((await qrcode(fresh)).status).toBe(200);
  });

  it('enable_tfa needs a login within 10 minutes; the request shape stays {device_type}', async () => {
    const { tokens } = await signUpAndLogIn();
    const { sub } = decodeClaims(tokens.access_token) as { sub: string };
    const stale = await accessTokenWith({ sub, amr: ['pwd'], acr: 'aal1', authTimeSecondsAgo: 11 * 60 });
    await expectProblem(await enable(stale, 'email'), 403, 'recent_login_required');
    expect((await enable(tokens.access_token, 'email')).status).toBe(200);
  });
});
