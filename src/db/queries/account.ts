// Account statements: password reset and change, TFA settings. Each function is one statement or one
// db.batch (one HTTP round trip, one transaction). Single-use state (reset tokens, TOTP steps, backup
// tokens) only changes through conditional DELETE/UPDATE … RETURNING inside the statement that performs the
// change, so a token or code can never both fail the check and be used, nor be used twice.
import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { backupTokens } from '../schema';
import { lockedForSecondsOf, recordFailureSet } from './lockout';
import type { DeviceType } from './users';

export type Recipient = { userId: string; email: string; fullName: string };

type RecipientRow = { user_id: string; email: string; full_name: string };

const toRecipient = (row: RecipientRow): Recipient => ({
  userId: row.user_id,
  email: row.email,
  fullName: row.full_name,
});

export type PasswordResetRequest = {
  email: string;
  tokenHash: string;
  ttlSeconds: number;
  // At most `maxPerWindow` reset emails per account per `windowSeconds`.
  maxPerWindow: number;
  windowSeconds: number;
};

export type PasswordResetIssue =
  | { outcome: 'issued'; resetId: string; recipient: Recipient }
  | { outcome: 'over_quota'; userId: string }
  | { outcome: 'unknown_account' };

// Forgot password. The first statement locks the account row, so concurrent requests for one account are
// counted one after another (READ COMMITTED: the second statement sees what the previous holder committed)
// and the quota holds exactly. For an unknown email both statements run and match nothing.
export async function insertPasswordReset(
  db: Database,
  request: PasswordResetRequest,
): Promise<PasswordResetIssue> {
  const [, result] = await db.batch([
    db.execute(sql`select id from users where email = ${request.email} for no key update`),
    db.execute<RecipientRow & { reset_id: string | null }>(sql`
      with account as (
        select id, email, full_name,
          (select count(*) from password_resets r
            where r.user_id = users.id
              and r.created_at > now() - make_interval(secs => ${request.windowSeconds})) as recent
        from users where email = ${request.email}
      ),
      inserted as (
        insert into password_resets (user_id, token_hash, expires_at)
        select id, ${request.tokenHash}, now() + make_interval(secs => ${request.ttlSeconds})
        from account where recent < ${request.maxPerWindow}
        returning id, user_id
      )
      select account.id as user_id, account.email, account.full_name, inserted.id as reset_id
      from account left join inserted on inserted.user_id = account.id`),
  ]);
  const row = result.rows[0];
  if (!row) return { outcome: 'unknown_account' };
  if (!row.reset_id) return { outcome: 'over_quota', userId: row.user_id };
  return { outcome: 'issued', resetId: row.reset_id, recipient: toRecipient(row) };
}

// Compensation when the reset email could not be queued: no live token nobody received, no quota spent.
export async function deletePasswordReset(db: Database, resetId: string): Promise<void> {
  await db.execute(sql`delete from password_resets where id = ${resetId}`);
}

export type PasswordReset = Recipient & { revokedSessions: number };

// Reset password: consume the token (unused, unexpired) and, only if that matched, set the new hash, clear
// the failure counters (the one way out of a hard lock, NIST SP 800-63B §5.2.2), retire the account's
// other reset tokens and revoke every session. 50 concurrent uses of one token: exactly one row matches.
export async function consumePasswordReset(
  db: Database,
  input: { tokenHash: string; newPasswordHash: string },
): Promise<PasswordReset | undefined> {
  const result = await db.execute<RecipientRow & { revoked_sessions: string | number }>(sql`
    with consumed as (
      update password_resets set used_at = now()
      where token_hash = ${input.tokenHash} and used_at is null and expires_at > now()
      returning user_id
    ),
    account as (
      update users set password_hash = ${input.newPasswordHash}, failed_auth_count = 0, locked_until = null,
        updated_at = now()
      where id in (select user_id from consumed)
      returning id, email, full_name
    ),
    other_resets as (
      update password_resets set used_at = now()
      where user_id in (select id from account) and used_at is null and token_hash <> ${input.tokenHash}
      returning id
    ),
    revoked as (
      update sessions set revoked_at = now(), revoked_reason = 'password_reset'
      where user_id in (select id from account) and revoked_at is null
      returning id
    )
    select id as user_id, email, full_name, (select count(*) from revoked) as revoked_sessions,
      (select count(*) from other_resets) as retired_resets
    from account`);
  const row = result.rows[0];
  return row ? { ...toRecipient(row), revokedSessions: Number(row.revoked_sessions) } : undefined;
}

