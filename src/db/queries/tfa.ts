// Second-factor statements. Single-use state (TOTP steps, email codes, backup tokens, challenges) only
// changes through conditional UPDATE … WHERE … RETURNING, so concurrent requests cannot both win.
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { backupTokens, tfaChallenges, tfaDevices, users } from '../schema';
import { lockedForSecondsOf, recordFailureSet } from './lockout';
import type { NewSession } from './sessions';
import { toTextArray } from './sessions';
import type { DeviceType } from './users';

export type EnrollmentRows = {
  device: { id: string; deviceType: DeviceType; secretEnvelope: string | null };
  backupTokenHashes: string[];
};

// Signup with TFA: user, device and backup tokens in one transaction (one db.batch, one round trip).
export async function insertUserWithEnrollment(
  db: Database,
  user: { id: string; email: string; fullName: string; passwordHash: string; locale: string | null },
  enrollment: EnrollmentRows,
): Promise<void> {
  await db.batch([
    db.insert(users).values({ ...user, tfaEnabled: true }),
    db.insert(tfaDevices).values({ ...enrollment.device, userId: user.id }),
    db
      .insert(backupTokens)
      .values(enrollment.backupTokenHashes.map((tokenHash) => ({ userId: user.id, tokenHash }))),
  ]);
}

