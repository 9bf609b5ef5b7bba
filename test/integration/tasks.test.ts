import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createEmailConsumer, EMAIL_MAX_ATTEMPTS, retryDelaySeconds } from '../../src/email/email.consumer';
import { type EmailTransport, temporaryFailure } from '../../src/email/transports/transport';
import { call, expectProblem } from '../support/api';
import { waitForEmail } from '../support/emails';

type TaskStatus = { task_id: string; state: string; result: Record<string, unknown> | null };

async function waitForState(taskId: string, state: string, timeoutMs = 10_000): Promise<TaskStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: TaskStatus | undefined;
  while (Date.now() < deadline) {
    last = (await (await call(`/api/v1/tasks/taskstatus?task_id=${taskId}`)).json()) as TaskStatus;
    if (last.state === state) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`task ${taskId} stayed ${last?.state}`);
}

describe('GET /api/v1/tasks/test-celery and /tasks/taskstatus', () => {
  it('enqueues a test email that the queue consumer prints, flipping the task to SUCCESS', async () => {
    const response = await call('/api/v1/tasks/test-celery');
    expect(response.status).toBe(200);
    const { task_id } = (await response.json()) as { task_id: string };
    const status = await waitForState(task_id, 'SUCCESS');
    expect(status.result).toMatchObject({ kind: 'test' });
    const email = await waitForEmail('no-reply@edge-2fa.local', 'test email');
    expect(email.raw).toMatch(/^From: edge-2fa <no-reply@edge-2fa.local>$/m);
  });

  it('reports an unknown task id as PENDING, and a malformed one as 422', async () => {
    const id = crypto.randomUUID();
    const status = (await (await call(`/api/v1/tasks/taskstatus?task_id=${id}`)).json()) as TaskStatus;
    expect(status).toEqual({ task_id: id, state: 'PENDING', result: null });
    await expectProblem(await call('/api/v1/tasks/taskstatus?task_id=nope'), 422);
  });
});

describe('email queue consumer', () => {
  const backupTokensMessage = (taskId: string) => ({
    v: 1,
    kind: 'backup_tokens',
    task_id: taskId,
    to: 'someone@example.com',
    full_name: 'Some One',
    tokens: ['AAAA-BBBB-CCCC', 'DDDD-EEEE-FFFF'],
  });

  const transport = (send: EmailTransport['send']) => ({
    transportFor: (): EmailTransport => ({ name: 'console', send }),
  });

  it('never stores the email body, codes or tokens in the task result', async () => {
    const taskId = crypto.randomUUID();
    const batch = createMessageBatch('edge-2fa-email', [
      { id: 'm1', timestamp: new Date(), attempts: 1, body: backupTokensMessage(taskId) },
    ]);
    const ctx = createExecutionContext();
    await createEmailConsumer(transport(async () => {}))(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(['m1']);
    const stored = await env.TASK_STATUS.get(`task:${taskId}`);
    expect(stored).toContain('SUCCESS');
    expect(stored).not.toContain('AAAA-BBBB-CCCC');
    expect(stored).not.toContain('Some One');
  });

  it('retries a failed delivery with backoff and records RETRY, then FAILURE on the last attempt', async () => {
    const failing = createEmailConsumer(
      transport(async () => {
        throw temporaryFailure('smtp connection failed');
      }),
    );
    const taskId = crypto.randomUUID();
    const first = createMessageBatch('edge-2fa-email', [
      { id: 'm1', timestamp: new Date(), attempts: 1, body: backupTokensMessage(taskId) },
    ]);
    const ctx = createExecutionContext();
    await failing(first, env);
    const result = await getQueueResult(first, ctx);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(['m1']);
    expect(JSON.parse((await env.TASK_STATUS.get(`task:${taskId}`)) ?? '{}').state).toBe('RETRY');

    const last = createMessageBatch('edge-2fa-email', [
      { id: 'm2', timestamp: new Date(), attempts: EMAIL_MAX_ATTEMPTS, body: backupTokensMessage(taskId) },
    ]);
    await failing(last, env);
    const lastResult = await getQueueResult(last, createExecutionContext());
    // Retried so the queue moves it to the dead-letter queue rather than dropping it.
    expect(lastResult.retryMessages).toHaveLength(1);
    const stored = JSON.parse((await env.TASK_STATUS.get(`task:${taskId}`)) ?? '{}');
    expect(stored.state).toBe('FAILURE');
    expect(stored.result).toMatchObject({ transport: 'console', error: 'smtp connection failed' });
    expect(JSON.stringify(stored)).not.toContain('AAAA');
  });

  it('backs off exponentially, capped at 15 minutes', () => {
    expect([1, 2, 3, 4].map((attempts) => retryDelaySeconds(attempts))).toEqual([5, 10, 20, 40]);
    expect(retryDelaySeconds(20)).toBe(900);
  });

  it('acks a malformed message instead of retrying it forever', async () => {
    const batch = createMessageBatch('edge-2fa-email', [
      { id: 'bad', timestamp: new Date(), attempts: 1, body: { v: 99, kind: 'nonsense' } },
    ]);
    await createEmailConsumer(
      transport(async () => {
        throw new Error('must not be called');
      }),
    )(batch, env);
    const result = await getQueueResult(batch, createExecutionContext());
    expect(result.explicitAcks).toEqual(['bad']);
    expect(result.retryMessages).toEqual([]);
  });
});
