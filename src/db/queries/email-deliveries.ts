// Exactly-once bookkeeping for email tasks (one row per task in email_deliveries). Each function is one
// statement. The claim is the decision: one INSERT … ON CONFLICT DO UPDATE … WHERE decides atomically
// whether this delivery may send, so two deliveries of one message can never both get 'claimed'.
import { sql } from 'drizzle-orm';
import type { Database } from '../client';

export type DeliveryClaim = {
  // claimed: send now · sent: already delivered, ack · failed: permanently failed, ack · busy: another
  // delivery holds the lease, retry later.
  outcome: 'claimed' | 'sent' | 'failed' | 'busy';
  // The recipient's stored language tag, read in the same statement (null: no account or none chosen).
  locale: string | null;
};

export async function claimDelivery(
  db: Database,
  claim: {
    taskId: string;
    queueMessageId: string;
    transport: string;
    recipient: string;
    leaseSeconds: number;
  },
): Promise<DeliveryClaim> {
  const result = await db.execute<{ outcome: DeliveryClaim['outcome']; locale: string | null }>(sql`
    with claimed as (
      insert into email_deliveries (task_id, queue_message_id, transport, lease_until)
      values (${claim.taskId}, ${claim.queueMessageId}, ${claim.transport},
              now() + make_interval(secs => ${claim.leaseSeconds}))
      on conflict (task_id) do update
        set queue_message_id = excluded.queue_message_id,
            transport = excluded.transport,
            lease_until = excluded.lease_until,
            attempts = email_deliveries.attempts + 1
        where email_deliveries.sent_at is null
          and email_deliveries.failed_at is null
          and (email_deliveries.lease_until is null or email_deliveries.lease_until < now())
      returning task_id
    ),
    existing as (select sent_at, failed_at from email_deliveries where task_id = ${claim.taskId})
    select
      case
        when exists (select 1 from claimed) then 'claimed'
        when (select sent_at from existing) is not null then 'sent'
        when (select failed_at from existing) is not null then 'failed'
        else 'busy'
      end as outcome,
      (select locale from users where email = ${claim.recipient}) as locale`);
  const row = result.rows[0];
  if (!row) throw new Error('claim returned no row');
  return { outcome: row.outcome, locale: row.locale };
}

// Recorded after the transport reported success and before the ack: a redelivery now finds 'sent'.
export async function markDeliverySent(db: Database, taskId: string): Promise<void> {
  await db.execute(sql`
    update email_deliveries set sent_at = now(), lease_until = null, last_error = null
    where task_id = ${taskId}`);
}

// A temporary failure: give the lease back so the retry can claim at once, and remember why.
export async function releaseDelivery(db: Database, taskId: string, reason: string): Promise<void> {
  await db.execute(sql`
    update email_deliveries set lease_until = null, last_error = ${reason}
    where task_id = ${taskId} and sent_at is null`);
}

export type FinalFailure = { transport: string; attempts: number; lastError: string | null };

// A permanent failure, or the dead-letter queue giving up: no later delivery of this task will send.
// Returns undefined when the task was already sent, or never claimed.
export async function markDeliveryFailed(
  db: Database,
  taskId: string,
  reason: string | null,
): Promise<FinalFailure | undefined> {
  const result = await db.execute<{ transport: string; attempts: number; last_error: string | null }>(sql`
    update email_deliveries
    set failed_at = coalesce(failed_at, now()), lease_until = null, last_error = coalesce(${reason}, last_error)
    where task_id = ${taskId} and sent_at is null
    returning transport, attempts, last_error`);
  const row = result.rows[0];
  return row
    ? { transport: row.transport, attempts: Number(row.attempts), lastError: row.last_error }
    : undefined;
}
