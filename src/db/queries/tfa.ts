// Second-factor statements. Single-use state (TOTP steps, email codes, backup tokens, challenges) only
// changes through conditional UPDATE … WHERE … RETURNING, so concurrent requests cannot both win.
import { and, eq, sql } from 'drizzle-orm';
import type { KeyedHash } from '../../crypto/hmac';
import type { Database } from '../client';
import { backupTokens, tfaChallenges, tfaDevices, users } from '../schema';
import { insertVerificationFor } from './email-verification';
import { matchesKeyedHash } from './keyed-hash';
import {
  accountGate,
  type GateOutcome,
  type GateOutcomeRow,
  gateOutcomeColumns,
  lockedForSecondsOf,
  settleAccount,
  toGateOutcome,
} from './lockout';
import type { NewSession } from './sessions';
import { revokeOtherSessions, toTextArray } from './sessions';
import type { DeviceType, NewAccount, NewVerification } from './users';

export type EnrollmentRows = {
  device: { id: string; deviceType: DeviceType; secretEnvelope: string | null };
  backupTokenHashes: KeyedHash[];
};

// Signup with TFA: user, device and backup tokens in one transaction (one db.batch, one round trip).
export async function insertUserWithEnrollment(
  db: Database,
  user: NewAccount,
  enrollment: EnrollmentRows,
  verification: NewVerification,
): Promise<void> {
  await db.batch([
    db.insert(users).values({ ...user, tfaEnabled: true }),
    insertVerificationFor(db, { userId: user.id, email: user.email, ...verification }),
    db.insert(tfaDevices).values({ ...enrollment.device, userId: user.id }),
    db.insert(backupTokens).values(
      enrollment.backupTokenHashes.map(({ kid, hash }) => ({
        userId: user.id,
        tokenHash: hash,
        hashKeyId: kid,
      })),
    ),
  ]);
}

// Enabling TFA later: the device insert fails on the one-device-per-user index if TFA is already on,
// which rolls the whole batch back. Every session but the caller's is revoked in the same transaction.
// Returns the account's email and name for the QR label and email.
export async function enableTFA(
  db: Database,
  userId: string,
  enrollment: EnrollmentRows,
  keepSessionId: string | null,
): Promise<{ email: string; fullName: string; revokedSessions: number } | undefined> {
  const [, , updated, revoked] = await db.batch([
    db.insert(tfaDevices).values({ ...enrollment.device, userId }),
    db
      .insert(backupTokens)
      .values(
        enrollment.backupTokenHashes.map(({ kid, hash }) => ({ userId, tokenHash: hash, hashKeyId: kid })),
      ),
    db
      .update(users)
      .set({ tfaEnabled: true, updatedAt: sql`now()` })
      .where(eq(users.id, userId))
      .returning({ email: users.email, fullName: users.fullName }),
    db.execute(sql`
      with account as (select ${userId}::uuid as id)
      ${revokeOtherSessions('account', keepSessionId, 'tfa_enabled')}`),
  ]);
  const account = updated[0];
  return account ? { ...account, revokedSessions: revoked.rows.length } : undefined;
}

// Compensation when the activation email could not be queued: the user must never hold TFA without
// having received backup tokens.
export async function undoEnableTFA(db: Database, userId: string, deviceId: string): Promise<void> {
  await db.batch([
    db.delete(backupTokens).where(eq(backupTokens.userId, userId)),
    db.delete(tfaDevices).where(and(eq(tfaDevices.id, deviceId), eq(tfaDevices.userId, userId))),
    db.update(users).set({ tfaEnabled: false }).where(eq(users.id, userId)),
  ]);
}

export async function findCodeGeneratorSecret(
  db: Database,
  userId: string,
): Promise<
  | { email: string; deviceId: string | null; deviceType: DeviceType | null; secretEnvelope: string | null }
  | undefined
> {
  const [row] = await db
    .select({
      email: users.email,
      deviceId: tfaDevices.id,
      deviceType: tfaDevices.deviceType,
      secretEnvelope: tfaDevices.secretEnvelope,
    })
    .from(users)
    .leftJoin(tfaDevices, eq(tfaDevices.userId, users.id))
    .where(eq(users.id, userId));
  return row;
}

