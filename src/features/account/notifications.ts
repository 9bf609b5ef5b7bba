// Security notifications (ASVS 5.0 6.3.7, 7.x): the account owner hears of every change to how they log
// in, so an attacker's change does not go unnoticed. They carry no code, token or link.
import type { Deps } from '../../app-env';
import type { EmailDraft } from '../../email/email.messages';
import { enqueueEmail } from '../../email/email.producer';

type NoticeDraft = Extract<EmailDraft, { occurred_at: string }>;

/** What happened, e.g. `{ kind: 'backup_token_used', remaining: 3 }` or `{ kind: 'tfa_disabled' }`. */
export type SecurityEvent = NoticeDraft extends infer D
  ? D extends NoticeDraft
    ? Omit<D, 'to' | 'full_name' | 'occurred_at'>
    : never
  : never;

export type SecurityEventKind = SecurityEvent['kind'];

/**
 * Queues a security notification. Best effort by design: the change it reports has already happened and
 * must not be undone or answered with an error because a notice could not be queued; a failure is logged
 * (`security_notification_failed`, plus the producer's `email_enqueue_failed`) and reported as false.
 */
export async function notifySecurityEvent(
  deps: Pick<Deps, 'emailQueue' | 'taskStatus' | 'log' | 'nowMs'>,
  recipient: { email: string; fullName: string },
  event: SecurityEvent,
): Promise<boolean> {
  try {
    await enqueueEmail(deps, {
      ...event,
      to: recipient.email,
      full_name: recipient.fullName,
      occurred_at: new Date(deps.nowMs()).toISOString(),
    } as NoticeDraft);
    return true;
  } catch (error) {
    deps.log({
      event: 'security_notification_failed',
      kind: event.kind,
      error_name: error instanceof Error ? error.name : typeof error,
    });
    return false;
  }
}

/**
 * Tells the owner their account just locked (once per run of failures). Queued after the answer
 * (waitUntil), so a wrong password takes as long on an account as on an unknown email.
 */
export function notifyAccountLocked(
  deps: Pick<Deps, 'emailQueue' | 'taskStatus' | 'log' | 'nowMs' | 'defer'>,
  recipient: { email: string; fullName: string },
  retryAfterSeconds: number,
): void {
  deps.defer(
    notifySecurityEvent(deps, recipient, { kind: 'account_locked', retry_after_seconds: retryAfterSeconds }),
  );
}
