// Attack: reading someone's tokens, profile or TOTP secret out of a cache. A response without
// `Cache-Control: no-store` may be kept by the browser (shared computers, the back button), a corporate
// proxy or a CDN, and served again to whoever asks next: `GET /auth/test-token` and `GET /users/users` sent
// none. Pinned: every response of every operation in the OpenAPI document is `no-store`, success and error
// alike, checked both by walking the document and on each success that carries personal data or a secret;
// only the public documents (health, JWKS, the OpenAPI document, Swagger UI) may be cached.
import { describe, expect, it } from 'vitest';
import { CACHEABLE_PATHS } from '../../src/app';
import { logInAsAllowlistedAdmin } from '../support/admin';
import { bearer, call, logIn, PASSWORD, postJSON, signUp, signUpAndLogIn, type Tokens } from '../support/api';
import { codeAt, signUpWithAuthenticator, startTFALogin } from '../support/tfa';

function expectNoStore(response: Response, what: string) {
  expect(response.headers.get('cache-control'), what).toBe('no-store');
}

type OpenAPIDocument = {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>>;
};

describe('Cache-Control on responses with personal data or secrets', () => {
  it('every operation of the OpenAPI document answers no-store, except the public documents', async () => {
    const doc = (await (await call('/api/v1/openapi.json')).json()) as OpenAPIDocument;
    const { tokens } = await signUpAndLogIn();
    let walked = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const contentType = Object.keys(operation.requestBody?.content ?? {})[0];
        const response = await call(path.replace(/\{[^}]+\}/g, 'x'), {
          method: method.toUpperCase(),
          headers: {
            ...bearer(tokens.access_token),
            ...(contentType ? { 'content-type': contentType } : {}),
          },
          body: contentType ? (contentType.includes('json') ? '{}' : '') : undefined,
        });
        await response.arrayBuffer();
        const name = `${method.toUpperCase()} ${path} → ${response.status}`;
        if ((CACHEABLE_PATHS as readonly string[]).includes(path)) {
          expect(response.headers.get('cache-control') ?? '', name).not.toContain('no-store');
        } else {
          expectNoStore(response, name);
        }
        walked++;
      }
    }
    expect(walked).toBeGreaterThanOrEqual(20);
  });

  it('the public documents stay cacheable and unknown routes are not', async () => {
    expect((await call('/.well-known/jwks.json')).headers.get('cache-control')).toContain('max-age');
    for (const path of ['/', '/api/v1/openapi.json', '/docs']) {
      expect((await call(path)).headers.get('cache-control') ?? '', path).not.toContain('no-store');
    }
    expectNoStore(await call('/api/v1/no-such-route'), '404');
  });

  it('password login, refresh and the user read are no-store', async () => {
    const { response, email } = await signUp();
    expectNoStore(response, 'signup (user)');
    const login = await logIn(email, PASSWORD);
    expectNoStore(login, 'login 200');
    const tokens = (await login.json()) as Tokens;
    expectNoStore(
      await call('/api/v1/auth/test-token', { headers: bearer(tokens.access_token) }),
      'test-token',
    );
    expectNoStore(await postJSON('/api/v1/auth/refresh', { refresh_token: tokens.refresh_token }), 'refresh');
    expectNoStore(await call('/api/v1/tfa/status', { headers: bearer(tokens.access_token) }), 'tfa status');
    const enable = await call('/api/v1/tfa/enable_tfa?format=json', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...bearer(tokens.access_token) },
      body: JSON.stringify({ device_type: 'code_generator' }),
    });
    expect(enable.status).toBe(200);
    expectNoStore(enable, 'enable_tfa (QR with the secret)');
  });

  it('the second-factor flow (QR at signup, pre-TFA token, codes, QR again) is no-store', async () => {
    for (const format of ['', '?format=json']) {
      const { response } = await signUp(
        { tfa_enabled: true, device: { device_type: 'code_generator' } },
        format,
      );
      expect(response.status).toBe(201);
      expectNoStore(response, `signup QR ${format || 'svg'}`);
    }
    const user = await signUpWithAuthenticator();
    const preTFALogin = await logIn(user.email, PASSWORD);
    expect(preTFALogin.status).toBe(202);
    expectNoStore(preTFALogin, 'login 202 (pre-TFA token)');
    const { access_token: preTFA } = (await preTFALogin.json()) as Tokens;
    const login = await postJSON(
      '/api/v1/tfa/login_tfa',
      { tfa_token: codeAt(user.secret, Date.now()) },
      bearer(preTFA),
    );
    expect(login.status).toBe(200);
    expectNoStore(login, 'login_tfa');
    const tokens = (await login.json()) as Tokens;
    const qr = await call('/api/v1/tfa/get_my_qrcode', { headers: bearer(tokens.access_token) });
    expect(qr.status).toBe(200);
    expectNoStore(qr, 'get_my_qrcode');
    const recover = await postJSON(
      '/api/v1/tfa/recover_tfa',
      { tfa_backup_token: user.backupTokens[0] },
      bearer(await startTFALogin(user.email)),
    );
    expect(recover.status).toBe(200);
    expectNoStore(recover, 'recover_tfa');
  });

  it('GET /users/users (the administrator list) is no-store', async () => {
    const { access_token } = await logInAsAllowlistedAdmin();
    const users = await call('/api/v1/users/users', { headers: bearer(access_token) });
    expect(users.status).toBe(200);
    expectNoStore(users, 'users');
  });
});