// Opens a pre-TFA challenge after a right password, if no lock is in force at commit time. The challenge
// becomes the user's one open challenge (users.open_challenge_id): any earlier one ends here, so a burst
// of logins cannot multiply the per-challenge attempts. A password hash made with weaker parameters is
// replaced (rehash-on-login) in the same statement. The failure count is not reset: the second factor is
// still to come.
export async function openChallenge(
  db: Database,
  challenge: { id: string; userId: string; emailCodeHash: KeyedHash | null; ttlSeconds: number },
  rehashedPassword: string | null,
): Promise<GateOutcome & { opened: boolean }> {
  const result = await db.execute<GateOutcomeRow & { opened: boolean }>(sql`
    with ${accountGate(challenge.userId)},
    settled as (
      update users set open_challenge_id = ${challenge.id}, open_challenge_failures = 0,
        password_hash = coalesce(${rehashedPassword}::text, users.password_hash), updated_at = now()
      where id in (select id from admitted)
      returning id, failed_auth_count, locked_until
    ),
    opened as (
      insert into tfa_challenges (id, user_id, email_code_hash, email_code_key_id, expires_at)
      select ${challenge.id}, settled.id, ${challenge.emailCodeHash?.hash ?? null}, ${challenge.emailCodeHash?.kid ?? null},
        now() + make_interval(secs => ${challenge.ttlSeconds})
      from settled
      returning id
    )
    select ${gateOutcomeColumns}, exists (select 1 from opened) as opened`);
  const row = result.rows[0];
  return { ...toGateOutcome(row), opened: row?.opened === true };
}

export type ChallengeContext = {
  challengeId: string;
  userId: string;
  email: string;
  fullName: string;
  usable: boolean;
  emailCodeHash: string | null;
  emailCodeKeyId: string | null;
  deviceId: string | null;
  deviceType: DeviceType | null;
  secretEnvelope: string | null;
  lastAcceptedStep: number | null;
  lockedForSeconds: number;
};

// The challenge is the user's open one, unexpired, and has attempts left. On `u` (users) and `c`
// (tfa_challenges); the judging statement re-checks it on the locked users row.
const challengeOpen = (challengeId: string, maxAttempts: number, u: string) => sql`
  ${sql.raw(u)}.open_challenge_id = ${challengeId}::uuid
  and ${sql.raw(u)}.open_challenge_failures < ${maxAttempts}
  and exists (select 1 from tfa_challenges c where c.id = ${challengeId}::uuid
    and c.user_id = ${sql.raw(u)}.id and c.expires_at > now())`;

// Everything the second-factor check needs, in one read. `usable` folds expiry, the one-open-challenge
// rule and the per-challenge attempt limit. It only spares work: the judging statement decides again.
export async function findChallengeContext(
  db: Database,
  challenge: { challengeId: string; userId: string },
  maxAttempts: number,
): Promise<ChallengeContext | undefined> {
  const [row] = await db
    .select({
      challengeId: tfaChallenges.id,
      userId: users.id,
      email: users.email,
      fullName: users.fullName,
      usable: sql<boolean>`(${challengeOpen(challenge.challengeId, maxAttempts, 'users')})`,
      emailCodeHash: tfaChallenges.emailCodeHash,
      emailCodeKeyId: tfaChallenges.emailCodeKeyId,
      deviceId: tfaDevices.id,
      deviceType: tfaDevices.deviceType,
      secretEnvelope: tfaDevices.secretEnvelope,
      lastAcceptedStep: tfaDevices.lastAcceptedStep,
      lockedForSeconds: sql<number>`${lockedForSecondsOf('users')}`.mapWith(Number),
    })
    .from(tfaChallenges)
    .innerJoin(users, eq(users.id, tfaChallenges.userId))
    .leftJoin(tfaDevices, eq(tfaDevices.userId, users.id))
    .where(and(eq(tfaChallenges.id, challenge.challengeId), eq(tfaChallenges.userId, challenge.userId)));
  return row;
}