// Enabling TFA later: the device insert fails on the one-device-per-user index if TFA is already on,
// which rolls the whole batch back. Returns the account's email and name for the QR label and email.
export async function enableTFA(
  db: Database,
  userId: string,
  enrollment: EnrollmentRows,
): Promise<{ email: string; fullName: string } | undefined> {
  const [, , updated] = await db.batch([
    db.insert(tfaDevices).values({ ...enrollment.device, userId }),
    db.insert(backupTokens).values(enrollment.backupTokenHashes.map((tokenHash) => ({ userId, tokenHash }))),
    db
      .update(users)
      .set({ tfaEnabled: true, updatedAt: sql`now()` })
      .where(eq(users.id, userId))
      .returning({ email: users.email, fullName: users.fullName }),
  ]);
  return updated[0];
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

// Opens a pre-TFA challenge after a right password; a password hash made with weaker parameters is
// replaced (rehash-on-login) in the same statement.
export async function insertChallenge(
  db: Database,
  challenge: { id: string; userId: string; emailCodeHash: string | null; ttlSeconds: number },
  rehashedPassword: string | null,
): Promise<void> {
  await db.execute(sql`
    with rehashed as (
      update users set password_hash = ${rehashedPassword}, updated_at = now()
      where id = ${challenge.userId} and ${rehashedPassword}::text is not null
    )
    insert into tfa_challenges (id, user_id, email_code_hash, expires_at)
    values (${challenge.id}, ${challenge.userId}, ${challenge.emailCodeHash},
      now() + make_interval(secs => ${challenge.ttlSeconds}))`);
}

export type ChallengeContext = {
  challengeId: string;
  userId: string;
  email: string;
  fullName: string;
  usable: boolean;
  emailCodeHash: string | null;
  deviceId: string | null;
  deviceType: DeviceType | null;
  secretEnvelope: string | null;
  lastAcceptedStep: number | null;
  lockedForSeconds: number;
};

// Everything the second-factor check needs, in one read. `usable` folds expiry, consumption and the
// per-challenge attempt limit so the service cannot forget one of them.
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
      usable: sql<boolean>`(${tfaChallenges.consumedAt} is null and ${tfaChallenges.expiresAt} > now()
        and ${tfaChallenges.failedAttempts} < ${maxAttempts})`,
      emailCodeHash: tfaChallenges.emailCodeHash,
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

const usableChallenge = (challengeId: string, userId: string, maxAttempts: number) => sql`
  id = ${challengeId} and user_id = ${userId} and consumed_at is null and expires_at > now()
  and failed_attempts < ${maxAttempts}`;

function insertSessionFrom(source: string, session: NewSession) {
  return sql`insert into sessions (id, user_id, current_token_id, amr, auth_time, expires_at)
    select ${session.sessionId}, user_id, ${session.tokenId}, ${toTextArray(session.amr)}, now(),
      now() + make_interval(secs => ${session.familyMaxAgeSeconds})
    from ${sql.raw(source)}`;
}

// A second factor verified by the caller: consume the challenge, reset the failure counter and start the
// session, all in one statement. For a TOTP code the step is accepted in the same statement, and only if it
// is later than the last accepted one (RFC 6238 §5.2); an email code was checked in constant time already.
export async function completeChallenge(
  db: Database,
  input: {
    challengeId: string;
    userId: string;
    maxAttempts: number;
    session: NewSession;
    totpStep?: { deviceId: string; step: number };
  },
): Promise<boolean> {
  const { totpStep } = input;
  const stepAccepted = totpStep
    ? sql`step_accepted as (
        update tfa_devices set last_accepted_step = ${totpStep.step}
        where id = ${totpStep.deviceId} and user_id = ${input.userId}
          and (last_accepted_step is null or last_accepted_step < ${totpStep.step})
        returning user_id
      ),`
    : sql``;
  const stepGuard = totpStep ? sql`and exists (select 1 from step_accepted)` : sql``;
  const result = await db.execute(sql`
    with ${stepAccepted}
    consumed as (
      update tfa_challenges set consumed_at = now()
      where ${usableChallenge(input.challengeId, input.userId, input.maxAttempts)} ${stepGuard}
      returning user_id
    ),
    account as (
      update users set failed_auth_count = 0, locked_until = null
      where id in (select user_id from consumed)
      returning id as user_id
    ),
    started as (${insertSessionFrom('account', input.session)} returning id)
    select id from started`);
  return result.rows.length === 1;
}

// A wrong second factor counts against the challenge (and the account, for the lockout).
export async function recordChallengeFailure(
  db: Database,
  challengeId: string,
  userId: string,
): Promise<void> {
  await db.execute(sql`
    with challenge as (
      update tfa_challenges set failed_attempts = failed_attempts + 1
      where id = ${challengeId} and user_id = ${userId}
      returning user_id
    )
    update users set ${recordFailureSet}
    where id in (select user_id from challenge)`);
}

export type BackupRedemption =
  | { outcome: 'redeemed'; remaining: number; email: string; fullName: string }
  | { outcome: 'no_match' | 'exhausted'; email: string }
  | { outcome: 'challenge_unusable' }
  | { outcome: 'locked'; lockedForSeconds: number };

// Spends one backup token atomically: of N concurrent uses of one token exactly one UPDATE matches.
// The lookup is by keyed hash (HMAC under a Worker secret), so the comparison reveals nothing usable.
export async function redeemBackupToken(
  db: Database,
  input: { challengeId: string; userId: string; tokenHash: string; maxAttempts: number; session: NewSession },
): Promise<BackupRedemption> {
  const result = await db.execute<{
    challenge_ok: boolean;
    redeemed: boolean;
    remaining: string | number;
    locked_for_seconds: string | number;
    email: string;
    full_name: string;
  }>(sql`
    with account_state as (
      select ${lockedForSecondsOf('users')} as locked_for_seconds from users where id = ${input.userId}
    ),
    challenge as (
      select user_id from tfa_challenges
      where ${usableChallenge(input.challengeId, input.userId, input.maxAttempts)}
        and (select locked_for_seconds from account_state) = 0
    ),
    spent as (
      update backup_tokens set used_at = now()
      where user_id in (select user_id from challenge) and token_hash = ${input.tokenHash} and used_at is null
      returning user_id
    ),
    consumed as (
      update tfa_challenges set consumed_at = now()
      where id = ${input.challengeId} and exists (select 1 from spent)
      returning user_id
    ),
    failed as (
      update tfa_challenges set failed_attempts = failed_attempts + 1
      where id = ${input.challengeId} and exists (select 1 from challenge) and not exists (select 1 from spent)
      returning user_id
    ),
    reset_account as (
      update users set failed_auth_count = 0, locked_until = null
      where id in (select user_id from spent)
      returning id
    ),
    failed_account as (
      update users set ${recordFailureSet}
      where id in (select user_id from failed)
      returning id
    ),
    started as (${insertSessionFrom('consumed', input.session)} returning id)
    select exists (select 1 from challenge) as challenge_ok,
      exists (select 1 from started) as redeemed,
      (select locked_for_seconds from account_state) as locked_for_seconds,
      (select count(*) from backup_tokens where user_id = ${input.userId} and used_at is null) as remaining,
      (select count(*) from reset_account) + (select count(*) from failed_account) as touched,
      (select email from users where id = ${input.userId}) as email,
      (select full_name from users where id = ${input.userId}) as full_name`);
  const row = result.rows[0];
  const lockedForSeconds = Number(row?.locked_for_seconds ?? 0);
  if (lockedForSeconds > 0) return { outcome: 'locked', lockedForSeconds };
  if (!row?.challenge_ok) return { outcome: 'challenge_unusable' };
  // `remaining` reads the snapshot before this statement: the spent token is still counted in it.
  const remainingBefore = Number(row.remaining);
  if (row.redeemed)
    return { outcome: 'redeemed', remaining: remainingBefore - 1, email: row.email, fullName: row.full_name };
  return { outcome: remainingBefore === 0 ? 'exhausted' : 'no_match', email: row.email };
}
