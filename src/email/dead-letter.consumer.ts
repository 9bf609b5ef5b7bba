// Consumer of the dead-letter queue (wrangler.toml: edge-2fa-email-dlq): a message lands here after its
// last retry, including when the main consumer never got to record anything (a crash, a timeout). It marks
// the task failed in Postgres, so no stray redelivery sends it later, and records FAILURE in the task
// status with the transport and the last reason, never the content.
import { loadConfig } from '../config';
import { getDatabase } from '../db/client';
import { markDeliveryFailed } from '../db/queries/email-deliveries';
import { logEvent } from '../http/log';
import { EmailMessageSchema } from './email.messages';
import { writeTaskStatus } from './task-status';

export const EMAIL_DEAD_LETTER_QUEUE = 'edge-2fa-email-dlq';

export async function consumeDeadLetterBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const loaded = await loadConfig(env).catch(() => undefined);
  for (const message of batch.messages) {
    const parsed = EmailMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      message.ack();
      continue;
    }
    const email = parsed.data;
    const failure = loaded
      ? await markDeliveryFailed(
          getDatabase(loaded.config.databaseUrl, loaded.config.neonHTTPEndpoint, 'queue'),
          email.task_id,
          null,
        ).catch(() => undefined)
      : undefined;
    const reason = failure?.lastError ?? 'no attempt recorded';
    logEvent({ event: 'email_dead_lettered', task_id: email.task_id, kind: email.kind, reason });
    await writeTaskStatus(env.TASK_STATUS, email.task_id, 'FAILURE', {
      kind: email.kind,
      transport: failure?.transport ?? loaded?.email.transport.kind ?? 'unknown',
      attempts: failure?.attempts,
      error: `gave up after retries: ${reason}`,
    }).catch(() => {});
    message.ack();
  }
}
