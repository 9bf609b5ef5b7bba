// The OpenAPI document is a contract tools act on (code generators, gateways, fuzzers, Swagger UI): these
// tests pin what the document promises and that the service keeps it. Every response any test gets through
// test/support/api.ts is also checked against the document (openapi-conformance.ts).
import { describe, expect, it } from 'vitest';
import { EmailSchema } from '../../src/features/auth/auth.schemas';
import {
  BASE,
  bearer,
  call,
  expectProblem,
  PASSWORD,
  postJSON,
  signUp,
  signUpAndLogIn,
} from '../support/api';
import {
  assertResponseConforms,
  documentSchemaValidator,
  type OpenAPIDocument,
  openAPIDocument,
} from '../support/openapi-conformance';

// Generated clients name their methods after these: renaming one breaks every client, so they are pinned.
const OPERATION_IDS = {
  'GET /': 'getHealth',
  'GET /.well-known/jwks.json': 'getJWKS',
  'POST /api/v1/auth/signup': 'signUp',
  'POST /api/v1/auth/login': 'logIn',
  'GET /api/v1/auth/test-token': 'testToken',
  'POST /api/v1/auth/refresh': 'refreshTokens',
  'POST /api/v1/auth/logout': 'logOut',
  'POST /api/v1/auth/logout_all': 'logOutEverywhere',
  'POST /api/v1/auth/password/forgot': 'forgotPassword',
  'POST /api/v1/auth/email/verify': 'verifyEmail',
  'POST /api/v1/auth/email/verify/resend': 'resendVerificationEmail',
  'GET /api/v1/admin/users': 'adminListUsers',
  'GET /api/v1/admin/users/{id}': 'adminGetUser',
  'POST /api/v1/admin/users/{id}/unlock': 'adminUnlockUser',
  'POST /api/v1/admin/users/{id}/tfa/reset': 'adminResetTFA',
  'POST /api/v1/admin/users/{id}/sessions/revoke': 'adminRevokeSessions',
  'DELETE /api/v1/admin/users/{id}': 'adminDeleteUser',
  'POST /api/v1/auth/password/reset': 'resetPassword',
  'POST /api/v1/auth/password/change': 'changePassword',
  'POST /api/v1/tfa/login_tfa': 'logInWithCode',
  'POST /api/v1/tfa/recover_tfa': 'logInWithBackupToken',
  'GET /api/v1/tfa/get_my_qrcode': 'getMyQRCode',
  'PUT /api/v1/tfa/enable_tfa': 'enableTFA',
  'POST /api/v1/tfa/disable': 'disableTFA',
  'POST /api/v1/tfa/backup_tokens/regenerate': 'regenerateBackupTokens',
  'GET /api/v1/tfa/status': 'getTFAStatus',
  'GET /api/v1/users/users': 'listUsers',
  'GET /api/v1/tasks/test-celery': 'sendTestEmail',
  'GET /api/v1/tasks/taskstatus': 'getTaskStatus',
};

type OperationView = {
  key: string;
  operationId?: string;
  security?: unknown[];
  parameters?: { name: string; in: string; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, unknown>;
};

function operationsOf(document: OpenAPIDocument): OperationView[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      key: `${method.toUpperCase()} ${path}`,
      ...(operation as unknown as Omit<OperationView, 'key'>),
    })),
  );
}

