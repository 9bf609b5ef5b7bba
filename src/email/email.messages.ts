// Queue messages: typed and versioned, validated again by the consumer (a queue is a trust boundary
// between deployments of different versions).
import { z } from 'zod';

const base = { v: z.literal(1), task_id: z.uuid(), to: z.email() };

export const EmailMessageSchema = z.discriminatedUnion('kind', [
  z.object({ ...base, kind: z.literal('test') }),
  z.object({
    ...base,
    kind: z.literal('backup_tokens'),
    full_name: z.string(),
    tokens: z.array(z.string()).min(1),
  }),
  z.object({
    ...base,
    kind: z.literal('login_code'),
    full_name: z.string(),
    code: z.string().regex(/^\d{6,8}$/),
    expires_in_minutes: z.number().int().positive(),
  }),
]);

export type EmailMessage = z.infer<typeof EmailMessageSchema>;
export type EmailKind = EmailMessage['kind'];
// What a producer supplies: the task id and version are added when it is enqueued.
export type EmailDraft = EmailMessage extends infer M
  ? M extends EmailMessage
    ? Omit<M, 'v' | 'task_id'>
    : never
  : never;
