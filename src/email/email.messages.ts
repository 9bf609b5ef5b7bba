// Queue messages: typed and versioned, validated again by the consumer (a queue is a trust boundary
// between deployments of different versions).
import { z } from 'zod';

const base = { v: z.literal(1), task_id: z.uuid(), to: z.email() };
const notice = { ...base, full_name: z.string(), occurred_at: z.iso.datetime() };

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
  z.object({
    ...base,
    kind: z.literal('password_reset_requested'),
    full_name: z.string(),
    token: z.string().regex(/^[A-Za-z0-9_-]{22,128}$/),
    expires_in_minutes: z.number().int().positive(),
  }),
  z.object({
    ...base,
    kind: z.literal('email_verification'),
    full_name: z.string(),
    token: z.string().regex(/^[A-Za-z0-9_-]{22,128}$/),
    expires_in_hours: z.number().int().positive(),
  }),
  z.object({
    ...base,
    kind: z.literal('backup_tokens_regenerated'),
    full_name: z.string(),
    tokens: z.array(z.string()).min(1),
  }),
  // Security notifications (ASVS 6.3.7 / 7.x): tell the owner what changed, never carry a secret.
  z.object({ ...notice, kind: z.literal('password_changed'), revoked_sessions: z.number().int().min(0) }),
  z.object({ ...notice, kind: z.literal('password_reset'), revoked_sessions: z.number().int().min(0) }),
  z.object({ ...notice, kind: z.literal('tfa_enabled'), device_type: z.enum(['email', 'code_generator']) }),
  z.object({ ...notice, kind: z.literal('tfa_disabled') }),
  z.object({ ...notice, kind: z.literal('tfa_reset_by_admin'), revoked_sessions: z.number().int().min(0) }),
  z.object({ ...notice, kind: z.literal('backup_token_used'), remaining: z.number().int().min(0) }),
  z.object({ ...notice, kind: z.literal('totp_replay_refused') }),
  z.object({ ...notice, kind: z.literal('account_locked'), retry_after_seconds: z.number().int().min(0) }),
  z.object({ ...notice, kind: z.literal('sessions_revoked_after_reuse') }),
]);

export type EmailMessage = z.infer<typeof EmailMessageSchema>;
export type EmailKind = EmailMessage['kind'];
// What a producer supplies: the task id and version are added when it is enqueued.
export type EmailDraft = EmailMessage extends infer M
  ? M extends EmailMessage
    ? Omit<M, 'v' | 'task_id'>
    : never
  : never;