export type PasswordState = Recipient & { passwordHash: string; lockedForSeconds: number };

export async function findPasswordState(db: Database, userId: string): Promise<PasswordState | undefined> {
  const result = await db.execute<RecipientRow & { password_hash: string; locked_for_seconds: number }>(sql`
    select id as user_id, email, full_name, password_hash, ${lockedForSecondsOf('users')} as locked_for_seconds
    from users where id = ${userId}`);
  const row = result.rows[0];
  return row
    ? {
        ...toRecipient(row),
        passwordHash: row.password_hash,
        lockedForSeconds: Number(row.locked_for_seconds),
      }
    : undefined;
}

// Change password: compare-and-swap on the hash the caller verified (a concurrent change makes this one
// fail instead of silently overwriting it), then revoke every session but the caller's and retire any
// pending reset token (it was sent for the old password).
export async function changePasswordHash(
  db: Database,
  input: {
    userId: string;
    expectedPasswordHash: string;
    newPasswordHash: string;
    keepSessionId: string | null;
  },
): Promise<PasswordReset | undefined> {
  const result = await db.execute<RecipientRow & { revoked_sessions: string | number }>(sql`
    with account as (
      update users set password_hash = ${input.newPasswordHash}, failed_auth_count = 0, locked_until = null,
        updated_at = now()
      where id = ${input.userId} and password_hash = ${input.expectedPasswordHash}
      returning id, email, full_name
    ),
    retired_resets as (
      update password_resets set used_at = now()
      where user_id in (select id from account) and used_at is null
      returning id
    ),
    revoked as (
      update sessions set revoked_at = now(), revoked_reason = 'password_changed'
      where user_id in (select id from account) and revoked_at is null
        and id is distinct from ${input.keepSessionId}::uuid
      returning id
    )
    select id as user_id, email, full_name, (select count(*) from revoked) as revoked_sessions,
      (select count(*) from retired_resets) as retired_resets
    from account`);
  const row = result.rows[0];
  return row ? { ...toRecipient(row), revokedSessions: Number(row.revoked_sessions) } : undefined;
}

export type ReauthenticationContext = Recipient & {
  passwordHash: string;
  tfaEnabled: boolean;
  lockedForSeconds: number;
  deviceId: string | null;
  deviceType: DeviceType | null;
  secretEnvelope: string | null;
  lastAcceptedStep: number | null;
  backupTokensRemaining: number;
};

// Everything a password + second-factor re-check needs, in one read.
export async function findReauthenticationContext(
  db: Database,
  userId: string,
): Promise<ReauthenticationContext | undefined> {
  const result = await db.execute<
    RecipientRow & {
      password_hash: string;
      tfa_enabled: boolean;
      locked_for_seconds: number;
      device_id: string | null;
      device_type: DeviceType | null;
      secret_envelope: string | null;
      last_accepted_step: string | number | null;
      backup_tokens_remaining: string | number;
    }
  >(sql`
    select users.id as user_id, users.email, users.full_name, users.password_hash, users.tfa_enabled,
      ${lockedForSecondsOf('users')} as locked_for_seconds,
      d.id as device_id, d.device_type, d.secret_envelope, d.last_accepted_step,
      (select count(*) from backup_tokens b where b.user_id = users.id and b.used_at is null)
        as backup_tokens_remaining
    from users left join tfa_devices d on d.user_id = users.id
    where users.id = ${userId}`);
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    ...toRecipient(row),
    passwordHash: row.password_hash,
    tfaEnabled: row.tfa_enabled,
    lockedForSeconds: Number(row.locked_for_seconds),
    deviceId: row.device_id,
    deviceType: row.device_type,
    secretEnvelope: row.secret_envelope,
    lastAcceptedStep: row.last_accepted_step === null ? null : Number(row.last_accepted_step),
    backupTokensRemaining: Number(row.backup_tokens_remaining),
  };
}

