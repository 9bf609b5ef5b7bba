// The queue consumer: validates each message, claims its task in Postgres (exactly once: a task already
// sent or being sent elsewhere is not sent again), renders it in the recipient's language, hands it to
// the configured transport, records the send before acking, and records the outcome in KV. Temporary
// failures retry with exponential backoff; permanent ones fail at once; after the last retry the queue
// moves the message to the dead-letter queue (see dead-letter.consumer.ts).
import { type LoadedConfig, loadConfig } from '../config';
import { getDatabase } from '../db/client';
import {
  claimDelivery,
  markDeliveryFailed,
  markDeliverySent,
  releaseDelivery,
} from '../db/queries/email-deliveries';
import { logEvent } from '../http/log';
import { type EmailMessage, EmailMessageSchema } from './email.messages';
import type { EmailSettings } from './email.settings';
import { composeEmail } from './outgoing';
import { writeTaskStatus } from './task-status';
import { createTransport } from './transports';
import { DeliveryError, type EmailTransport, temporaryFailure } from './transports/transport';

// Matches max_retries in wrangler.toml: after this many deliveries the message goes to the dead-letter queue.
export const EMAIL_MAX_ATTEMPTS = 6;
const DEFAULT_RETRY_BASE_DELAY_SECONDS = 5;
const MAX_RETRY_DELAY_SECONDS = 15 * 60;
// Longer than the slowest transport can take (each SMTP step times out after 20 s): while it is held no
// other delivery of the task sends, and a crashed consumer's lease runs out by the next attempt.
export const DELIVERY_LEASE_SECONDS = 300;

export function retryDelaySeconds(attempts: number, baseSeconds = DEFAULT_RETRY_BASE_DELAY_SECONDS): number {
  return Math.min(baseSeconds * 2 ** (attempts - 1), MAX_RETRY_DELAY_SECONDS);
}

export type ConsumerOptions = {
  // Tests swap the transport to reach states a real server cannot be made to produce on demand.
  transportFor?: (settings: EmailSettings) => EmailTransport;
  now?: () => Date;
};

type Context = { loaded: LoadedConfig; transport: EmailTransport; env: Env; now: () => Date };

function recordStatus(env: Env, email: EmailMessage, state: 'SUCCESS' | 'RETRY' | 'FAILURE', result: object) {
  return writeTaskStatus(env.TASK_STATUS, email.task_id, state, { kind: email.kind, ...result }).catch(
    () => {},
  );
}

async function deliver(message: Message<unknown>, email: EmailMessage, ctx: Context): Promise<void> {
  const { loaded, transport, env } = ctx;
  const db = getDatabase(loaded.config.databaseUrl, loaded.config.neonHTTPEndpoint, 'queue');
  const base = { transport: transport.name, attempts: message.attempts };
  const lastAttempt = message.attempts >= EMAIL_MAX_ATTEMPTS;
  const retryLater = async (reason: string) => {
    logEvent({
      event: 'email_delivery_failed',
      task_id: email.task_id,
      ...base,
      reason,
      last_attempt: lastAttempt,
    });
    await recordStatus(env, email, lastAttempt ? 'FAILURE' : 'RETRY', { ...base, error: reason });
    // Retried even on the last attempt: the queue then moves it to the dead-letter queue, never drops it.
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts, loaded.email.retryBaseDelaySeconds) });
  };

  let claim: Awaited<ReturnType<typeof claimDelivery>>;
  try {
    claim = await claimDelivery(db, {
      taskId: email.task_id,
      queueMessageId: message.id,
      transport: transport.name,
      recipient: email.to,
      leaseSeconds: DELIVERY_LEASE_SECONDS,
    });
  } catch {
    // Without the claim nothing may be sent (it could be a second copy): wait for the database.
    return retryLater('database unavailable');
  }
  if (claim.outcome === 'sent' || claim.outcome === 'failed') {
    logEvent({ event: 'email_redelivery_skipped', task_id: email.task_id, outcome: claim.outcome, ...base });
    message.ack();
    return;
  }
  if (claim.outcome === 'busy') {
    logEvent({ event: 'email_delivery_in_progress', task_id: email.task_id, ...base });
    message.retry({ delaySeconds: DELIVERY_LEASE_SECONDS });
    return;
  }

  try {
    const outgoing = composeEmail(email, loaded.email.sender, {
      productName: loaded.email.productName,
      languageTag: claim.locale,
      now: ctx.now(),
    });
    await transport.send(outgoing);
  } catch (error) {
    const failure = error instanceof DeliveryError ? error : temporaryFailure(`${transport.name} error`);
    if (!failure.permanent) {
      await releaseDelivery(db, email.task_id, failure.reason).catch(() => {});
      return retryLater(failure.reason);
    }
    await markDeliveryFailed(db, email.task_id, failure.reason).catch(() => {});
    logEvent({ event: 'email_delivery_refused', task_id: email.task_id, ...base, reason: failure.reason });
    await recordStatus(env, email, 'FAILURE', { ...base, error: failure.reason });
    message.ack();
    return;
  }

  try {
    await markDeliverySent(db, email.task_id);
  } catch {
    // Sent but not recorded: acking still ends this message, and the lease keeps any stray redelivery
    // from sending for DELIVERY_LEASE_SECONDS. Never retry here: that is exactly a second send.
    logEvent({ event: 'email_sent_not_recorded', task_id: email.task_id, ...base });
  }
  await recordStatus(env, email, 'SUCCESS', { ...base, delivered_at: new Date().toISOString() });
  message.ack();
}

export function createEmailConsumer(options: ConsumerOptions = {}) {
  return async (batch: MessageBatch<unknown>, env: Env): Promise<void> => {
    let loaded: LoadedConfig;
    try {
      loaded = await loadConfig(env);
    } catch (error) {
      // A broken configuration is fixed by a deploy, not by waiting: keep the messages, with backoff.
      logEvent({ event: 'email_config_invalid', error: (error as Error).message });
      for (const message of batch.messages)
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      return;
    }
    const transport = (options.transportFor ?? ((s) => createTransport(s.transport)))(loaded.email);
    const ctx: Context = { loaded, transport, env, now: options.now ?? (() => new Date()) };
    for (const message of batch.messages) {
      const parsed = EmailMessageSchema.safeParse(message.body);
      if (!parsed.success) {
        // Retrying cannot fix a malformed message: ack it so it is not redelivered forever.
        logEvent({ event: 'email_malformed', message_id: message.id, issues: parsed.error.issues.length });
        message.ack();
        continue;
      }
      await deliver(message, parsed.data, ctx);
    }
  };
}

export const consumeEmailBatch = createEmailConsumer();
