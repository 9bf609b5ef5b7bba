// Attack (on the user's belief in a second factor): a signup with `device` but without `tfa_enabled: true`
// was answered 201 with the device silently dropped, so a client (or a user reading a form that posts only
// the device) believed the account had a second factor that never existed, and a password alone opened it.
// Pinned: a device without `tfa_enabled: true` is a 422 that says why, and no account is created.
import { describe, expect, it } from 'vitest';
import { expectProblem, logIn, PASSWORD, signUp } from '../support/api';

describe('signup with a device but without tfa_enabled', () => {
  for (const [what, overrides] of [
    ['tfa_enabled left out', {}],
    ['tfa_enabled: false', { tfa_enabled: false }],
  ] as const) {
    it(`POST /auth/signup answers 422 on device with ${what}, and creates nothing`, async () => {
      for (const deviceType of ['code_generator', 'email']) {
        const { response, email } = await signUp({ ...overrides, device: { device_type: deviceType } });
        const problem = await expectProblem(response, 422, 'validation_failed');
        expect(problem.errors).toContainEqual({
          field: 'device',
          message: expect.stringContaining('tfa_enabled: true'),
        });
        expect(problem.detail).toContain('tfa_enabled: true');
        expect((await logIn(email, PASSWORD)).status).toBe(400);
      }
    });
  }

  it('still accepts a signup without a device, with device: null, and with a device and tfa_enabled: true', async () => {
    expect((await signUp()).response.status).toBe(201);
    expect((await signUp({ device: null as never })).response.status).toBe(201);
    const { response } = await signUp({ tfa_enabled: true, device: { device_type: 'email' } });
    expect(response.status).toBe(201);
  });
});
