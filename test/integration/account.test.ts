import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hashSecretToken, importHMACKey } from '../../src/crypto/hmac';
import { isCommonPassword } from '../../src/features/account/common-passwords';
import {
  NewPasswordSchema,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
} from '../../src/features/account/password-policy';
import { PASSWORD_RESET_TTL_SECONDS } from '../../src/features/account/reset-token';
import * as authSchemas from '../../src/features/auth/auth.schemas';
import {
  bearer,
  call,
  expectProblem,
  logIn,
  PASSWORD,
  postJSON,
  signUp,
  signUpAndLogIn,
  type Tokens,
  uniqueEmail,
} from '../support/api';
import { sqlQuery } from '../support/db';
import { backupTokensIn, resetTokenIn, waitForEmail } from '../support/emails';
import {
  codeAt,
  loginTFA,
  recoverTFA,
  signUpWithAuthenticator,
  signUpWithEmailDevice,
  startTFALogin,
} from '../support/tfa';

const NEW_PASSWORD = 'a brand new passphrase 42';
const FORGOT_ANSWER = { detail: 'If an account exists for this email, a reset link has been sent.' };

const forgot = (email: string) => postJSON('/api/v1/auth/password/forgot', { email });
const reset = (token: string, newPassword = NEW_PASSWORD) =>
  postJSON('/api/v1/auth/password/reset', { token, new_password: newPassword });
const change = (accessToken: string, currentPassword: string, newPassword = NEW_PASSWORD) =>
  postJSON(
    '/api/v1/auth/password/change',
    { current_password: currentPassword, new_password: newPassword },
    bearer(accessToken),
  );
const refresh = (refreshToken: string | null) =>
  postJSON('/api/v1/auth/refresh', { refresh_token: refreshToken });
const disableTFA = (accessToken: string, password: string, code: string) =>
  postJSON('/api/v1/tfa/disable', { password, code }, bearer(accessToken));
const regenerate = (accessToken: string, password: string, code: string) =>
  postJSON('/api/v1/tfa/backup_tokens/regenerate', { password, code }, bearer(accessToken));
const tfaStatus = async (accessToken: string) => {
  const response = await call('/api/v1/tfa/status', { headers: bearer(accessToken) });
  expect(response.status).toBe(200);
  return (await response.json()) as {
    tfa_enabled: boolean;
    device_type: string | null;
    backup_tokens_remaining: number;
  };
};

async function requestResetToken(email: string): Promise<string> {
  const response = await forgot(email);
  expect(response.status).toBe(202);
  return resetTokenIn(await waitForEmail(email, 'Reset your edge-2fa password'));
}

async function logInTokens(email: string, password = PASSWORD): Promise<Tokens> {
  const response = await logIn(email, password);
  expect(response.status).toBe(200);
  return (await response.json()) as Tokens;
}

// An authenticator user, logged in with the current code (its step is now spent).
async function authenticatorUserLoggedIn() {
  const user = await signUpWithAuthenticator();
  const response = await loginTFA(await startTFALogin(user.email), codeAt(user.secret, Date.now()));
  expect(response.status).toBe(200);
  return { ...user, tokens: (await response.json()) as Tokens };
}

// A code of a later step than any used so far (one step ahead is inside the ±1 drift window).
const nextCode = (secret: string) => codeAt(secret, Date.now() + 30_000);

const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

async function failedAuthCount(email: string): Promise<number> {
  const [row] = await sqlQuery<{ failed_auth_count: number }>(
    'select failed_auth_count from users where email = $1',
    [email],
  );
  return Number(row?.failed_auth_count);
}

// Only this spy is undone: restoring every mock would also undo the email capture of the test setup.
let brokenQueue: { mockRestore(): void } | undefined;

function breakQueue(): void {
  brokenQueue = vi
    .spyOn(env.EMAIL, 'send')
    .mockRejectedValue(new Error('Queue send failed: service unavailable'));
}

function repairQueue(): void {
  brokenQueue?.mockRestore();
  brokenQueue = undefined;
}

afterEach(repairQueue);

