import { describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, logInAsAllowlistedAdmin } from '../support/admin';
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

describe('POST /api/v1/auth/signup', () => {
  it('creates a user without TFA and answers 201 with the public user shape', async () => {
    const email = uniqueEmail('Signup');
    const { response } = await signUp({ email: `  ${email.toUpperCase()} ` });
    expect(response.status).toBe(201);
    const user = (await response.json()) as Record<string, unknown>;
    expect(user).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email: email.toLowerCase(),
      full_name: 'Test User',
      tfa_enabled: false,
      email_verified: false,
      device: null,
    });
    expect(JSON.stringify(user)).not.toMatch(/password|hash/i);
  });

  it('refuses a second account with the same email, whatever its case', async () => {
    const { email } = await signUp();
    const { response } = await signUp({ email: email.toUpperCase() });
    await expectProblem(response, 400, 'email_taken');
  });

  it('answers 422 listing every invalid field', async () => {
    const response = await postJSON('/api/v1/auth/signup', { email: 'not-an-email', password: 'short' });
    const problem = await expectProblem(response, 422, 'validation_failed');
    const fields = (problem.errors as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['email', 'password', 'full_name']));
  });

  it('refuses a commonly used password with 422 (ASVS 6.2.4), whatever its case', async () => {
    const { response } = await signUp({ password: 'Sunshine' });
    const problem = await expectProblem(response, 422, 'validation_failed');
    expect(problem.errors).toEqual([expect.objectContaining({ field: 'password' })]);
  });

  it('answers 422, not 500, when tfa_enabled is true without a device', async () => {
    const { response } = await signUp({ tfa_enabled: true });
    await expectProblem(response, 422, 'device_required');
  });

  it('answers 400 for malformed JSON and 415 for a non-JSON body', async () => {
    const malformed = await call('/api/v1/auth/signup', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email": ',
    });
    await expectProblem(malformed, 400);
    const wrongType = await call('/api/v1/auth/signup', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    await expectProblem(wrongType, 415);
  });

  it('rejects unknown fields instead of ignoring them', async () => {
    const response = await postJSON('/api/v1/auth/signup', {
      email: uniqueEmail(),
      password: PASSWORD,
      full_name: 'X',
      is_admin: true,
    });
    await expectProblem(response, 422);
  });
});

describe('POST /api/v1/auth/login', () => {
  it('returns access and refresh tokens for the right password, with the email in any case', async () => {
    const { email } = await signUp();
    const response = await logIn(`  ${email.toUpperCase()}`, PASSWORD);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const tokens = (await response.json()) as Tokens;
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.access_token.split('.')).toHaveLength(3);
    expect(tokens.refresh_token?.split('.')).toHaveLength(3);
  });

  it('accepts the form Swagger UI sends (grant_type, scope, Basic Og==)', async () => {
    const { email } = await signUp();
    const response = await call('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic Og==' },
      body: new URLSearchParams({
        grant_type: 'password',
        username: email,
        password: PASSWORD,
        scope: '',
      }).toString(),
    });
    expect(response.status).toBe(200);
  });

  it('gives a wrong password and an unknown email the same answer', async () => {
    const { email } = await signUp();
    const wrong = await logIn(email, 'wrong password!');
    const unknown = await logIn(uniqueEmail('nobody'), 'wrong password!');
    const a = await expectProblem(wrong, 400, 'invalid_credentials');
    const b = await expectProblem(unknown, 400, 'invalid_credentials');
    expect(a).toEqual(b);
    expect(a.detail).toBe('Incorrect email or password');
  });

  it('answers 422 for a missing password and 415 for a JSON body', async () => {
    const missing = await call('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=a%40b.c',
    });
    await expectProblem(missing, 422);
    const json = await postJSON('/api/v1/auth/login', { username: 'a@b.c', password: 'x' });
    await expectProblem(json, 415);
  });

  it('answers 400, not 500, for a multipart body with no boundary or a truncated one', async () => {
    // The per-account limiter parses the form before the validator does; a parse failure there must leave
    // the validator to answer its 400 (once, it left a rejected promise in Hono's form cache: a 500).
    for (const contentType of ['multipart/form-data; boundary=x', 'multipart/form-data']) {
      const response = await call('/api/v1/auth/login', {
        method: 'POST',
        headers: { 'content-type': contentType, 'cf-connecting-ip': '203.0.113.77' },
        body: 'username=a%40b.c&password=x',
      });
      await expectProblem(response, 400);
    }
  });
});

