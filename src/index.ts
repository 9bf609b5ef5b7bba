// Worker entry: HTTP through the Hono app, queue batches through the email consumer (or, for the
// dead-letter queue, the consumer that records the final failure).
import { createApp } from './app';
import { consumeDeadLetterBatch, EMAIL_DEAD_LETTER_QUEUE } from './email/dead-letter.consumer';
import { consumeEmailBatch } from './email/email.consumer';

const app = createApp();

export default {
  fetch: app.fetch,
  queue: (batch, env) =>
    batch.queue === EMAIL_DEAD_LETTER_QUEUE
      ? consumeDeadLetterBatch(batch, env)
      : consumeEmailBatch(batch, env),
} satisfies ExportedHandler<Env>;
