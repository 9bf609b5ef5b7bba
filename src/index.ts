// Worker entry: HTTP through the Hono app, queue batches through the email consumer.
import { createApp } from './app';
import { consumeEmailBatch } from './email/email.consumer';

const app = createApp();

export default {
  fetch: app.fetch,
  queue: consumeEmailBatch,
} satisfies ExportedHandler<Env>;
