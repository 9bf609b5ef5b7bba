// The queue consumer: validates each message, "delivers" it by printing it (the email service is faked),
// records the outcome in KV, and acks or retries per message with exponential backoff.
import { logEvent } from '../http/log';
import { type EmailMessage, EmailMessageSchema } from './email.messages';
import { renderEmail } from './email.templates';
import { writeTaskStatus } from './task-status';

// Matches max_retries in wrangler.toml: after this many deliveries the message goes to the dead-letter queue.
export const EMAIL_MAX_ATTEMPTS = 6;
const RETRY_BASE_DELAY_SECONDS = 5;

export function retryDelaySeconds(attempts: number): number {
  return Math.min(RETRY_BASE_DELAY_SECONDS * 2 ** (attempts - 1), 15 * 60);
}

// Replaceable for fault tests; in production the "delivery" is this print.
export type EmailDelivery = (from: string, message: EmailMessage) => Promise<void>;

export const printEmail: EmailDelivery = async (from, message) => {
  const { subject, body } = renderEmail(message);
  console.log(
    [
      '----- email -----',
      `From: ${from}`,
      `To: ${message.to}`,
      `Subject: ${subject}`,
      '',
      body,
      '----- end email -----',
    ].join('\n'),
  );
};

async function processMessage(message: Message<unknown>, env: Env, deliver: EmailDelivery): Promise<void> {
  const parsed = EmailMessageSchema.safeParse(message.body);
  if (!parsed.success) {
    // Retrying cannot fix a malformed message: ack it so it is not redelivered forever.
    logEvent({ event: 'email_malformed', message_id: message.id, issues: parsed.error.issues.length });
    message.ack();
    return;
  }
  const email = parsed.data;
  try {
    await deliver(env.EMAIL_FROM, email);
    await writeTaskStatus(env.TASK_STATUS, email.task_id, 'SUCCESS', {
      kind: email.kind,
      attempts: message.attempts,
      delivered_at: new Date().toISOString(),
    });
    message.ack();
  } catch (error) {
    const lastAttempt = message.attempts >= EMAIL_MAX_ATTEMPTS;
    const reason = error instanceof Error ? error.name : 'Error';
    logEvent({
      event: 'email_delivery_failed',
      task_id: email.task_id,
      attempts: message.attempts,
      last_attempt: lastAttempt,
    });
    await writeTaskStatus(env.TASK_STATUS, email.task_id, lastAttempt ? 'FAILURE' : 'RETRY', {
      kind: email.kind,
      attempts: message.attempts,
      error: `delivery failed (${reason})`,
    }).catch(() => {});
    // Retry even on the last attempt: the queue then moves it to the dead-letter queue instead of dropping it.
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
  }
}

export function createEmailConsumer(deliver: EmailDelivery = printEmail) {
  return async (batch: MessageBatch<unknown>, env: Env): Promise<void> => {
    for (const message of batch.messages) await processMessage(message, env, deliver);
  };
}

export const consumeEmailBatch = createEmailConsumer();
