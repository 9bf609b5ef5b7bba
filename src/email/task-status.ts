// Email task status in KV: informational, eventually consistent, TTL'd, and never holding an email body,
// code or token (the original leaked them through its task-result store).
export type TaskState = 'PENDING' | 'SUCCESS' | 'RETRY' | 'FAILURE';

export type TaskStatus = {
  task_id: string;
  state: TaskState;
  // `transport` names how the email left (console, smtp, http, cloudflare); `error` says why it did not, as
  // step and status code only ("smtp 550 at RCPT TO"), never content, addresses or credentials.
  result: {
    kind: string;
    transport?: string;
    attempts?: number;
    error?: string;
    delivered_at?: string;
  } | null;
  updated_at: string;
};

export const TASK_STATUS_TTL_SECONDS = 24 * 60 * 60;

const keyFor = (taskId: string) => `task:${taskId}`;

export async function writeTaskStatus(
  kv: KVNamespace,
  taskId: string,
  state: TaskState,
  result: TaskStatus['result'],
): Promise<void> {
  const status: TaskStatus = { task_id: taskId, state, result, updated_at: new Date().toISOString() };
  await kv.put(keyFor(taskId), JSON.stringify(status), { expirationTtl: TASK_STATUS_TTL_SECONDS });
}

// Unknown ids read as PENDING, as Celery reports them: KV is eventually consistent, so a task created a
// moment ago at another location may not be visible here yet.
export async function readTaskStatus(kv: KVNamespace, taskId: string): Promise<TaskStatus> {
  const stored = await kv.get<TaskStatus>(keyFor(taskId), 'json');
  return stored ?? { task_id: taskId, state: 'PENDING', result: null, updated_at: new Date().toISOString() };
}
