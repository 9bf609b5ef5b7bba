// Fault: the email queue refuses a message (Queues outage). Pinned: a request whose email carries the only
// copy of something (backup tokens, a login code) fails cleanly with a 503 problem and leaves no state
// behind that would need that email; nothing is reported as sent that was not.
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  bearer,
  call,
  expectProblem,
  logIn,
  PASSWORD,
  signUp,
  signUpAndLogIn,
  uniqueEmail,
} from '../support/api';
import { sqlQuery } from '../support/db';

function breakQueue() {
  vi.spyOn(env.EMAIL, 'send').mockRejectedValue(new Error('Queue send failed: service unavailable'));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('email queue failure', () => {
  it('signup with TFA answers 503 and creates no account (the backup tokens were never delivered)', async () => {
    const email = uniqueEmail('queue-down');
    breakQueue();
    const { response } = await signUp({
      email,
      tfa_enabled: true,
      device: { device_type: 'code_generator' },
    });
    const problem = await expectProblem(response, 503, 'queue_unavailable');
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(problem.detail).toMatch(/nothing was changed/i);
    expect(await sqlQuery('select 1 from users where email = $1', [email])).toHaveLength(0);
    vi.restoreAllMocks();
    expect(
      (await signUp({ email, tfa_enabled: true, device: { device_type: 'email' } })).response.status,
    ).toBe(201);
  });

  it('enable_tfa answers 503 and leaves TFA off', async () => {
    const { email, tokens } = await signUpAndLogIn();
    breakQueue();
    const response = await call('/api/v1/tfa/enable_tfa', {
      method: 'PUT',
      headers: { ...bearer(tokens.access_token), 'content-type': 'application/json' },
      body: JSON.stringify({ device_type: 'code_generator' }),
    });
    await expectProblem(response, 503, 'queue_unavailable');
    vi.restoreAllMocks();
    const [row] = await sqlQuery<{ tfa_enabled: boolean; devices: string }>(
      'select tfa_enabled, (select count(*) from tfa_devices d where d.user_id = u.id) as devices from users u where email = $1',
      [email],
    );
    expect(row).toEqual({ tfa_enabled: false, devices: '0' });
    expect((await logIn(email, PASSWORD)).status).toBe(200);
  });

  it('an email-device login answers 503 when its code cannot be sent, and the task is marked FAILURE', async () => {
    const { response, email } = await signUp({ tfa_enabled: true, device: { device_type: 'email' } });
    expect(response.status).toBe(201);
    breakQueue();
    await expectProblem(await logIn(email, PASSWORD), 503, 'queue_unavailable');
    const keys = await env.TASK_STATUS.list({ prefix: 'task:' });
    const states = await Promise.all(
      keys.keys.map(async (k) => JSON.parse((await env.TASK_STATUS.get(k.name)) ?? '{}').state),
    );
    expect(states).toContain('FAILURE');
  });
});
