// Factories for two-factor tests: sign up with a device, read what the user would read (QR URI, emails).
import { expect } from 'vitest';
import { generateTOTP } from '../../src/crypto/totp';
import { bearer, call, logIn, PASSWORD, signUp, type Tokens } from './api';
import { backupTokensIn, loginCodeIn, waitForEmail } from './emails';

export function secretFromOtpauthURI(uri: string): string {
  const secret = new URL(uri).searchParams.get('secret');
  if (!secret) throw new Error('otpauth URI without a secret');
  return secret;
}

export async function signUpWithAuthenticator() {
  const { response, email } = await signUp(
    { tfa_enabled: true, device: { device_type: 'code_generator' } },
    '?format=json',
  );
  expect(response.status).toBe(201);
  const body = (await response.json()) as { otpauth_uri: string; qr_svg: string; user: { id: string } };
  const backupTokens = backupTokensIn(await waitForEmail(email, 'backup tokens'));
  return {
    email,
    userId: body.user.id,
    otpauthURI: body.otpauth_uri,
    secret: secretFromOtpauthURI(body.otpauth_uri),
    backupTokens,
  };
}

export async function signUpWithEmailDevice() {
  const { response, email } = await signUp({ tfa_enabled: true, device: { device_type: 'email' } });
  expect(response.status).toBe(201);
  const backupTokens = backupTokensIn(await waitForEmail(email, 'backup tokens'));
  return { email, backupTokens };
}

export async function startTFALogin(email: string): Promise<string> {
  const response = await logIn(email, PASSWORD);
  expect(response.status).toBe(202);
  const body = (await response.json()) as Tokens;
  expect(body.refresh_token).toBeNull();
  return body.access_token;
}

export async function readLoginCode(email: string): Promise<string> {
  return loginCodeIn(await waitForEmail(email, 'login code'));
}

export function codeAt(secret: string, timestampMs: number): string {
  return generateTOTP(secret, timestampMs);
}

export function loginTFA(preTFAToken: string, code: string): Promise<Response> {
  return call(`/api/v1/tfa/login_tfa?tfa_token=${encodeURIComponent(code)}`, {
    method: 'POST',
    headers: bearer(preTFAToken),
  });
}

export function recoverTFA(preTFAToken: string, backupToken: string): Promise<Response> {
  return call(`/api/v1/tfa/recover_tfa?tfa_backup_token=${encodeURIComponent(backupToken)}`, {
    method: 'POST',
    headers: bearer(preTFAToken),
  });
}

export function decodeClaims(jwt: string): Record<string, unknown> {
  const payload = jwt.split('.')[1] ?? '';
  return JSON.parse(atob(payload.replaceAll('-', '+').replaceAll('_', '/'))) as Record<string, unknown>;
}

// A code for a step that has not been used yet: waits out the current step if it was just used.
export async function waitForNextStep(): Promise<void> {
  const msIntoStep = Date.now() % 30_000;
  await new Promise((resolve) => setTimeout(resolve, 30_000 - msIntoStep + 50));
}
