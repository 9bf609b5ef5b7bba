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
import { waitForEmail } from '../support/emails';
import { decodeQRCodeSVG } from '../support/qr-decode';
import {
  codeAt,
  decodeClaims,
  loginTFA,
  readLoginCode,
  recoverTFA,
  secretFromOtpauthURI,
  signUpWithAuthenticator,
  signUpWithEmailDevice,
  startTFALogin,
} from '../support/tfa';

describe('signup with two-factor authentication', () => {
  it('code_generator: answers 201 with the QR code as SVG by default and emails backup tokens', async () => {
    const response = await postJSON('/api/v1/auth/signup', {
      email: `qr-${crypto.randomUUID().slice(0, 8)}@example.com`,
      password: PASSWORD,
      full_name: 'QR User',
      tfa_enabled: true,
      device: { device_type: 'code_generator' },
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toContain('image/svg+xml');
    const svg = await response.text();
    expect(svg).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*<\/svg>$/);
    const uri = new URL(decodeQRCodeSVG(svg) ?? 'about:blank');
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('period')).toBe('30');
    expect(uri.searchParams.get('secret')).toMatch(/^[A-Z2-7]{32}$/);
  });

  it('code_generator: ?format=json gives an otpauth URI with period=30 and a 160-bit secret, and 5 backup tokens by email', async () => {
    const { otpauthURI, secret, backupTokens, email } = await signUpWithAuthenticator();
    const uri = new URL(otpauthURI);
    expect(uri.protocol).toBe('otpauth:');
    expect(otpauthURI).toContain(`edge-2fa:${encodeURIComponent(email)}`);
    expect(uri.searchParams.get('period')).toBe('30');
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('algorithm')).toBe('SHA1');
    expect(uri.searchParams.get('issuer')).toBe('edge-2fa');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(backupTokens).toHaveLength(5);
    expect(new Set(backupTokens).size).toBe(5);
  });

  it('email device: answers 201 JSON with the device and emails backup tokens', async () => {
    const { backupTokens } = await signUpWithEmailDevice();
    expect(backupTokens).toHaveLength(5);
  });
});