describe('POST /api/v1/auth/password/forgot', () => {
  it('answers an existing and an unknown email with the identical 202, and emails only the account', async () => {
    const { email } = await signUp();
    const known = await forgot(email);
    const unknown = await forgot(uniqueEmail('nobody'));
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    const [knownBody, unknownBody] = [await known.json(), await unknown.json()];
    expect(knownBody).toEqual(FORGOT_ANSWER);
    expect(unknownBody).toEqual(knownBody);
    expect(known.headers.get('content-type')).toBe(unknown.headers.get('content-type'));
    const message = await waitForEmail(email, 'Reset your edge-2fa password');
    expect(message.body).toContain(`${PASSWORD_RESET_TTL_SECONDS / 60} minutes`);
  });

  it('emails a 256-bit base64url token that is stored only as its keyed hash, expiring within 30 minutes', async () => {
    const { email } = await signUp();
    const token = await requestResetToken(email);
    const rows = await sqlQuery<{ token_hash: string; ttl_seconds: string }>(
      `select token_hash, extract(epoch from r.expires_at - r.created_at)::int as ttl_seconds
       from password_resets r join users u on u.id = r.user_id where u.email = $1`,
      [email],
    );
    expect(rows).toHaveLength(1);
    const key = await importHMACKey(env.TOKEN_HASH_KEY);
    expect(rows[0]?.token_hash).toBe(await hashSecretToken(key, 'password-reset', token));
    expect(rows[0]?.token_hash).not.toContain(token);
    expect(Number(rows[0]?.ttl_seconds)).toBeLessThanOrEqual(30 * 60);
  });

  it('sends at most 3 reset emails per account per 30 minutes, answering every request the same', async () => {
    const { email } = await signUp();
    const responses = await Promise.all(Array.from({ length: 5 }, () => forgot(email)));
    for (const response of responses) {
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual(FORGOT_ANSWER);
    }
    const rows = await sqlQuery(
      'select 1 from password_resets r join users u on u.id = r.user_id where u.email = $1',
      [email],
    );
    expect(rows).toHaveLength(3);
  });

  it('answers 422 for a malformed email', async () => {
    await expectProblem(await forgot('not-an-email'), 422, 'validation_failed');
  });

  it('still answers 202 when the email cannot be queued, and leaves no live token behind', async () => {
    const { email } = await signUp();
    breakQueue();
    const response = await forgot(email);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual(FORGOT_ANSWER);
    // The send runs after the answer (waitUntil); its compensation removes the token nobody received.
    await vi.waitFor(async () => {
      const rows = await sqlQuery(
        'select 1 from password_resets r join users u on u.id = r.user_id where u.email = $1',
        [email],
      );
      expect(rows).toHaveLength(0);
    });
  });
});

describe('POST /api/v1/auth/password/reset', () => {
  it('sets the new password once: the old password and existing refresh tokens die, a notice is emailed', async () => {
    const { email } = await signUp();
    const before = await logInTokens(email);
    const token = await requestResetToken(email);

    const response = await reset(token);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ revoked_sessions: 1 });
    await expectProblem(await reset(token, 'yet another passphrase 7'), 400, 'invalid_reset_token');

    await expectProblem(await logIn(email, PASSWORD), 400, 'invalid_credentials');
    expect((await logIn(email, NEW_PASSWORD)).status).toBe(200);
    await expectProblem(await refresh(before.refresh_token), 401, 'invalid_refresh_token');
    const notice = await waitForEmail(email, 'password was reset');
    expect(notice.body).not.toContain(token);
  });

  it('refuses a garbage token and an expired one with 400 invalid_reset_token', async () => {
    const { email } = await signUp();
    await expectProblem(await reset('garbage'), 400, 'invalid_reset_token');
    await expectProblem(await reset('A'.repeat(43)), 400, 'invalid_reset_token');

    const token = await requestResetToken(email);
    // Time travel: the token's 30 minutes are over.
    await sqlQuery(
      `update password_resets set expires_at = now() - interval '1 second'
       where user_id = (select id from users where email = $1)`,
      [email],
    );
    await expectProblem(await reset(token), 400, 'invalid_reset_token');
    expect((await logIn(email, PASSWORD)).status).toBe(200);
  });

  it('leaves two-factor authentication on: the next login of a TFA user still answers 202', async () => {
    const { email } = await signUpWithAuthenticator();
    expect((await reset(await requestResetToken(email))).status).toBe(200);
    const login = await logIn(email, NEW_PASSWORD);
    expect(login.status).toBe(202);
    expect(((await login.json()) as Tokens).refresh_token).toBeNull();
  });

  it('of 50 concurrent resets with one token exactly one succeeds', async () => {
    const { email } = await signUp();
    const token = await requestResetToken(email);
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => reset(token, `concurrent passphrase ${i}`)),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(49);
  });

  it('spends the other outstanding reset tokens of the account too', async () => {
    const { email } = await signUp();
    const first = await requestResetToken(email);
    const second = await requestResetToken(email);
    expect((await reset(second)).status).toBe(200);
    await expectProblem(await reset(first, 'another good passphrase'), 400, 'invalid_reset_token');
  });

  it('rejects a common or short new password with 422 and keeps the token usable', async () => {
    const { email } = await signUp();
    const token = await requestResetToken(email);
    const common = await expectProblem(await reset(token, 'Password1'), 422, 'validation_failed');
    expect(common.errors).toEqual([{ field: 'new_password', message: expect.stringMatching(/too common/) }]);
    await expectProblem(await reset(token, 'short'), 422, 'validation_failed');
    expect((await reset(token)).status).toBe(200);
  });

  it('clears a lock earned by failed logins', async () => {
    const { email } = await signUp();
    await sqlQuery(
      `update users set failed_auth_count = 100, locked_until = now() + interval '100 years' where email = $1`,
      [email],
    );
    await expectProblem(await logIn(email, PASSWORD), 429, 'account_locked');
    expect((await reset(await requestResetToken(email))).status).toBe(200);
    expect((await logIn(email, NEW_PASSWORD)).status).toBe(200);
    expect(await failedAuthCount(email)).toBe(0);
  });
});

