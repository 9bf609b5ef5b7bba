// Fault: the database becomes unreachable mid-run (the gateway answers like a dead Neon endpoint).
// Pinned: every database-backed endpoint answers a clean 503 problem with Retry-After (never a 500 or a
// stack), nothing is half-written, and everything works again once the database is back.
import { afterEach, describe, expect, it } from 'vitest';
import {
  bearer,
  call,
  expectProblem,
  logIn,
  PASSWORD,
  postJSON,
  signUp,
  signUpAndLogIn,
  uniqueEmail,
} from '../support/api';
import { setGatewayOutage, sqlQuery } from '../support/db';

afterEach(async () => {
  await setGatewayOutage(false);
});

async function expectUnavailable(response: Response) {
  const problem = await expectProblem(response, 503, 'database_unavailable');
  expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(JSON.stringify(problem)).not.toMatch(/stack|at .*\.ts|select |insert /i);
}

describe('database outage', () => {
  it('answers 503 on signup (single statement and batch), login, test-token and refresh', async () => {
    const { tokens } = await signUpAndLogIn();
    await setGatewayOutage(true);
    const email = uniqueEmail('outage');
    await expectUnavailable(
      await postJSON('/api/v1/auth/signup', { email, password: PASSWORD, full_name: 'X' }),
    );
    await expectUnavailable(
      await postJSON('/api/v1/auth/signup', {
        email: uniqueEmail('outage-tfa'),
        password: PASSWORD,
        full_name: 'X',
        tfa_enabled: true,
        device: { device_type: 'email' },
      }),
    );
    await expectUnavailable(await logIn(email, PASSWORD));
    await expectUnavailable(await call('/api/v1/auth/test-token', { headers: bearer(tokens.access_token) }));
    await expectUnavailable(await postJSON('/api/v1/auth/refresh', { refresh_token: tokens.refresh_token }));

    // Stateless routes keep working.
    expect((await call('/')).status).toBe(200);

    await setGatewayOutage(false);
    // Nothing was half-written: the signup never happened, so it now succeeds.
    const rows = await sqlQuery('select 1 from users where email = $1', [email]);
    expect(rows).toHaveLength(0);
    expect((await signUp({ email })).response.status).toBe(201);
    // And the refresh token that met the outage still works: the failed attempt did not rotate it.
    expect((await postJSON('/api/v1/auth/refresh', { refresh_token: tokens.refresh_token })).status).toBe(
      200,
    );
  });
});