describe('POST /api/v1/tfa/login_tfa', () => {
  it('authenticator: 202 then the current code gives tokens carrying amr otp', async () => {
    const { email, secret } = await signUpWithAuthenticator();
    const preTFA = await startTFALogin(email);
    const response = await loginTFA(preTFA, codeAt(secret, Date.now()));
    expect(response.status).toBe(200);
    const tokens = (await response.json()) as Tokens;
    expect(decodeClaims(tokens.access_token)).toMatchObject({ amr: ['pwd', 'otp', 'mfa'], acr: 'aal2' });
    const me = await call('/api/v1/auth/test-token', { headers: bearer(tokens.access_token) });
    expect(me.status).toBe(200);
  });

  it('refuses a wrong code with 403 "TOTP token mismatch"', async () => {
    const { email, secret } = await signUpWithAuthenticator();
    const preTFA = await startTFALogin(email);
    const right = codeAt(secret, Date.now());
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    const problem = await expectProblem(await loginTFA(preTFA, wrong), 403, 'totp_mismatch');
    expect(problem.detail).toBe('TOTP token mismatch');
  });

  it('accepts each code once: the same code on a second login is refused', async () => {
    const { email, secret } = await signUpWithAuthenticator();
    const code = codeAt(secret, Date.now());
    expect((await loginTFA(await startTFALogin(email), code)).status).toBe(200);
    await expectProblem(await loginTFA(await startTFALogin(email), code), 403, 'totp_mismatch');
  });

  it('refuses a code from two steps ago', async () => {
    const { email, secret } = await signUpWithAuthenticator();
    const preTFA = await startTFALogin(email);
    await expectProblem(await loginTFA(preTFA, codeAt(secret, Date.now() - 60_000)), 403, 'totp_mismatch');
  });

  it('lets exactly one of concurrent uses of one code win', async () => {
    const { email, secret } = await signUpWithAuthenticator();
    const preTFA = await startTFALogin(email);
    const code = codeAt(secret, Date.now());
    const responses = await Promise.all(Array.from({ length: 5 }, () => loginTFA(preTFA, code)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    // The challenge is closed by the winner: the others find it used up.
    expect(statuses.filter((s) => s === 401)).toHaveLength(4);
  });

  it('a new password login ends the earlier open challenge (one open challenge per user)', async () => {
    const { email, secret } = await signUpWithAuthenticator();
    const first = await startTFALogin(email);
    const second = await startTFALogin(email);
    await expectProblem(await loginTFA(first, codeAt(secret, Date.now())), 401, 'tfa_challenge_expired');
    expect((await loginTFA(second, codeAt(secret, Date.now()))).status).toBe(200);
  });

  it('a pre-TFA token is single use: after success it cannot log in again', async () => {
    const { email, secret } = await signUpWithAuthenticator();
    const preTFA = await startTFALogin(email);
    expect((await loginTFA(preTFA, codeAt(secret, Date.now()))).status).toBe(200);
    await expectProblem(await loginTFA(preTFA, codeAt(secret, Date.now() + 30_000)), 401);
  });

  it('email device: the login emails a 6-digit code that works once, with amr email_otp at aal1', async () => {
    const { email } = await signUpWithEmailDevice();
    const preTFA = await startTFALogin(email);
    const code = await readLoginCode(email);
    const response = await loginTFA(preTFA, code);
    expect(response.status).toBe(200);
    const tokens = (await response.json()) as Tokens;
    expect(decodeClaims(tokens.access_token)).toMatchObject({ amr: ['pwd', 'email_otp'], acr: 'aal1' });
    await expectProblem(await loginTFA(preTFA, code), 401);
  });

  it('email device: a code from another login does not work', async () => {
    const { email } = await signUpWithEmailDevice();
    await startTFALogin(email);
    const oldCode = await readLoginCode(email);
    const preTFA = await startTFALogin(email);
    const newCode = await readLoginCode(email);
    if (oldCode !== newCode) await expectProblem(await loginTFA(preTFA, oldCode), 403);
    expect((await loginTFA(preTFA, newCode)).status).toBe(200);
  });

  it('answers 422 without tfa_token', async () => {
    const { email } = await signUpWithAuthenticator();
    const preTFA = await startTFALogin(email);
    await expectProblem(
      await call('/api/v1/tfa/login_tfa', { method: 'POST', headers: bearer(preTFA) }),
      422,
    );
  });
});

describe('POST /api/v1/tfa/recover_tfa', () => {
  it('spends backup tokens one by one (any case, with or without dashes), then answers 404', async () => {
    const { email, backupTokens } = await signUpWithAuthenticator();
    for (const [i, token] of backupTokens.entries()) {
      const presented = i % 2 === 0 ? token.toLowerCase() : token.replaceAll('-', '');
      const response = await recoverTFA(await startTFALogin(email), presented);
      expect(response.status).toBe(200);
      expect(decodeClaims(((await response.json()) as Tokens).access_token)).toMatchObject({
        amr: ['pwd', 'backup_code', 'mfa'],
      });
    }
    const problem = await expectProblem(
      await recoverTFA(await startTFALogin(email), backupTokens[0] ?? ''),
      404,
    );
    expect(problem.detail).toContain('has elapsed his backup tokens');
  });

  it('refuses a spent token and an unknown token with 403', async () => {
    const { email, backupTokens } = await signUpWithAuthenticator();
    const token = backupTokens[0] ?? '';
    expect((await recoverTFA(await startTFALogin(email), token)).status).toBe(200);
    await expectProblem(await recoverTFA(await startTFALogin(email), token), 403, 'backup_token_not_found');
    await expectProblem(
      await recoverTFA(await startTFALogin(email), 'AAAA-BBBB-CCCC'),
      403,
      'backup_token_not_found',
    );
  });

  it('of 20 concurrent uses of one backup token exactly one succeeds', async () => {
    const { email, backupTokens } = await signUpWithAuthenticator();
    const preTFA = await startTFALogin(email);
    const token = backupTokens[0] ?? '';
    const responses = await Promise.all(Array.from({ length: 20 }, () => recoverTFA(preTFA, token)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    // The winner closed the challenge: the others find it used up, and no token was spent twice.
    expect(statuses.filter((s) => s === 401)).toHaveLength(19);
    const winner = responses[statuses.indexOf(200)];
    if (!winner) throw new Error('no winner');
    const { access_token } = (await winner.json()) as Tokens;
    const status = await call('/api/v1/tfa/status', { headers: bearer(access_token) });
    const { backup_tokens_remaining } = (await status.json()) as { backup_tokens_remaining: number };
    expect(backup_tokens_remaining).toBe(backupTokens.length - 1);
  });
});

describe('token kinds are not interchangeable', () => {
  it('a pre-TFA token is refused on test-token, refresh and enable_tfa', async () => {
    const { email } = await signUpWithAuthenticator();
    const preTFA = await startTFALogin(email);
    await expectProblem(await call('/api/v1/auth/test-token', { headers: bearer(preTFA) }), 401);
    await expectProblem(await postJSON('/api/v1/auth/refresh', { refresh_token: preTFA }), 401);
    await expectProblem(
      await call('/api/v1/tfa/enable_tfa', {
        method: 'PUT',
        headers: { ...bearer(preTFA), 'content-type': 'application/json' },
        body: '{"device_type":"email"}',
      }),
      401,
    );
  });

  it('access and refresh tokens are refused on login_tfa and recover_tfa', async () => {
    const { tokens } = await signUpAndLogIn();
    for (const token of [tokens.access_token, tokens.refresh_token ?? '']) {
      await expectProblem(await loginTFA(token, '123456'), 401);
      await expectProblem(await recoverTFA(token, 'AAAA-BBBB-CCCC'), 401);
    }
  });
});

describe('PUT /api/v1/tfa/enable_tfa and GET /api/v1/tfa/get_my_qrcode', () => {
  const enable = (token: string, deviceType: string, query = '') =>
    call(`/api/v1/tfa/enable_tfa${query}`, {
      method: 'PUT',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify({ device_type: deviceType }),
    });

  it('enables code_generator with a QR code, emails backup tokens, and refuses a second time with 400', async () => {
    const { email, tokens } = await signUpAndLogIn();
    const first = await enable(tokens.access_token, 'code_generator');
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toContain('image/svg+xml');
    expect((await waitForEmail(email, 'backup tokens')).body).toMatch(/[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/);
    const second = await enable(tokens.access_token, 'email');
    const problem = await expectProblem(second, 400, 'tfa_already_enabled');
    expect(problem.detail).toContain(email);
    // The next login asks for the second factor.
    expect((await logIn(email, PASSWORD)).status).toBe(202);
  });

  it('get_my_qrcode returns the same secret as enrolment for code_generator', async () => {
    const { email, tokens: passwordOnly } = await signUpAndLogIn();
    const enrolled = (await (
      await enable(passwordOnly.access_token, 'code_generator', '?format=json')
    ).json()) as {
      otpauth_uri: string;
    };
    // Showing the secret again needs a fresh authenticator-app login (aal2).
    const secret = secretFromOtpauthURI(enrolled.otpauth_uri);
    const tokens = (await (
      await loginTFA(await startTFALogin(email), codeAt(secret, Date.now()))
    ).json()) as Tokens;
    const svg = await call('/api/v1/tfa/get_my_qrcode', { headers: bearer(tokens.access_token) });
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toContain('image/svg+xml');
    const json = await call('/api/v1/tfa/get_my_qrcode?format=json', {
      headers: bearer(tokens.access_token),
    });
    expect(((await json.json()) as { otpauth_uri: string }).otpauth_uri).toBe(enrolled.otpauth_uri);
  });

  it('get_my_qrcode answers 400 for an email device (after an aal2 backup-token login), 403 without TFA', async () => {
    const plain = await signUpAndLogIn();
    await expectProblem(
      await call('/api/v1/tfa/get_my_qrcode', { headers: bearer(plain.tokens.access_token) }),
      403,
      'fresh_second_factor_required',
    );
    const emailUser = await signUpWithEmailDevice();
    const recovered = await recoverTFA(await startTFALogin(emailUser.email), emailUser.backupTokens[0] ?? '');
    const { access_token } = (await recovered.json()) as Tokens;
    await expectProblem(await call('/api/v1/tfa/get_my_qrcode', { headers: bearer(access_token) }), 400);
  });

  it('answers 422 for an unknown device type', async () => {
    const { tokens } = await signUpAndLogIn();
    await expectProblem(await enable(tokens.access_token, 'sms'), 422);
  });
});