describe('POST /api/v1/auth/password/change', () => {
  it('refuses a wrong current password with 400 and counts it as a failed attempt', async () => {
    const { email, tokens } = await signUpAndLogIn();
    const problem = await expectProblem(
      await change(tokens.access_token, 'not my password'),
      400,
      'invalid_credentials',
    );
    expect(problem.detail).toMatch(/current password/);
    expect(await failedAuthCount(email)).toBe(1);
    expect((await logIn(email, PASSWORD)).status).toBe(200);
  });

  it("changes the password, kills the other sessions' refresh tokens, keeps the caller's, and emails a notice", async () => {
    const { email, tokens: caller } = await signUpAndLogIn();
    const other = await logInTokens(email);
    const response = await change(caller.access_token, PASSWORD);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ revoked_sessions: 1 });

    await expectProblem(await refresh(other.refresh_token), 401, 'invalid_refresh_token');
    expect((await refresh(caller.refresh_token)).status).toBe(200);
    await expectProblem(await logIn(email, PASSWORD), 400, 'invalid_credentials');
    expect((await logIn(email, NEW_PASSWORD)).status).toBe(200);
    const notice = await waitForEmail(email, 'password was changed');
    expect(notice.body).not.toContain(NEW_PASSWORD);
  });

  it('rejects a common new password with 422, whatever its case', async () => {
    const { tokens } = await signUpAndLogIn();
    const problem = await expectProblem(await change(tokens.access_token, PASSWORD, 'BaseBall'), 422);
    expect(problem.code).toBe('validation_failed');
    await expectProblem(await change(tokens.access_token, PASSWORD, 'QWERTYUIOP'), 422, 'validation_failed');
    await expectProblem(
      await change(tokens.access_token, PASSWORD, 'x'.repeat(257)),
      422,
      'validation_failed',
    );
  });

  it('answers 401 without an access token', async () => {
    await expectProblem(
      await postJSON('/api/v1/auth/password/change', {
        current_password: PASSWORD,
        new_password: NEW_PASSWORD,
      }),
      401,
      'missing_token',
    );
  });
});

describe('the password policy', () => {
  it('NewPasswordSchema takes 8 to 256 characters that are not a common password, with no composition rule', () => {
    expect(NewPasswordSchema.safeParse('all lower case words').success).toBe(true);
    expect(NewPasswordSchema.safeParse('x'.repeat(PASSWORD_MAX_LENGTH)).success).toBe(true);
    expect(NewPasswordSchema.safeParse('x'.repeat(PASSWORD_MIN_LENGTH - 1)).success).toBe(false);
    expect(NewPasswordSchema.safeParse('x'.repeat(PASSWORD_MAX_LENGTH + 1)).success).toBe(false);
    expect(NewPasswordSchema.safeParse('Trustno1').success).toBe(false);
  });

  it('keeps the same length limits as the login and signup schemas', () => {
    expect([PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH]).toEqual([
      authSchemas.PASSWORD_MIN_LENGTH,
      authSchemas.PASSWORD_MAX_LENGTH,
    ]);
  });

  it('knows the classics of 8+ characters in any case, and not an ordinary passphrase', () => {
    for (const password of ['password', 'PASSWORD', '12345678', 'iloveyou', 'Qwertyuiop', 'sunshine'])
      expect(isCommonPassword(password)).toBe(true);
    expect(isCommonPassword(PASSWORD)).toBe(false);
    expect(isCommonPassword(NEW_PASSWORD)).toBe(false);
  });
});