function insertSessionFrom(source: string, session: NewSession) {
  return sql`insert into sessions (id, user_id, current_token_id, amr, auth_time, expires_at)
    select ${session.sessionId}, id, ${session.tokenId}, ${toTextArray(session.amr)}, now(),
      now() + make_interval(secs => ${session.familyMaxAgeSeconds})
    from ${sql.raw(source)}`;
}

// What the Worker concluded about a presented code. A right TOTP code names its step (accepted only if
// later than the device's last accepted one, RFC 6238 §5.2) and, when its secret was sealed under an old
// ENCRYPTION_KEYS key, the envelope re-sealed under the current one.
export type CodeVerdict =
  | {
      kind: 'totp_ok';
      deviceId: string;
      step: number;
      reencrypted: { from: string; to: string } | null;
    }
  | { kind: 'email_code_ok' }
  | { kind: 'wrong'; replayed: boolean };

export type ChallengeSettlement = GateOutcome & {
  completed: boolean;
  // Whether the address is verified once this statement committed (for the access token's claim).
  emailVerified: boolean;
  sendReplayNotice: boolean;
};

/** At most one "replayed code refused" notice per account per this many seconds. */
export const REPLAY_NOTICE_INTERVAL_SECONDS = 15 * 60;

/**
 * Judges a code on a pre-TFA challenge in one statement, whatever the Worker concluded: under the locked
 * users row it checks the account lock, that this is the open challenge, unexpired and with attempts left;
 * a right code (for TOTP: a step later than the last accepted one) then closes the challenge, resets the
 * counters and starts the session; anything else counts one failure on the challenge and the account,
 * setting the lock atomically. A refused replay also decides here whether the owner gets a notice.
 */
export async function settleChallenge(
  db: Database,
  input: {
    challengeId: string;
    userId: string;
    maxAttempts: number;
    session: NewSession;
    verdict: CodeVerdict;
  },
): Promise<ChallengeSettlement> {
  const { verdict, challengeId } = input;
  const stepAccepted =
    verdict.kind === 'totp_ok'
      ? sql`step_accepted as (
          update tfa_devices set last_accepted_step = ${verdict.step},
            secret_envelope = case when secret_envelope = ${verdict.reencrypted?.from ?? null}::text
              then ${verdict.reencrypted?.to ?? null}::text else secret_envelope end
          where id = ${verdict.deviceId} and user_id in (select id from admitted)
            and (last_accepted_step is null or last_accepted_step < ${verdict.step})
          returning user_id
        ),`
      : sql``;
  const proof =
    verdict.kind === 'totp_ok'
      ? sql`select user_id as id from step_accepted`
      : verdict.kind === 'email_code_ok'
        ? sql`select id from admitted`
        : sql`select id from admitted where false`;
  const replayed = verdict.kind === 'wrong' && verdict.replayed;
  const noticeDue = (alias: string) =>
    sql.raw(`(${alias}.replay_notice_at is null
      or ${alias}.replay_notice_at <= now() - make_interval(secs => ${REPLAY_NOTICE_INTERVAL_SECONDS}))`);
  const result = await db.execute<
    GateOutcomeRow & { completed: boolean; send_replay_notice: boolean; email_verified: boolean }
  >(sql`
    with ${accountGate(input.userId, challengeOpen(challengeId, input.maxAttempts, 'gate'))},
    ${stepAccepted}
    proved as (${proof}),
    ${settleAccount({
      succeeded: sql`exists (select 1 from proved)`,
      failed: sql`true`,
      onSuccess: [
        { column: 'open_challenge_id', value: sql`null` },
        // A right emailed code proves the mailbox as well as a verification token does.
        ...(verdict.kind === 'email_code_ok'
          ? [{ column: 'email_verified_at', value: sql`coalesce(users.email_verified_at, now())` }]
          : []),
      ],
      onFailure: [
        { column: 'open_challenge_failures', value: sql`users.open_challenge_failures + 1` },
        {
          column: 'replay_notice_at',
          value: replayed
            ? sql`case when ${noticeDue('users')} then now() else users.replay_notice_at end`
            : sql`users.replay_notice_at`,
        },
      ],
    })},
    closed as (
      update tfa_challenges set consumed_at = now()
      where id = ${challengeId} and exists (select 1 from proved)
      returning id
    ),
    started as (${insertSessionFrom('proved', input.session)} returning id)
    select ${gateOutcomeColumns}, exists (select 1 from started) as completed,
      coalesce((select email_verified_at is not null from gate), false) as email_verified,
      ${replayed ? sql`exists (select 1 from admitted where ${noticeDue('admitted')})` : sql`false`}
        as send_replay_notice`);
  const row = result.rows[0];
  return {
    ...toGateOutcome(row),
    completed: row?.completed === true,
    emailVerified: row?.email_verified === true || verdict.kind === 'email_code_ok',
    sendReplayNotice: row?.send_replay_notice === true,
  };
}

