// The shared administrator of the test configuration (ADMIN_EMAILS=admin@example.com). ADMIN_EMAILS grants
// nothing until the address is verified; tests that need an admin mark it verified directly in the
// database (the verification flow itself is tested in test/integration/email-verification.test.ts).
import { expect } from 'vitest';
import { logIn, PASSWORD, signUp, type Tokens } from './api';
import { sqlQuery } from './db';

export const ADMIN_EMAIL = 'admin@example.com';

export function markEmailVerified(email: string): Promise<unknown> {
  return sqlQuery(
    `update users set email_verified_at = coalesce(email_verified_at, now()) where email = $1`,
    [email],
  );
}

export async function logInAsAllowlistedAdmin(): Promise<Tokens> {
  if ((await logIn(ADMIN_EMAIL, PASSWORD)).status !== 200) {
    const { response } = await signUp({ email: ADMIN_EMAIL });
    expect([201, 400]).toContain(response.status);
  }
  await markEmailVerified(ADMIN_EMAIL);
  const login = await logIn(ADMIN_EMAIL, PASSWORD);
  expect(login.status).toBe(200);
  return (await login.json()) as Tokens;
}