describe('POST /api/v1/tfa/disable', () => {
  it('refuses a wrong code or a wrong password with 403, counting each as a failure', async () => {
    const { email, secret, tokens } = await authenticatorUserLoggedIn();
    const code = nextCode(secret);
    await expectProblem(
      await disableTFA(tokens.access_token, PASSWORD, wrongCode(code)),
      403,
      'reauthentication_failed',
    );
    await expectProblem(
      await disableTFA(tokens.access_token, 'not my password', code),
      403,
      'reauthentication_failed',
    );
    expect(await failedAuthCount(email)).toBe(2);
    expect((await tfaStatus(tokens.access_token)).tfa_enabled).toBe(true);
  });

  it('refuses the code that was just used to log in (single use across login and disable)', async () => {
    const user = await signUpWithAuthenticator();
    const code = codeAt(user.secret, Date.now());
    const login = await loginTFA(await startTFALogin(user.email), code);
    expect(login.status).toBe(200);
    const { access_token } = (await login.json()) as Tokens;
    await expectProblem(await disableTFA(access_token, PASSWORD, code), 403, 'reauthentication_failed');
  });

  it('with the password and a fresh code: TFA is off, the next login answers 200 directly, a notice is emailed', async () => {
    const { email, secret, tokens, backupTokens } = await authenticatorUserLoggedIn();
    const response = await disableTFA(tokens.access_token, PASSWORD, nextCode(secret));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ tfa_enabled: false });
    expect(await tfaStatus(tokens.access_token)).toEqual({
      tfa_enabled: false,
      device_type: null,
      backup_tokens_remaining: 0,
    });
    expect((await logIn(email, PASSWORD)).status).toBe(200);
    expect(backupTokens.length).toBeGreaterThan(0);
    expect((await waitForEmail(email, 'disabled')).subject).toContain(
      'Two-factor authentication was disabled',
    );
    await expectProblem(
      await disableTFA(tokens.access_token, PASSWORD, backupTokens[0] ?? ''),
      400,
      'tfa_not_enabled',
    );
  });

  it('email device: accepts the password plus a backup token, and refuses a 6-digit code', async () => {
    const { email, backupTokens } = await signUpWithEmailDevice();
    const recovered = await recoverTFA(await startTFALogin(email), backupTokens[0] ?? '');
    expect(recovered.status).toBe(200);
    const { access_token } = (await recovered.json()) as Tokens;
    await expectProblem(await disableTFA(access_token, PASSWORD, '123456'), 403, 'reauthentication_failed');
    // The token spent on login is gone; another one works.
    await expectProblem(await disableTFA(access_token, PASSWORD, backupTokens[0] ?? ''), 403);
    expect((await disableTFA(access_token, PASSWORD, backupTokens[1] ?? '')).status).toBe(200);
    expect((await logIn(email, PASSWORD)).status).toBe(200);
  });

  it('answers 400 tfa_not_enabled for a user without TFA', async () => {
    const { tokens } = await signUpAndLogIn();
    await expectProblem(await disableTFA(tokens.access_token, PASSWORD, '123456'), 400, 'tfa_not_enabled');
  });
});