export type BackupRedemption =
  | { outcome: 'redeemed'; remaining: number; email: string; fullName: string; emailVerified: boolean }
  | {
      outcome: 'no_match' | 'exhausted';
      email: string;
      fullName: string;
      lockStarted: boolean;
      lockedForSeconds: number;
    }
  | { outcome: 'challenge_unusable' }
  | { outcome: 'locked'; lockedForSeconds: number };

// Spends one backup token on a pre-TFA challenge, in one statement with the same gate as a code: of N
// concurrent uses of one token exactly one UPDATE matches, and no token is spent once the lock is in
// force. The lookup is by keyed hash (HMAC under a Worker secret), so the comparison reveals nothing usable.
export async function redeemBackupToken(
  db: Database,
  input: {
    challengeId: string;
    userId: string;
    tokenHashes: KeyedHash[];
    maxAttempts: number;
    session: NewSession;
  },
): Promise<BackupRedemption> {
  const result = await db.execute<
    GateOutcomeRow & {
      redeemed: boolean;
      remaining: string | number;
      email: string | null;
      full_name: string | null;
      email_verified: boolean;
    }
  >(sql`
    with ${accountGate(input.userId, challengeOpen(input.challengeId, input.maxAttempts, 'gate'))},
    proved as (
      update backup_tokens set used_at = now()
      where user_id in (select id from admitted) and used_at is null
        and ${matchesKeyedHash('hash_key_id', 'token_hash', input.tokenHashes)}
      returning user_id as id
    ),
    ${settleAccount({
      succeeded: sql`exists (select 1 from proved)`,
      failed: sql`true`,
      onSuccess: [{ column: 'open_challenge_id', value: sql`null` }],
      onFailure: [{ column: 'open_challenge_failures', value: sql`users.open_challenge_failures + 1` }],
    })},
    closed as (
      update tfa_challenges set consumed_at = now()
      where id = ${input.challengeId} and exists (select 1 from proved)
      returning id
    ),
    started as (${insertSessionFrom('proved', input.session)} returning id)
    select ${gateOutcomeColumns}, exists (select 1 from started) as redeemed,
      (select count(*) from backup_tokens where user_id = ${input.userId} and used_at is null) as remaining,
      (select email from gate) as email, (select full_name from gate) as full_name,
      coalesce((select email_verified_at is not null from gate), false) as email_verified`);
  const row = result.rows[0];
  const gate = toGateOutcome(row);
  if (!gate.admitted) {
    if (gate.lockedForSeconds > 0) return { outcome: 'locked', lockedForSeconds: gate.lockedForSeconds };
    return { outcome: 'challenge_unusable' };
  }
  const email = row?.email ?? '';
  const fullName = row?.full_name ?? '';
  // `remaining` reads the snapshot before this statement: the spent token is still counted in it.
  const remainingBefore = Number(row?.remaining ?? 0);
  if (row?.redeemed)
    return {
      outcome: 'redeemed',
      remaining: remainingBefore - 1,
      email,
      fullName,
      emailVerified: row.email_verified === true,
    };
  return {
    outcome: remainingBefore === 0 ? 'exhausted' : 'no_match',
    email,
    fullName,
    lockStarted: gate.lockStarted,
    lockedForSeconds: gate.lockedForSeconds,
  };
}
