// Email-verification statements. Issuing counts the account's recent requests under its locked row (the
// resend quota holds under concurrency); consuming is one conditional UPDATE, so a token works once.
import { sql } from 'drizzle-orm';
import type { KeyedHash } from '../../crypto/hmac';
import type { Database } from '../client';
import { matchesKeyedHash } from './keyed-hash';

export type VerificationIssue =
  | {
      outcome: 'issued';
      verificationId: string;
      recipient: { userId: string; email: string; fullName: string };
    }
  | { outcome: 'not_sent'; reason: 'unknown_account' | 'already_verified' | 'over_quota' };

/** The verification row to insert in the same batch as a new user: the signup's one round trip. */
export function insertVerificationFor(
  db: Database,
  verification: { userId: string; email: string; tokenHash: KeyedHash; ttlSeconds: number },
) {
  return db.execute(sql`
    insert into email_verifications (user_id, email, token_hash, hash_key_id, expires_at)
    values (${verification.userId}, ${verification.email}, ${verification.tokenHash.hash},
      ${verification.tokenHash.kid},
      now() + make_interval(secs => ${verification.ttlSeconds}))`);
}

// Resend. The first statement locks the account row so concurrent resends are counted one after another
// (READ COMMITTED: the second statement sees what the previous holder committed). Unknown and already
// verified addresses run the same two statements and insert nothing.
export async function issueVerification(
  db: Database,
  request: {
    email: string;
    tokenHash: KeyedHash;
    ttlSeconds: number;
    maxPerWindow: number;
    windowSeconds: number;
  },
): Promise<VerificationIssue> {
  const [, result] = await db.batch([
    db.execute(sql`select id from users where email = ${request.email} for no key update`),
    db.execute<{
      user_id: string;
      email: string;
      full_name: string;
      verified: boolean;
      verification_id: string | null;
    }>(sql`
      with account as (
        select id, email, full_name, email_verified_at is not null as verified,
          (select count(*) from email_verifications v
            where v.user_id = users.id
              and v.created_at > now() - make_interval(secs => ${request.windowSeconds})) as recent
        from users where email = ${request.email}
      ),
      inserted as (
        insert into email_verifications (user_id, email, token_hash, hash_key_id, expires_at)
        select id, email, ${request.tokenHash.hash}, ${request.tokenHash.kid}, now() + make_interval(secs => ${request.ttlSeconds})
        from account where not verified and recent < ${request.maxPerWindow}
        returning id, user_id
      )
      select account.id as user_id, account.email, account.full_name, account.verified,
        inserted.id as verification_id
      from account left join inserted on inserted.user_id = account.id`),
  ]);
  const row = result.rows[0];
  if (!row) return { outcome: 'not_sent', reason: 'unknown_account' };
  if (row.verified) return { outcome: 'not_sent', reason: 'already_verified' };
  if (!row.verification_id) return { outcome: 'not_sent', reason: 'over_quota' };
  return {
    outcome: 'issued',
    verificationId: row.verification_id,
    recipient: { userId: row.user_id, email: row.email, fullName: row.full_name },
  };
}

// Compensation when the email could not be queued: no live token nobody received, no quota spent.
export async function deleteVerification(db: Database, verificationId: string): Promise<void> {
  await db.execute(sql`delete from email_verifications where id = ${verificationId}`);
}

// Consumes a token (unused, unexpired, for the account's current address) and marks the address verified,
// in one statement: of N concurrent uses of one token exactly one UPDATE matches. The account's other
// pending tokens for that address are retired with it.
export async function consumeVerification(
  db: Database,
  tokenHashes: KeyedHash[],
): Promise<{ userId: string; email: string } | undefined> {
  const result = await db.execute<{ user_id: string; email: string }>(sql`
    with consumed as (
      update email_verifications v set used_at = now()
      from users u
      where ${matchesKeyedHash('v.hash_key_id', 'v.token_hash', tokenHashes)} and v.used_at is null and v.expires_at > now()
        and u.id = v.user_id and u.email = v.email
      returning v.id, v.user_id, v.email
    ),
    verified as (
      update users set email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
      where id in (select user_id from consumed)
      returning id, email
    ),
    retired as (
      update email_verifications set used_at = now()
      where user_id in (select id from verified) and used_at is null
        and id not in (select id from consumed)
      returning id
    )
    select id as user_id, email, (select count(*) from retired) as retired from verified`);
  const row = result.rows[0];
  return row ? { userId: row.user_id, email: row.email } : undefined;
}