describe('POST /api/v1/tfa/backup_tokens/regenerate', () => {
  it('emails new tokens that work, and the old ones stop working', async () => {
    const { email, secret, tokens, backupTokens: oldTokens } = await authenticatorUserLoggedIn();
    const response = await regenerate(tokens.access_token, PASSWORD, nextCode(secret));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ backup_tokens_remaining: 5 });
    const fresh = backupTokensIn(await waitForEmail(email, 'new edge-2fa backup tokens'));
    expect(fresh).toHaveLength(5);
    expect(fresh.filter((t) => oldTokens.includes(t))).toHaveLength(0);

    await expectProblem(
      await recoverTFA(await startTFALogin(email), oldTokens[0] ?? ''),
      403,
      'backup_token_not_found',
    );
    expect((await recoverTFA(await startTFALogin(email), fresh[0] ?? '')).status).toBe(200);
  });

  it('accepts a backup token as the second factor and spends it', async () => {
    const { email, tokens, backupTokens } = await authenticatorUserLoggedIn();
    expect((await regenerate(tokens.access_token, PASSWORD, backupTokens[0] ?? '')).status).toBe(200);
    const fresh = backupTokensIn(await waitForEmail(email, 'new edge-2fa backup tokens'));
    expect(fresh).toHaveLength(5);
    await expectProblem(await regenerate(tokens.access_token, PASSWORD, backupTokens[0] ?? ''), 403);
  });

  it('keeps the old tokens valid when the email with the new ones cannot be queued', async () => {
    const { email, secret, tokens, backupTokens } = await authenticatorUserLoggedIn();
    breakQueue();
    await expectProblem(
      await regenerate(tokens.access_token, PASSWORD, nextCode(secret)),
      503,
      'queue_unavailable',
    );
    repairQueue();
    expect((await tfaStatus(tokens.access_token)).backup_tokens_remaining).toBe(5);
    expect((await recoverTFA(await startTFALogin(email), backupTokens[0] ?? '')).status).toBe(200);
  });

  it('restores a backup token given as proof too when the email cannot be queued', async () => {
    const { email, tokens, backupTokens } = await authenticatorUserLoggedIn();
    breakQueue();
    await expectProblem(await regenerate(tokens.access_token, PASSWORD, backupTokens[0] ?? ''), 503);
    repairQueue();
    expect((await tfaStatus(tokens.access_token)).backup_tokens_remaining).toBe(5);
    expect((await recoverTFA(await startTFALogin(email), backupTokens[0] ?? '')).status).toBe(200);
  });

  it('refuses a wrong code with 403 and changes nothing', async () => {
    const { email, secret, tokens, backupTokens } = await authenticatorUserLoggedIn();
    await expectProblem(await regenerate(tokens.access_token, PASSWORD, wrongCode(nextCode(secret))), 403);
    await expectProblem(await regenerate(tokens.access_token, PASSWORD, 'AAAA-BBBB-CCCC'), 403);
    expect(await failedAuthCount(email)).toBe(2);
    expect((await recoverTFA(await startTFALogin(email), backupTokens[0] ?? '')).status).toBe(200);
  });
});

describe('GET /api/v1/tfa/status', () => {
  it('reports no TFA for a plain user', async () => {
    const { tokens } = await signUpAndLogIn();
    expect(await tfaStatus(tokens.access_token)).toEqual({
      tfa_enabled: false,
      device_type: null,
      backup_tokens_remaining: 0,
    });
  });

  it('counts the backup tokens left after a recover', async () => {
    const { email, backupTokens } = await signUpWithEmailDevice();
    const recovered = await recoverTFA(await startTFALogin(email), backupTokens[0] ?? '');
    expect(recovered.status).toBe(200);
    const { access_token } = (await recovered.json()) as Tokens;
    expect(await tfaStatus(access_token)).toEqual({
      tfa_enabled: true,
      device_type: 'email',
      backup_tokens_remaining: backupTokens.length - 1,
    });
  });

  it('answers 401 without an access token', async () => {
    await expectProblem(await call('/api/v1/tfa/status'), 401, 'missing_token');
  });
});

describe('OpenAPI document', () => {
  it('lists the account endpoints, the authenticated ones with the bearer scheme', async () => {
    const doc = (await (await call('/api/v1/openapi.json')).json()) as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    expect(doc.paths['/api/v1/auth/password/forgot']?.post?.security).toBeUndefined();
    expect(doc.paths['/api/v1/auth/password/reset']?.post).toBeDefined();
    for (const [path, method] of [
      ['/api/v1/auth/password/change', 'post'],
      ['/api/v1/tfa/disable', 'post'],
      ['/api/v1/tfa/backup_tokens/regenerate', 'post'],
      ['/api/v1/tfa/status', 'get'],
    ] as const) {
      expect(doc.paths[path]?.[method]?.security).toEqual([{ OAuth2PasswordBearer: [] }]);
    }
  });
});
