// Delivery faults against the real local servers: SMTP 4xx then 5xx, a connection dropped in the middle of
// the message, a server that is down, TLS that is not offered, bad credentials; the HTTP API answering 429,
// 500, 422 and 403. Temporary faults retry (RETRY in the status, the lease given back), permanent ones fail
// at once (FAILURE, acked), the dead-letter queue records FAILURE after the last retry, and no email is
// ever sent twice — not after a retry, not when the queue delivers a message again or twice at once.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { EmailMessage } from '../../src/email/email.messages';
import {
  deliver,
  httpReceivedBy,
  messagesOfEveryKind,
  smtpReceivedBy,
  taskStatus,
  uniqueAddress,
  waitForTaskState,
} from '../support/mailbox';

function loginCodeTo(to: string): EmailMessage {
  const message = messagesOfEveryKind(to).find((m) => m.kind === 'login_code');
  if (!message) throw new Error('no login_code fixture');
  return message;
}

const HTTP = {
  EMAIL_TRANSPORT: 'http',
  EMAIL_HTTP_ENDPOINT: `${env.MAIL_TEST_API_URL}/emails`,
  EMAIL_API_KEY: env.MAIL_TEST_API_KEY,
};

describe('SMTP faults', () => {
  it('a 451 is temporary: retried with backoff, RETRY in the status, nothing delivered', async () => {
    const message = loginCodeTo(uniqueAddress('tempfail'));
    const result = await deliver([message]);
    expect(result.retryMessages).toHaveLength(1);
    expect(result.explicitAcks).toEqual([]);
    expect(await taskStatus(message.task_id)).toMatchObject({
      state: 'RETRY',
      result: { transport: 'smtp', attempts: 1, error: 'smtp 451 at RCPT TO' },
    });
    expect(await smtpReceivedBy(message.to)).toEqual([]);
  });

  it('a 451 then acceptance: the retry delivers exactly one email', async () => {
    const message = loginCodeTo(uniqueAddress('flaky'));
    expect((await deliver([message], {}, 1)).retryMessages).toHaveLength(1);
    expect((await deliver([message], {}, 2)).explicitAcks).toHaveLength(1);
    expect(await smtpReceivedBy(message.to)).toHaveLength(1);
    expect(await taskStatus(message.task_id)).toMatchObject({ state: 'SUCCESS', result: { attempts: 2 } });
  });

  it('a 550 is permanent: FAILURE at once, acked, and a redelivery does not try again', async () => {
    const message = loginCodeTo(uniqueAddress('permfail'));
    const result = await deliver([message]);
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toEqual([]);
    const failed = await taskStatus(message.task_id);
    expect(failed).toMatchObject({
      state: 'FAILURE',
      result: { transport: 'smtp', error: 'smtp 550 at RCPT TO' },
    });
    expect(JSON.stringify(failed)).not.toContain(message.to);
    expect((await deliver([message], {}, 2)).explicitAcks).toHaveLength(1);
    expect(await smtpReceivedBy(message.to)).toEqual([]);
  });

  it('a connection dropped in the middle of the message is retried, and the retry delivers exactly one', async () => {
    const message = loginCodeTo(uniqueAddress('drop'));
    expect((await deliver([message], {}, 1)).retryMessages).toHaveLength(1);
    expect(await taskStatus(message.task_id)).toMatchObject({
      state: 'RETRY',
      result: { error: 'smtp connection closed at end of DATA' },
    });
    expect((await deliver([message], {}, 2)).explicitAcks).toHaveLength(1);
    expect(await smtpReceivedBy(message.to)).toHaveLength(1);
  });

  it('a server that is down is retried', async () => {
    const message = loginCodeTo(uniqueAddress('down'));
    const result = await deliver([message], { SMTP_PORT: env.SMTP_TEST_DOWN_PORT });
    expect(result.retryMessages).toHaveLength(1);
    expect(await taskStatus(message.task_id)).toMatchObject({
      state: 'RETRY',
      result: { error: 'smtp connection failed' },
    });
  });

  it('never continues in clear text when STARTTLS is required but not offered', async () => {
    const message = loginCodeTo(uniqueAddress('no-starttls'));
    const result = await deliver([message], { SMTP_PORT: env.SMTP_TEST_PLAIN_PORT });
    expect(result.explicitAcks).toHaveLength(1);
    expect(await taskStatus(message.task_id)).toMatchObject({
      state: 'FAILURE',
      result: { error: 'smtp server does not offer STARTTLS' },
    });
    expect(await smtpReceivedBy(message.to)).toEqual([]);
  });

  it('a wrong password is a permanent failure that names the step, not the password', async () => {
    const message = loginCodeTo(uniqueAddress('bad-auth'));
    const result = await deliver([message], { SMTP_PASSWORD: 'not-the-password' });
    expect(result.explicitAcks).toHaveLength(1);
    const status = await taskStatus(message.task_id);
    expect(status).toMatchObject({ state: 'FAILURE', result: { error: 'smtp 535 at AUTH' } });
    expect(JSON.stringify(status)).not.toContain('not-the-password');
  });

  it('after the last retry the queue dead-letters the message and its consumer records FAILURE', async () => {
    // Through the real queue: Miniflare retries (delay 0 in this project) and moves it to edge-2fa-email-dlq.
    const message = loginCodeTo(uniqueAddress('tempfail'));
    await env.EMAIL.send(message, { contentType: 'json' });
    const status = await waitForTaskState(message.task_id, 'FAILURE', 45_000);
    const final = await (async () => {
      const deadline = Date.now() + 30_000;
      let current = status;
      while (!String(current.result?.error).startsWith('gave up') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        current = (await taskStatus(message.task_id)) ?? current;
      }
      return current;
    })();
    expect(final).toMatchObject({
      state: 'FAILURE',
      result: {
        kind: 'login_code',
        transport: 'smtp',
        attempts: 6,
        error: 'gave up after retries: smtp 451 at RCPT TO',
      },
    });
    expect(await smtpReceivedBy(message.to)).toEqual([]);
  });
});