// What the caller proved besides the password: a TOTP step (accepted only if later than the device's last
// accepted one, RFC 6238 §5.2) or an unused backup token (spent by the same statement).
export type SecondFactorProof =
  | { kind: 'totp'; deviceId: string; step: number }
  | { kind: 'backup_token'; tokenHash: string };

const laterStep = (proof: { deviceId: string; step: number }, userId: string) => sql`
  id = ${proof.deviceId} and user_id = ${userId}
  and (last_accepted_step is null or last_accepted_step < ${proof.step})`;

const unusedBackupToken = (tokenHash: string, userId: string) => sql`
  user_id = ${userId} and token_hash = ${tokenHash} and used_at is null`;

// Success resets the account's failure counter (plus any `extraSet` change of the users row: one UPDATE
// per row and statement); a proof that lost (replayed step, unknown or spent token, a concurrent request
// won) records one more failure instead, in the same statement.
const settleAccount = (userId: string, extraSet: SQL = sql``) => sql`
  account as (
    update users set failed_auth_count = 0, locked_until = null, updated_at = now() ${extraSet}
    where id in (select user_id from proved)
    returning id, email, full_name
  ),
  failed as (
    update users set ${recordFailureSet}
    where id = ${userId} and not exists (select 1 from proved)
    returning id
  )`;

// Disable TFA: the proof is consumed by the very DELETE that removes the device (TOTP) or the token
// (backup), then the device, the backup tokens and the flag go, all in one statement.
export async function disableTFA(
  db: Database,
  input: { userId: string; proof: SecondFactorProof },
): Promise<Recipient | undefined> {
  const { userId, proof } = input;
  const removal: SQL =
    proof.kind === 'totp'
      ? sql`
        proved as (delete from tfa_devices where ${laterStep(proof, userId)} returning user_id),
        tokens_gone as (delete from backup_tokens where user_id in (select user_id from proved) returning id)`
      : sql`
        proved as (delete from backup_tokens where ${unusedBackupToken(proof.tokenHash, userId)} returning user_id),
        tokens_gone as (
          delete from backup_tokens
          where user_id in (select user_id from proved) and token_hash <> ${proof.tokenHash}
          returning id
        ),
        device_gone as (delete from tfa_devices where user_id in (select user_id from proved) returning id)`;
  const result = await db.execute<RecipientRow>(sql`
    with ${removal},
    ${settleAccount(userId, sql`, tfa_enabled = false`)}
    select account.id as user_id, account.email, account.full_name from account`);
  const row = result.rows[0];
  return row ? toRecipient(row) : undefined;
}

export type StoredBackupToken = { id: string; tokenHash: string; usedAt: string | null; createdAt: string };

export type BackupTokenSwap = Recipient & { freshTokenIds: string[]; previousTokens: StoredBackupToken[] };