describe('GET /api/v1/auth/test-token', () => {
  it('returns the user of a valid access token', async () => {
    const { email, tokens } = await signUpAndLogIn();
    const response = await call('/api/v1/auth/test-token', { headers: bearer(tokens.access_token) });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { email: string }).email).toBe(email);
  });

  it('answers 401 with a Bearer challenge without a token, with garbage, and with a refresh token', async () => {
    const { tokens } = await signUpAndLogIn();
    const none = await call('/api/v1/auth/test-token');
    await expectProblem(none, 401, 'missing_token');
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await expectProblem(
      await call('/api/v1/auth/test-token', { headers: bearer('not.a.jwt') }),
      401,
      'invalid_token',
    );
    await expectProblem(
      await call('/api/v1/auth/test-token', { headers: bearer(tokens.refresh_token ?? '') }),
      401,
      'invalid_token',
    );
  });
});

describe('POST /api/v1/auth/refresh', () => {
  it('rotates: a new pair works, the old refresh token is dead', async () => {
    const { tokens } = await signUpAndLogIn();
    const first = await postJSON('/api/v1/auth/refresh', { refresh_token: tokens.refresh_token });
    expect(first.status).toBe(200);
    const rotated = (await first.json()) as Tokens;
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);
    const me = await call('/api/v1/auth/test-token', { headers: bearer(rotated.access_token) });
    expect(me.status).toBe(200);

    const replay = await postJSON('/api/v1/auth/refresh', { refresh_token: tokens.refresh_token });
    await expectProblem(replay, 401, 'invalid_refresh_token');
  });

  it('revokes the whole family when a rotated refresh token is presented again', async () => {
    const { tokens } = await signUpAndLogIn();
    const rotated = (await (
      await postJSON('/api/v1/auth/refresh', { refresh_token: tokens.refresh_token })
    ).json()) as Tokens;
    await expectProblem(await postJSON('/api/v1/auth/refresh', { refresh_token: tokens.refresh_token }), 401);
    // The legitimate newest token died with its family.
    await expectProblem(
      await postJSON('/api/v1/auth/refresh', { refresh_token: rotated.refresh_token }),
      401,
    );
  });

  it('refuses an access token, garbage, and a missing field', async () => {
    const { tokens } = await signUpAndLogIn();
    await expectProblem(await postJSON('/api/v1/auth/refresh', { refresh_token: tokens.access_token }), 401);
    await expectProblem(await postJSON('/api/v1/auth/refresh', { refresh_token: 'garbage' }), 401);
    await expectProblem(await postJSON('/api/v1/auth/refresh', {}), 422);
  });

  it('lets exactly one of concurrent uses of one refresh token win', async () => {
    const { tokens } = await signUpAndLogIn();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        postJSON('/api/v1/auth/refresh', { refresh_token: tokens.refresh_token }),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(9);
  });
});

describe('GET /api/v1/users/users', () => {
  it('lists users to an administrator, without secrets', async () => {
    const admin = ADMIN_EMAIL;
    const { access_token } = await logInAsAllowlistedAdmin();
    const response = await call('/api/v1/users/users?limit=1000', { headers: bearer(access_token) });
    expect(response.status).toBe(200);
    const users = (await response.json()) as { email: string }[];
    expect(users.map((u) => u.email)).toContain(admin);
    expect(JSON.stringify(users)).not.toMatch(/password|hash|secret/i);
  });

  it('answers 403 to a user who is not an administrator and 401 without a token', async () => {
    const { tokens } = await signUpAndLogIn();
    await expectProblem(
      await call('/api/v1/users/users', { headers: bearer(tokens.access_token) }),
      403,
      'admin_only',
    );
    await expectProblem(await call('/api/v1/users/users'), 401);
  });
});

describe('service surface', () => {
  it('GET / answers as a health check', async () => {
    const response = await call('/');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok' });
  });

  it('unknown routes are 404 problems and every response carries X-Request-Id', async () => {
    const response = await call('/api/v1/nope');
    await expectProblem(response, 404, 'not_found');
    expect(response.headers.get('x-request-id')).toMatch(/.+/);
  });

  it('serves the OpenAPI 3.1 document with the OAuth2 password scheme, and Swagger UI at /docs', async () => {
    const doc = (await (await call('/api/v1/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { securitySchemes: Record<string, { flows: { password: { tokenUrl: string } } }> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/signup',
        '/api/v1/auth/login',
        '/api/v1/auth/test-token',
        '/api/v1/auth/refresh',
        '/api/v1/users/users',
      ]),
    );
    expect(doc.components.securitySchemes.OAuth2PasswordBearer?.flows.password.tokenUrl).toBe(
      '/api/v1/auth/login',
    );
    const docs = await call('/docs');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('SwaggerUIBundle');
  });
});