describe('exactly once', () => {
  it('a message the queue delivers again after it was sent (the ack was lost) is acked, not sent again', async () => {
    const message = loginCodeTo(uniqueAddress('redelivered'));
    expect((await deliver([message], {}, 1)).explicitAcks).toHaveLength(1);
    expect((await deliver([message], {}, 2)).explicitAcks).toHaveLength(1);
    expect((await deliver([message], {}, 3)).explicitAcks).toHaveLength(1);
    expect(await smtpReceivedBy(message.to)).toHaveLength(1);
  });

  it('five deliveries of one message at the same moment send it once; the others skip it or wait for the lease', async () => {
    const message = loginCodeTo(uniqueAddress('concurrent'));
    const results = await Promise.all(Array.from({ length: 5 }, () => deliver([message])));
    // Each delivery either found the task sent (ack), sent it itself (ack) or found it being sent (retry).
    expect(results.flatMap((r) => [...r.explicitAcks, ...r.retryMessages])).toHaveLength(5);
    expect(await smtpReceivedBy(message.to)).toHaveLength(1);
    // However the race went, a later delivery finds it sent and sends nothing.
    expect((await deliver([message], {}, 2)).explicitAcks).toHaveLength(1);
    expect(await smtpReceivedBy(message.to)).toHaveLength(1);
  });

  it('the same task through the HTTP API is posted once, however often it is delivered', async () => {
    const message = loginCodeTo(uniqueAddress('http-redelivered'));
    await deliver([message], HTTP, 1);
    await deliver([message], HTTP, 2);
    expect(await httpReceivedBy(message.to)).toHaveLength(1);
  });
});

describe('HTTP API faults (Resend)', () => {
  it('429 is temporary: RETRY with the provider code', async () => {
    const message = loginCodeTo(uniqueAddress('ratelimit'));
    expect((await deliver([message], HTTP)).retryMessages).toHaveLength(1);
    expect(await taskStatus(message.task_id)).toMatchObject({
      state: 'RETRY',
      result: { transport: 'http', error: 'resend 429 rate_limit_exceeded' },
    });
  });

  it('429 once, then accepted: exactly one email', async () => {
    const message = loginCodeTo(uniqueAddress('ratelimited-once'));
    expect((await deliver([message], HTTP, 1)).retryMessages).toHaveLength(1);
    expect((await deliver([message], HTTP, 2)).explicitAcks).toHaveLength(1);
    expect(await httpReceivedBy(message.to)).toHaveLength(1);
  });

  it('500 is temporary, and the retry delivers exactly one', async () => {
    const message = loginCodeTo(uniqueAddress('servererror'));
    expect((await deliver([message], HTTP, 1)).retryMessages).toHaveLength(1);
    expect(await taskStatus(message.task_id)).toMatchObject({
      result: { error: 'resend 500 application_error' },
    });
    expect((await deliver([message], HTTP, 2)).explicitAcks).toHaveLength(1);
    expect(await httpReceivedBy(message.to)).toHaveLength(1);
  });

  it('422 is permanent: FAILURE at once', async () => {
    const message = loginCodeTo(uniqueAddress('invalid'));
    const result = await deliver([message], HTTP);
    expect(result.explicitAcks).toHaveLength(1);
    expect(await taskStatus(message.task_id)).toMatchObject({
      state: 'FAILURE',
      result: { error: 'resend 422 validation_error' },
    });
  });

  it('a wrong API key is permanent (403 invalid_api_key) and never shown', async () => {
    const message = loginCodeTo(uniqueAddress('wrong-key'));
    const result = await deliver([message], { ...HTTP, EMAIL_API_KEY: 're_wrong-key-123' });
    expect(result.explicitAcks).toHaveLength(1);
    const status = await taskStatus(message.task_id);
    expect(status).toMatchObject({ state: 'FAILURE', result: { error: 'resend 403 invalid_api_key' } });
    expect(JSON.stringify(status)).not.toContain('re_wrong');
  });

  it('an API that cannot be reached is retried', async () => {
    const message = loginCodeTo(uniqueAddress('api-down'));
    const result = await deliver([message], {
      ...HTTP,
      EMAIL_HTTP_ENDPOINT: `http://127.0.0.1:${env.SMTP_TEST_DOWN_PORT}/emails`,
    });
    expect(result.retryMessages).toHaveLength(1);
    expect(await taskStatus(message.task_id)).toMatchObject({ result: { error: 'resend unreachable' } });
  });
});