describe('the OpenAPI document', () => {
  it('gives every operation its pinned, unique operationId', async () => {
    const operations = operationsOf(await openAPIDocument());
    expect(Object.fromEntries(operations.map((op) => [op.key, op.operationId]))).toEqual(OPERATION_IDS);
  });

  it('names a server and says explicitly whether each operation needs a token', async () => {
    const document = await openAPIDocument();
    expect(document.servers).toEqual([{ url: '/', description: expect.any(String) }]);
    for (const operation of operationsOf(document)) {
      expect(operation.security, operation.key).toBeDefined();
    }
    const publicOperations = operationsOf(document).filter((op) => op.security?.length === 0);
    expect(publicOperations.map((op) => op.operationId).sort()).toEqual(
      [
        'forgotPassword',
        'getHealth',
        'getJWKS',
        'getTaskStatus',
        'logIn',
        'refreshTokens',
        'resendVerificationEmail',
        'resetPassword',
        'sendTestEmail',
        'signUp',
        'verifyEmail',
      ].sort(),
    );
  });

  it('declares the statuses the shared machinery answers on every operation it applies to', async () => {
    for (const operation of operationsOf(await openAPIDocument())) {
      const statuses = Object.keys(operation.responses);
      expect(statuses, operation.key).toContain('500');
      if (operation.requestBody) {
        expect(statuses, operation.key).toEqual(expect.arrayContaining(['400', '413', '415', '422']));
      }
      if (operation.parameters?.length) expect(statuses, operation.key).toContain('422');
      if (operation.security?.length) expect(statuses, operation.key).toContain('401');
    }
  });

  it('types the paging parameters as the integers a query string can carry', async () => {
    const document = await openAPIDocument();
    const parameters = operationsOf(document).find((op) => op.operationId === 'listUsers')?.parameters ?? [];
    for (const name of ['limit', 'offset']) {
      const parameter = parameters.find((p) => p.name === name);
      expect(parameter?.in).toBe('query');
      expect(parameter?.schema.type).toBe('integer');
    }
    const { tokens } = await signUpAndLogIn();
    const refused = await call('/api/v1/users/users?offset=null', { headers: bearer(tokens.access_token) });
    await expectProblem(refused, 422, 'validation_failed');
  });
});

describe('request schemas say what the service accepts', () => {
  it('PUT /tfa/enable_tfa: a null body is refused by the document and the service alike', async () => {
    const validate = await documentSchemaValidator({ $ref: '#/components/schemas/DeviceCreate' });
    expect(validate(null)).toBe(false);
    expect(validate({ device_type: 'email' })).toBe(true);
    const { tokens } = await signUpAndLogIn();
    const response = await call('/api/v1/tfa/enable_tfa', {
      method: 'PUT',
      headers: { ...bearer(tokens.access_token), 'content-type': 'application/json' },
      body: 'null',
    });
    await expectProblem(response, 422, 'validation_failed');
  });

  it('every email the document allows is one the service accepts; an empty one is refused by both', async () => {
    const validate = await documentSchemaValidator({
      $ref: '#/components/schemas/ForgotPasswordRequest',
    });
    const samples = [
      '',
      ' ',
      'a@b',
      'a@b.c',
      'ada@example.com',
      'Ada.Lovelace+2fa@Example.CO.uk',
      ' ada@example.com ',
      '.ada@example.com',
      'ada.@example.com',
      'a..b@example.com',
      '"a b"@example.com',
      'ada@[127.0.0.1]',
      'ada@localhost',
      'ü@example.com',
      `${'a'.repeat(64)}@${'b'.repeat(180)}.com`,
      `${'a'.repeat(250)}@example.com`,
      "o'brien@example.com",
    ];
    for (const email of samples) {
      if (validate({ email })) expect(EmailSchema.safeParse(email).success, JSON.stringify(email)).toBe(true);
    }
    expect(validate({ email: '' })).toBe(false);
    expect(validate({ email: 'ada@example.com' })).toBe(true);
    await expectProblem(await postJSON('/api/v1/auth/password/forgot', { email: '' }), 422);
    const signup = await signUp({ email: '' });
    await expectProblem(signup.response, 422, 'validation_failed');
  });

  it('signup: tfa_enabled true without a device is refused by the schema (if/then) and by the service', async () => {
    const validate = await documentSchemaValidator({ $ref: '#/components/schemas/SignupRequest' });
    const base = { email: 'ada@example.com', password: PASSWORD, full_name: 'Ada' };
    expect(validate({ ...base, tfa_enabled: true })).toBe(false);
    expect(validate({ ...base, tfa_enabled: true, device: null })).toBe(false);
    expect(validate({ ...base, tfa_enabled: true, device: { device_type: 'email' } })).toBe(true);
    expect(validate({ ...base, tfa_enabled: false, device: null })).toBe(true);
    expect(validate(base)).toBe(true);
    const { response } = await signUp({ tfa_enabled: true });
    await expectProblem(response, 422, 'device_required');
  });

  it("POST /auth/login accepts Swagger UI's form: every optional OAuth2 field present and empty", async () => {
    const { email } = await signUpAndLogIn();
    const form = (grantType: string) =>
      `grant_type=${grantType}&username=${encodeURIComponent(email)}&password=${encodeURIComponent(PASSWORD)}&scope=&client_id=&client_secret=`;
    const post = (body: string) =>
      call('/api/v1/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
      });
    expect((await post(form(''))).status).toBe(200);
    expect((await post(form('password'))).status).toBe(200);
    const wrongGrant = await expectProblem(await post(form('client_credentials')), 422, 'validation_failed');
    expect(JSON.stringify(wrongGrant.errors)).toContain('grant_type');
  });
});

