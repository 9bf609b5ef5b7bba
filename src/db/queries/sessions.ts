// Refresh-token families. A family is one row; rotation swaps its current token id in one conditional
// statement, so two concurrent uses of one refresh token cannot both succeed.
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { sessions } from '../schema';
import {
  accountGate,
  type GateOutcome,
  type GateOutcomeRow,
  gateOutcomeColumns,
  settleAccount,
  toGateOutcome,
} from './lockout';

export type NewSession = {
  sessionId: string;
  userId: string;
  tokenId: string;
  amr: string[];
  familyMaxAgeSeconds: number;
};

// Starts a family after a right password and clears the account's failure counter in the same statement,
// which also enforces the lock at commit time: a right password that arrives once the 5th failure has
// committed starts nothing (`admitted: false`, answer 429). Optionally stores a rehashed password
// (parameters raised since the hash was made).
export async function startSessionAfterLogin(
  db: Database,
  session: NewSession,
  rehashedPassword: string | null,
): Promise<GateOutcome & { started: boolean }> {
  const result = await db.execute<GateOutcomeRow & { started: boolean }>(sql`
    with ${accountGate(session.userId)},
    ${settleAccount({
      succeeded: sql`true`,
      failed: sql`false`,
      onSuccess: [
        { column: 'password_hash', value: sql`coalesce(${rehashedPassword}::text, users.password_hash)` },
      ],
    })},
    started as (
      insert into ${sessions} (id, user_id, current_token_id, amr, auth_time, expires_at)
      select ${session.sessionId}, settled.id, ${session.tokenId}, ${toTextArray(session.amr)}, now(),
        now() + make_interval(secs => ${session.familyMaxAgeSeconds})
      from settled
      returning id
    )
    select ${gateOutcomeColumns}, exists (select 1 from started) as started`);
  const row = result.rows[0];
  return { ...toGateOutcome(row), started: row?.started === true };
}

export function toTextArray(values: string[]) {
  return sql`array[${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )}]::text[]`;
}

export type RotationOutcome =
  | { kind: 'rotated'; userId: string; amr: string[]; authTimeSeconds: number; emailVerified: boolean }
  | { kind: 'reused'; userId: string; email: string; fullName: string }
  | { kind: 'invalid' };

// RFC 9700 §4.14.2 / ASVS 10.4.5: presenting a token that is no longer current revokes the whole family.
// Both branches are in one statement; under concurrency the loser re-reads the row and lands in "reuse".
export async function rotateRefreshToken(
  db: Database,
  rotation: { sessionId: string; presentedTokenId: string; nextTokenId: string },
): Promise<RotationOutcome> {
  const result = await db.execute<{
    outcome: string;
    user_id: string;
    amr: string[] | string;
    auth_time: string | number;
    email: string;
    full_name: string;
    email_verified: boolean | null;
  }>(sql`
    with rotated as (
      update ${sessions} set current_token_id = ${rotation.nextTokenId}, last_used_at = now()
      where id = ${rotation.sessionId} and current_token_id = ${rotation.presentedTokenId}
        and revoked_at is null and expires_at > now()
      returning user_id, amr, floor(extract(epoch from auth_time))::bigint as auth_time
    ),
    revoked as (
      update ${sessions} set revoked_at = now(), revoked_reason = 'refresh_token_reuse'
      where id = ${rotation.sessionId} and current_token_id <> ${rotation.presentedTokenId}
        and revoked_at is null
      returning user_id
    )
    select 'rotated' as outcome, user_id, amr, auth_time, null as email, null as full_name,
      (select email_verified_at is not null from users where users.id = rotated.user_id) as email_verified
    from rotated
    union all
    select 'reused', revoked.user_id, null, null, users.email, users.full_name, null
    from revoked join users on users.id = revoked.user_id`);
  const row = result.rows[0];
  if (!row) return { kind: 'invalid' };
  if (row.outcome === 'reused')
    return { kind: 'reused', userId: row.user_id, email: row.email, fullName: row.full_name };
  return {
    kind: 'rotated',
    userId: row.user_id,
    amr: parseTextArray(row.amr),
    authTimeSeconds: Number(row.auth_time),
    emailVerified: row.email_verified === true,
  };
}

// db.execute returns raw rows; the driver parses text[] already, but keep a fallback for the literal form.
function parseTextArray(value: string[] | string): string[] {
  if (Array.isArray(value)) return value;
  return value
    .replace(/^\{|\}$/g, '')
    .split(',')
    .filter(Boolean);
}

export async function revokeSession(
  db: Database,
  userId: string,
  sessionId: string,
  reason: string,
): Promise<void> {
  await db
    .update(sessions)
    .set({ revokedAt: sql`now()`, revokedReason: reason })
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}

// Logout everywhere (and password reset): every live family of the user dies at once.
export async function revokeAllSessions(db: Database, userId: string, reason: string): Promise<number> {
  const revoked = await db
    .update(sessions)
    .set({ revokedAt: sql`now()`, revokedReason: reason })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return revoked.length;
}

/** Revokes every live session of the user in CTE `source` (column id) except `keepSessionId`. */
export function revokeOtherSessions(source: string, keepSessionId: string | null, reason: string) {
  return sql`
    update sessions set revoked_at = now(), revoked_reason = ${reason}
    where user_id in (select id from ${sql.raw(source)}) and revoked_at is null
      and id is distinct from ${keepSessionId}::uuid
    returning id`;
}