// Regenerate backup tokens: consume the proof, delete every old token and insert the new hashes, in one
// statement. The old tokens, including a backup token spent as the proof, are returned as they were, so
// the caller can put them back if the email with the new ones cannot be queued.
export async function swapBackupTokens(
  db: Database,
  input: { userId: string; proof: SecondFactorProof; newTokenHashes: string[] },
): Promise<BackupTokenSwap | undefined> {
  const { userId, proof } = input;
  const spentHash = proof.kind === 'backup_token' ? proof.tokenHash : null;
  const proved: SQL =
    proof.kind === 'totp'
      ? sql`proved as (
          update tfa_devices set last_accepted_step = ${proof.step} where ${laterStep(proof, userId)}
          returning user_id, null::uuid as id, null::text as token_hash, null::timestamptz as used_at,
            null::timestamptz as created_at)`
      : sql`proved as (
          delete from backup_tokens where ${unusedBackupToken(proof.tokenHash, userId)}
          returning user_id, id, token_hash, used_at, created_at)`;
  const hashes = sql`array[${sql.join(
    input.newTokenHashes.map((hash) => sql`${hash}`),
    sql`, `,
  )}]::text[]`;
  const result = await db.execute<
    RecipientRow & {
      fresh_ids: string[];
      previous: { id: string; token_hash: string; used_at: string | null; created_at: string }[];
    }
  >(sql`
    with ${proved},
    ${settleAccount(userId)},
    previous as (
      delete from backup_tokens
      where user_id in (select user_id from proved) and token_hash is distinct from ${spentHash}::text
      returning id, token_hash, used_at, created_at
    ),
    fresh as (
      insert into backup_tokens (user_id, token_hash)
      select proved.user_id, hash from proved, unnest(${hashes}) as hash
      returning id
    )
    select account.id as user_id, account.email, account.full_name,
      (select coalesce(json_agg(id), '[]'::json) from fresh) as fresh_ids,
      (select coalesce(json_agg(json_build_object('id', id, 'token_hash', token_hash, 'used_at', used_at,
        'created_at', created_at)), '[]'::json)
        from (select id, token_hash, used_at, created_at from previous
          union all select id, token_hash, used_at, created_at from proved where id is not null) as old_tokens
      ) as previous
    from account`);
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    ...toRecipient(row),
    freshTokenIds: row.fresh_ids,
    previousTokens: row.previous.map((token) => ({
      id: token.id,
      tokenHash: token.token_hash,
      usedAt: token.used_at,
      createdAt: token.created_at,
    })),
  };
}

// Compensation when the email with the new tokens could not be queued: the new tokens (never seen by
// anyone) go and the old ones come back as they were, in one transaction.
export async function restoreBackupTokens(
  db: Database,
  userId: string,
  swap: Pick<BackupTokenSwap, 'freshTokenIds' | 'previousTokens'>,
): Promise<void> {
  const removeFresh = db
    .delete(backupTokens)
    .where(and(eq(backupTokens.userId, userId), inArray(backupTokens.id, swap.freshTokenIds)));
  if (swap.previousTokens.length === 0) {
    await removeFresh;
    return;
  }
  await db.batch([
    removeFresh,
    db.insert(backupTokens).values(
      swap.previousTokens.map((token) => ({
        id: token.id,
        userId,
        tokenHash: token.tokenHash,
        usedAt: token.usedAt,
        createdAt: token.createdAt,
      })),
    ),
  ]);
}

export type TFAStatus = { tfaEnabled: boolean; deviceType: DeviceType | null; backupTokensRemaining: number };

export async function findTFAStatus(db: Database, userId: string): Promise<TFAStatus | undefined> {
  const result = await db.execute<{
    tfa_enabled: boolean;
    device_type: DeviceType | null;
    backup_tokens_remaining: string | number;
  }>(sql`
    select users.tfa_enabled, d.device_type,
      (select count(*) from backup_tokens b where b.user_id = users.id and b.used_at is null)
        as backup_tokens_remaining
    from users left join tfa_devices d on d.user_id = users.id
    where users.id = ${userId}`);
  const row = result.rows[0];
  return row
    ? {
        tfaEnabled: row.tfa_enabled,
        deviceType: row.device_type,
        backupTokensRemaining: Number(row.backup_tokens_remaining),
      }
    : undefined;
}