describe('responses agree with the document', () => {
  it('GET /tfa/status without TFA answers device_type null, which its schema allows', async () => {
    const { tokens } = await signUpAndLogIn();
    const response = await call('/api/v1/tfa/status', { headers: bearer(tokens.access_token) });
    expect(await response.json()).toEqual({
      tfa_enabled: false,
      device_type: null,
      backup_tokens_remaining: 0,
    });
  });

  it('a malformed body answers 400 and a text/plain body 415, both declared where they happen', async () => {
    const malformed = await call('/api/v1/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"refresh_token":',
    });
    await expectProblem(malformed, 400, 'malformed_body');
    const plain = await call('/api/v1/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    await expectProblem(plain, 415, 'unsupported_media_type');
    const { tokens } = await signUpAndLogIn();
    const enable = await call('/api/v1/tfa/enable_tfa', {
      method: 'PUT',
      headers: { ...bearer(tokens.access_token), 'content-type': 'text/plain' },
      body: '{"device_type":"email"}',
    });
    await expectProblem(enable, 415, 'unsupported_media_type');
  });

  it('the conformance check refuses an undeclared status, content type or body shape', async () => {
    const request = new Request(`${BASE}/api/v1/tfa/status`);
    const json = (body: unknown, status = 200, type = 'application/json') =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });
    const good = { tfa_enabled: false, device_type: null, backup_tokens_remaining: 0 };
    await expect(assertResponseConforms(request, json(good))).resolves.toBeUndefined();
    await expect(assertResponseConforms(request, json(good, 418))).rejects.toThrow(/418 is not declared/);
    await expect(assertResponseConforms(request, json(good, 200, 'text/html'))).rejects.toThrow(
      /text\/html is not declared/,
    );
    await expect(assertResponseConforms(request, json({ ...good, device_type: 'sms' }))).rejects.toThrow(
      /does not match its schema/,
    );
    const patch = new Request(`${BASE}/api/v1/tfa/status`, { method: 'PATCH' });
    await expect(
      assertResponseConforms(patch, json({ status: 405 }, 405, 'application/problem+json')),
    ).rejects.toThrow(/no Allow header/);
  });
});

describe('a wrong method on a known path', () => {
  it('answers 405 with an Allow header (RFC 9110 §15.5.6), and an unknown path still 404', async () => {
    const cases: [method: string, path: string, allow: string][] = [
      ['TRACE', '/api/v1/tfa/status', 'GET, HEAD'],
      ['GET', '/api/v1/auth/login', 'POST'],
      ['PATCH', '/api/v1/tfa/status', 'GET, HEAD'],
      ['DELETE', '/api/v1/tfa/enable_tfa', 'PUT'],
      ['OPTIONS', '/api/v1/users/users', 'GET, HEAD'],
      ['POST', '/.well-known/jwks.json', 'GET, HEAD'],
      ['PUT', '/', 'GET, HEAD'],
      ['POST', '/docs', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const response = await call(path, { method });
      await expectProblem(response, 405, 'method_not_allowed');
      expect(response.headers.get('allow'), `${method} ${path}`).toBe(allow);
    }
    await expectProblem(await call('/api/v1/auth/logon', { method: 'POST' }), 404, 'not_found');
  });
});
