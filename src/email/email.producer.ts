import { problems } from '../http/problem';
import type { EmailDraft, EmailMessage } from './email.messages';
import { writeTaskStatus } from './task-status';

export type EmailOutbox = {
  emailQueue: Queue;
  taskStatus: KVNamespace;
  log: (e: Record<string, unknown>) => void;
};

// Enqueues an email and records it as PENDING. Throws a 503 problem when the queue refuses the message,
// so the caller can undo its own writes instead of losing the email silently.
export async function enqueueEmail(outbox: EmailOutbox, draft: EmailDraft): Promise<string> {
  const taskId = crypto.randomUUID();
  const message = { ...draft, v: 1, task_id: taskId } as EmailMessage;
  await writeTaskStatus(outbox.taskStatus, taskId, 'PENDING', { kind: draft.kind });
  try {
    await outbox.emailQueue.send(message, { contentType: 'json' });
  } catch (error) {
    outbox.log({
      event: 'email_enqueue_failed',
      task_id: taskId,
      kind: draft.kind,
      error_name: (error as Error).name,
    });
    await writeTaskStatus(outbox.taskStatus, taskId, 'FAILURE', {
      kind: draft.kind,
      error: 'queue unavailable',
    });
    throw problems.queueUnavailable();
  }
  return taskId;
}
