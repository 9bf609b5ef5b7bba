// What the local mail servers of the "email" project received (test/support/mail-servers.ts), parsed
// with postal-mime, and helpers to drive the real queue consumer with another transport's settings.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import PostalMime, { type Email } from 'postal-mime';
import { createEmailConsumer } from '../../src/email/email.consumer';
import type { EmailMessage } from '../../src/email/email.messages';

export type ReceivedSMTP = {
  server: string;
  from: string;
  to: string[];
  secure: boolean;
  user: string | null;
  raw: string;
};
export type ReceivedHTTP = { idempotencyKey: string; body: Record<string, unknown> };

async function inspect<T>(kind: 'smtp' | 'http', to: string): Promise<T[]> {
  const response = await fetch(`${env.MAIL_TEST_API_URL}/_test/${kind}?to=${encodeURIComponent(to)}`);
  return (await response.json()) as T[];
}

export const smtpReceivedBy = (to: string) => inspect<ReceivedSMTP>('smtp', to);
export const httpReceivedBy = (to: string) => inspect<ReceivedHTTP>('http', to);

export async function waitForSMTP(to: string, count = 1, timeoutMs = 15_000): Promise<ReceivedSMTP[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const received = await smtpReceivedBy(to);
    if (received.length >= count || Date.now() > deadline) return received;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const parseMIME = (raw: string): Promise<Email> => PostalMime.parse(raw);

export const header = (email: Email, name: string) =>
  email.headers.find((h) => h.key === name.toLowerCase())?.value;

export const uniqueAddress = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}@example.com`;

// One message of every kind the service sends (src/email/email.messages.ts), with recognisable secrets.
export function messagesOfEveryKind(to: string): EmailMessage[] {
  const common = { v: 1 as const, to, full_name: 'Ada Lovelace' };
  const id = () => crypto.randomUUID();
  const occurred_at = '2026-11-30T07:00:00.000Z';
  return [
    { v: 1, to, task_id: id(), kind: 'test' },
    { ...common, task_id: id(), kind: 'backup_tokens', tokens: ['K7QM-2XWD-9RTA', 'ZZ4P-8HJK-2MNB'] },
    { ...common, task_id: id(), kind: 'login_code', code: '493817', expires_in_minutes: 10 },
    {
      ...common,
      task_id: id(),
      kind: 'password_reset_requested',
      token: 'q8Vw3nXk0bT4rY7uPzL2sA9dF6gH1jK5',
      expires_in_minutes: 30,
    },
    { ...common, task_id: id(), kind: 'backup_tokens_regenerated', tokens: ['AB12-CD34-EF56'] },
    { ...common, task_id: id(), kind: 'password_changed', occurred_at, revoked_sessions: 2 },
    { ...common, task_id: id(), kind: 'password_reset', occurred_at, revoked_sessions: 0 },
    { ...common, task_id: id(), kind: 'tfa_enabled', occurred_at, device_type: 'email' },
    { ...common, task_id: id(), kind: 'tfa_disabled', occurred_at },
    { ...common, task_id: id(), kind: 'backup_token_used', occurred_at, remaining: 3 },
    { ...common, task_id: id(), kind: 'totp_replay_refused', occurred_at },
    { ...common, task_id: id(), kind: 'sessions_revoked_after_reuse', occurred_at },
  ];
}

// The secret a person must be able to read in each kind, if it carries one.
export function secretsIn(message: EmailMessage): string[] {
  if ('tokens' in message) return message.tokens;
  if (message.kind === 'login_code') return [message.code];
  if (message.kind === 'password_reset_requested') return [message.token];
  return [];
}

let messageCounter = 0;

// Delivers messages through the real consumer, with the Worker's env plus overrides (another transport),
// as the queue would: one batch, the given attempt number. Returns what was acked and retried.
export async function deliver(
  messages: EmailMessage[],
  overrides: Record<string, unknown> = {},
  attempts = 1,
) {
  const batch = createMessageBatch(
    'edge-2fa-email',
    messages.map((body) => ({ id: `test-${++messageCounter}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await createEmailConsumer()(batch, { ...env, ...overrides } as Env);
  return getQueueResult(batch, ctx);
}

export type StoredStatus = { state: string; result: Record<string, unknown> | null };

export async function taskStatus(taskId: string): Promise<StoredStatus | null> {
  return env.TASK_STATUS.get<StoredStatus>(`task:${taskId}`, 'json');
}

export async function waitForTaskState(
  taskId: string,
  state: string,
  timeoutMs = 20_000,
): Promise<StoredStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: StoredStatus | null = null;
  while (Date.now() < deadline) {
    last = await taskStatus(taskId);
    if (last?.state === state) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`task ${taskId} stayed ${JSON.stringify(last)}`);
}

/** The first email to `to` whose subject contains `subjectIncludes`, whatever else arrived before it. */
export async function waitForSMTPWithSubject(to: string, subjectIncludes: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const received of await smtpReceivedBy(to)) {
      const email = await parseMIME(received.raw);
      if (email.subject?.includes(subjectIncludes)) return email;
    }
    if (Date.now() > deadline)
      throw new Error(`No email "${subjectIncludes}" to ${to} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
