// Drives the whole Worker (its fetch handler, in workerd) and builds per-test users with unique emails,
// so no test depends on another's state.
import { exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import { assertResponseConforms } from './openapi-conformance';

export const BASE = 'http://edge-2fa.test';

// Each request comes from its own random client IP unless a test pins one, so the per-IP limits only
// bite in the tests written for them. Every response is checked against the OpenAPI document first
// (openapi-conformance.ts): a response the document does not declare fails the test that got it.
export function call(path: string, init: RequestInit = {}): Promise<Response> {
  const request = new Request(`${BASE}${path}`, init);
  if (!request.headers.has('cf-connecting-ip')) request.headers.set('cf-connecting-ip', randomIP());
  return sendChecked(request);
}

/** Sends through `send` (the Worker as deployed, by default) and checks the response against the document. */
export async function sendChecked(
  request: Request,
  send: (request: Request) => Promise<Response> | Response = (r) => exports.default.fetch(r),
): Promise<Response> {
  const response = await send(request);
  await assertResponseConforms(request, response.clone());
  return response;
}

export function randomIP(): string {
  const [a, b, c] = crypto.getRandomValues(new Uint8Array(3));
  return `10.${a}.${b}.${c}`;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export function postJSON(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return call(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

export function uniqueEmail(label = 'user'): string {
  return `${label}-${crypto.randomUUID().slice(0, 12)}@example.com`;
}

export const PASSWORD = 'correct horse battery staple';

export type Tokens = { access_token: string; refresh_token: string | null; token_type: string };

export async function signUp(
  overrides: Partial<{
    email: string;
    password: string;
    full_name: string;
    tfa_enabled: boolean;
    device: { device_type: string };
  }> = {},
  query = '',
) {
  const body = { email: uniqueEmail(), password: PASSWORD, full_name: 'Test User', ...overrides };
  const response = await postJSON(`/api/v1/auth/signup${query}`, body);
  return { response, email: body.email.trim().toLowerCase(), password: body.password };
}

export function logIn(
  username: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return call('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ username, password }).toString(),
  });
}

export async function signUpAndLogIn(): Promise<{ email: string; tokens: Tokens }> {
  const { response, email, password } = await signUp();
  expect(response.status).toBe(201);
  const login = await logIn(email, password);
  expect(login.status).toBe(200);
  return { email, tokens: (await login.json()) as Tokens };
}

export async function expectProblem(response: Response, status: number, code?: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  const problem = (await response.json()) as {
    status: number;
    detail: string;
    code: string;
    errors?: unknown[];
  };
  expect(problem.status).toBe(status);
  expect(typeof problem.detail).toBe('string');
  expect(problem.detail.length).toBeGreaterThan(0);
  if (code) expect(problem.code).toBe(code);
  return problem;
}

// The whole Worker under other settings (REQUIRE_VERIFIED_EMAIL, ADMIN_EMAILS …): same bindings, same
// database and queue, a few variables changed.
export async function callWithEnv(
  overrides: Partial<Record<keyof Env, string>>,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const { env } = await import('cloudflare:workers');
  const { createExecutionContext, waitOnExecutionContext } = await import('cloudflare:test');
  const { default: worker } = await import('../../src/index');
  const request = new Request(`${BASE}${path}`, init);
  if (!request.headers.has('cf-connecting-ip')) request.headers.set('cf-connecting-ip', randomIP());
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, { ...env, ...overrides } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}
