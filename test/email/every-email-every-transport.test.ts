// Every kind of email the service sends, through each transport, by the real queue consumer: what arrives
// is parsed (postal-mime for SMTP, the JSON body for the HTTP API) and must carry the subject, both parts
// and the code or token a person needs; the task status names the transport and nothing of the content.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { EmailMessage } from '../../src/email/email.messages';
import {
  deliver,
  header,
  httpReceivedBy,
  messagesOfEveryKind,
  parseMIME,
  secretsIn,
  smtpReceivedBy,
  taskStatus,
  uniqueAddress,
} from '../support/mailbox';

const SMTP_VARIANTS = {
  'smtp, STARTTLS + AUTH': {},
  'smtp, implicit TLS + AUTH': { SMTP_PORT: env.SMTP_TEST_IMPLICIT_TLS_PORT, SMTP_SECURITY: 'tls' },
  'smtp, plain (local catch-all, no AUTH)': {
    SMTP_PORT: env.SMTP_TEST_PLAIN_PORT,
    SMTP_SECURITY: 'plain',
    SMTP_USERNAME: '',
    SMTP_PASSWORD: '',
  },
} as const;

const HTTP = {
  EMAIL_TRANSPORT: 'http',
  EMAIL_HTTP_PROVIDER: 'resend',
  EMAIL_HTTP_ENDPOINT: `${env.MAIL_TEST_API_URL}/emails`,
  EMAIL_API_KEY: env.MAIL_TEST_API_KEY,
};

async function expectStatus(message: EmailMessage, transport: string) {
  const status = await taskStatus(message.task_id);
  expect(status).toMatchObject({ state: 'SUCCESS', result: { kind: message.kind, transport, attempts: 1 } });
  for (const secret of secretsIn(message)) expect(JSON.stringify(status)).not.toContain(secret);
  expect(JSON.stringify(status)).not.toContain('Ada');
}

describe('every email through every transport', () => {
  for (const [variant, overrides] of Object.entries(SMTP_VARIANTS)) {
    it(`${variant}: each kind arrives with subject, text and HTML parts and its secret`, async () => {
      const to = uniqueAddress('every-smtp');
      const messages = messagesOfEveryKind(to);
      const result = await deliver(messages, overrides);
      expect(result.explicitAcks).toHaveLength(messages.length);
      const received = await smtpReceivedBy(to);
      expect(received).toHaveLength(messages.length);
      const expectedServer = variant.includes('implicit')
        ? 'tls'
        : variant.includes('plain')
          ? 'plain'
          : 'starttls';
      for (const message of messages) {
        const arrived = received.find((r) => r.raw.includes(message.task_id));
        if (!arrived) throw new Error(`${message.kind} did not arrive`);
        expect(arrived.server).toBe(expectedServer);
        expect(arrived.secure).toBe(expectedServer !== 'plain');
        const email = await parseMIME(arrived.raw);
        expect(email.from?.address).toBe('no-reply@mail.edge-2fa.test');
        expect(email.to?.[0]?.address).toBe(to);
        expect(email.subject).toContain('Edge Test');
        expect(email.text).toBeTruthy();
        expect(email.html).toContain('</html>');
        expect(header(email, 'x-task-id')).toBe(message.task_id);
        for (const secret of secretsIn(message)) {
          expect(email.text?.split('\n')).toContain(secret);
          expect(email.html).toContain(`>${secret}<`);
        }
        await expectStatus(message, 'smtp');
      }
    });
  }

  it('http (Resend): each kind is one POST /emails as Resend documents it, with an idempotency key per task', async () => {
    const to = uniqueAddress('every-http');
    const messages = messagesOfEveryKind(to);
    const result = await deliver(messages, HTTP);
    expect(result.explicitAcks).toHaveLength(messages.length);
    const received = await httpReceivedBy(to);
    expect(received).toHaveLength(messages.length);
    for (const message of messages) {
      const request = received.find((r) => r.idempotencyKey === `edge-2fa/${message.task_id}`);
      if (!request) throw new Error(`${message.kind} was not posted`);
      expect(request.body).toMatchObject({
        from: 'Edge Test <no-reply@mail.edge-2fa.test>',
        to: [to],
        headers: { 'Message-ID': `<${message.task_id}@mail.edge-2fa.test>`, 'X-Task-Id': message.task_id },
      });
      expect(request.body.subject).toContain('Edge Test');
      for (const secret of secretsIn(message)) {
        expect(String(request.body.text).split('\n')).toContain(secret);
        expect(request.body.html).toContain(`>${secret}<`);
      }
      await expectStatus(message, 'http');
    }
  });

  it('cloudflare (send_email binding): each kind is accepted as a valid MIME message', async () => {
    const messages = messagesOfEveryKind('ada@example.com');
    const result = await deliver(messages, { EMAIL_TRANSPORT: 'cloudflare', SEND_EMAIL: env.SEND_EMAIL });
    expect(result.explicitAcks).toHaveLength(messages.length);
    for (const message of messages) await expectStatus(message, 'cloudflare');
  });

  it('cloudflare: an address the binding may not send to fails at once, without retries', async () => {
    const [message] = messagesOfEveryKind(uniqueAddress('not-allowed'));
    if (!message) throw new Error('no message');
    const result = await deliver([message], { EMAIL_TRANSPORT: 'cloudflare', SEND_EMAIL: env.SEND_EMAIL });
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toHaveLength(0);
    expect(await taskStatus(message.task_id)).toMatchObject({
      state: 'FAILURE',
      result: { transport: 'cloudflare', error: 'send_email refused the message' },
    });
  });

  it('console: each kind is printed with its secret, and the status says console', async () => {
    const to = uniqueAddress('every-console');
    const messages = messagesOfEveryKind(to);
    const result = await deliver(messages, { EMAIL_TRANSPORT: 'console' });
    expect(result.explicitAcks).toHaveLength(messages.length);
    for (const message of messages) await expectStatus(message, 'console');
  });
});
