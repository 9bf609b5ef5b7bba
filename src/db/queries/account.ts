// Account statements: password reset and change, TFA settings. Each function is one statement or one
// db.batch (one HTTP round trip, one transaction). Single-use state (reset tokens, TOTP steps, backup
// tokens) only changes through conditional DELETE/UPDATE … RETURNING inside the statement that performs the
// change, so a token or code can never both fail the check and be used, nor be used twice.
import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { DEFAULT_TOKEN_HASH_KEY_ID, type KeyedHash } from '../../crypto/hmac';
import type { Database } from '../client';
import { backupTokens } from '../schema';
import { matchesKeyedHash } from './keyed-hash';
import {
  accountGate,
  type GateOutcomeRow,
  gateOutcomeColumns,
  lockedForSecondsOf,
  settleAccount,
  toGateOutcome,
} from './lockout';
import { revokeOtherSessions } from './sessions';
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
  tokenHash: KeyedHash;
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
        insert into password_resets (user_id, token_hash, hash_key_id, expires_at)
        select id, ${request.tokenHash.hash}, ${request.tokenHash.kid}, now() + make_interval(secs => ${request.ttlSeconds})
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
// the failure counters and any lock at once (the owner proved the mailbox), end the pending pre-TFA
// challenge (its password step was made with the old password), mark the address verified (the emailed
// token proved the mailbox), retire the account's other reset tokens
// and revoke every session. 50 concurrent uses of one token: exactly one row matches.
export async function consumePasswordReset(
  db: Database,
  input: { tokenHashes: KeyedHash[]; newPasswordHash: string },
): Promise<PasswordReset | undefined> {
  const result = await db.execute<RecipientRow & { revoked_sessions: string | number }>(sql`
    with consumed as (
      update password_resets set used_at = now()
      where ${matchesKeyedHash('hash_key_id', 'token_hash', input.tokenHashes)}
        and used_at is null and expires_at > now()
      returning id, user_id
    ),
    account as (
      update users set password_hash = ${input.newPasswordHash}, failed_auth_count = 0, locked_until = null,
        open_challenge_id = null, email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
      where id in (select user_id from consumed)
      returning id, email, full_name
    ),
    other_resets as (
      update password_resets set used_at = now()
      where user_id in (select id from account) and used_at is null and id not in (select id from consumed)
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

export type SessionsRevoked = Recipient & { revokedSessions: number };

export type PasswordChange =
  | { outcome: 'changed'; account: SessionsRevoked }
  | { outcome: 'locked'; lockedForSeconds: number }
  | { outcome: 'stale' };

// Change password, the statement that accepts the current password: under the locked users row it checks
// the lock is not in force and the hash is still the one the caller verified (a concurrent change makes
// this one fail instead of silently overwriting it), then sets the new hash, ends the pending pre-TFA
// challenge, revokes every session but the caller's and retires any pending reset token (it was sent for
// the old password).
export async function changePasswordHash(
  db: Database,
  input: {
    userId: string;
    expectedPasswordHash: string;
    newPasswordHash: string;
    keepSessionId: string | null;
  },
): Promise<PasswordChange> {
  const result = await db.execute<
    GateOutcomeRow & Partial<RecipientRow> & { revoked_sessions: string | number }
  >(sql`
    with ${accountGate(input.userId, sql`gate.password_hash = ${input.expectedPasswordHash}`)},
    ${settleAccount({
      succeeded: sql`true`,
      failed: sql`false`,
      onSuccess: [
        { column: 'password_hash', value: sql`${input.newPasswordHash}` },
        { column: 'open_challenge_id', value: sql`null` },
      ],
    })},
    retired_resets as (
      update password_resets set used_at = now()
      where user_id in (select id from settled) and used_at is null
      returning id
    ),
    revoked as (${revokeOtherSessions('settled', input.keepSessionId, 'password_changed')})
    select ${gateOutcomeColumns}, (select email from gate) as email, (select full_name from gate) as full_name,
      (select id from settled) as user_id, (select count(*) from revoked) as revoked_sessions,
      (select count(*) from retired_resets) as retired_resets`);
  const row = result.rows[0];
  const gate = toGateOutcome(row);
  if (row?.user_id && row.email && row.full_name)
    return {
      outcome: 'changed',
      account: {
        userId: row.user_id,
        email: row.email,
        fullName: row.full_name,
        revokedSessions: Number(row.revoked_sessions),
      },
    };
  if (gate.lockedForSeconds > 0) return { outcome: 'locked', lockedForSeconds: gate.lockedForSeconds };
  return { outcome: 'stale' };
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
  | { kind: 'backup_token'; tokenHashes: KeyedHash[] };

const laterStep = (proof: { deviceId: string; step: number }) => sql`
  id = ${proof.deviceId} and user_id in (select id from admitted)
  and (last_accepted_step is null or last_accepted_step < ${proof.step})`;

const unusedBackupToken = (tokenHashes: KeyedHash[]) => sql`
  user_id in (select id from admitted) and used_at is null
  and ${matchesKeyedHash('hash_key_id', 'token_hash', tokenHashes)}`;

export type FactorChange<T> =
  | { outcome: 'changed'; account: T }
  | { outcome: 'refused'; lockStarted: boolean; lockedForSeconds: number; recipient: Recipient | null }
  | { outcome: 'locked'; lockedForSeconds: number };

type FactorChangeRow = GateOutcomeRow & {
  user_id: string | null;
  email: string | null;
  full_name: string | null;
  proved: boolean;
  revoked_sessions: string | number;
};

function toFactorChange<T>(
  row: FactorChangeRow | undefined,
  build: (recipient: Recipient) => T,
): FactorChange<T> {
  const gate = toGateOutcome(row);
  const recipient = row?.user_id && row.email && row.full_name ? toRecipient(row as RecipientRow) : null;
  if (!gate.admitted) {
    if (gate.lockedForSeconds > 0) return { outcome: 'locked', lockedForSeconds: gate.lockedForSeconds };
    return { outcome: 'refused', lockStarted: false, lockedForSeconds: 0, recipient };
  }
  if (row?.proved && recipient) return { outcome: 'changed', account: build(recipient) };
  return {
    outcome: 'refused',
    lockStarted: gate.lockStarted,
    lockedForSeconds: gate.lockedForSeconds,
    recipient,
  };
}

// Columns every factor change selects: the gate's verdict, who the account is, whether the proof held.
const factorChangeColumns = sql`${gateOutcomeColumns},
  (select id from gate) as user_id, (select email from gate) as email, (select full_name from gate) as full_name,
  exists (select 1 from proved) as proved, (select count(*) from revoked) as revoked_sessions`;

// Disable TFA, the statement that accepts the re-authentication: under the locked users row (no lock in
// force), the proof is consumed by the very DELETE that removes the device (TOTP) or the token (backup),
// then the device, the backup tokens and the flag go, the pending challenge ends and every other session
// is revoked. A proof that lost (replayed step, spent token, a concurrent request won) counts one failure.
export async function disableTFA(
  db: Database,
  input: { userId: string; proof: SecondFactorProof; keepSessionId: string | null },
): Promise<FactorChange<SessionsRevoked>> {
  const { userId, proof } = input;
  const removal: SQL =
    proof.kind === 'totp'
      ? sql`
        proved as (delete from tfa_devices where ${laterStep(proof)} returning user_id),
        tokens_gone as (delete from backup_tokens where user_id in (select user_id from proved) returning id)`
      : sql`
        proved as (delete from backup_tokens where ${unusedBackupToken(proof.tokenHashes)} returning user_id, id),
        tokens_gone as (
          delete from backup_tokens
          where user_id in (select user_id from proved) and id not in (select id from proved)
          returning id
        ),
        device_gone as (delete from tfa_devices where user_id in (select user_id from proved) returning id)`;
  const result = await db.execute<FactorChangeRow>(sql`
    with ${accountGate(userId)},
    ${removal},
    ${settleAccount({
      succeeded: sql`exists (select 1 from proved)`,
      failed: sql`true`,
      onSuccess: [
        { column: 'tfa_enabled', value: sql`false` },
        { column: 'open_challenge_id', value: sql`null` },
      ],
    })},
    revoked as (${revokeOtherSessions('(select user_id as id from proved) as p', input.keepSessionId, 'tfa_disabled')})
    select ${factorChangeColumns}`);
  const row = result.rows[0];
  return toFactorChange(row, (recipient) => ({
    ...recipient,
    revokedSessions: Number(row?.revoked_sessions ?? 0),
  }));
}

export type StoredBackupToken = {
  id: string;
  tokenHash: string;
  hashKeyId: string;
  usedAt: string | null;
  createdAt: string;
};

export type BackupTokenSwap = SessionsRevoked & {
  freshTokenIds: string[];
  previousTokens: StoredBackupToken[];
};

// Regenerate backup tokens: under the locked users row (no lock in force), consume the proof, delete every
// old token, insert the new hashes and revoke every other session, in one statement. The old tokens, including a backup token spent as the proof, are returned as they were, so
// the caller can put them back if the email with the new ones cannot be queued.
export async function swapBackupTokens(
  db: Database,
  input: {
    userId: string;
    proof: SecondFactorProof;
    newTokenHashes: KeyedHash[];
    keepSessionId: string | null;
  },
): Promise<FactorChange<BackupTokenSwap>> {
  const { userId, proof } = input;
  const proved: SQL =
    proof.kind === 'totp'
      ? sql`proved as (
          update tfa_devices set last_accepted_step = ${proof.step} where ${laterStep(proof)}
          returning user_id, null::uuid as id, null::text as token_hash, null::text as hash_key_id,
            null::timestamptz as used_at,
            null::timestamptz as created_at)`
      : sql`proved as (
          delete from backup_tokens where ${unusedBackupToken(proof.tokenHashes)}
          returning user_id, id, token_hash, hash_key_id, used_at, created_at)`;
  const hashes = sql`array[${sql.join(
    input.newTokenHashes.map(({ hash }) => sql`${hash}`),
    sql`, `,
  )}]::text[]`;
  const result = await db.execute<
    FactorChangeRow & {
      fresh_ids: string[];
      previous: {
        id: string;
        token_hash: string;
        hash_key_id: string;
        used_at: string | null;
        created_at: string;
      }[];
    }
  >(sql`
    with ${accountGate(userId)},
    ${proved},
    ${settleAccount({ succeeded: sql`exists (select 1 from proved)`, failed: sql`true` })},
    previous as (
      delete from backup_tokens
      where user_id in (select user_id from proved)
        and not exists (select 1 from proved p where p.id = backup_tokens.id)
      returning id, token_hash, hash_key_id, used_at, created_at
    ),
    fresh as (
      insert into backup_tokens (user_id, token_hash, hash_key_id)
      select proved.user_id, hash, ${input.newTokenHashes[0]?.kid ?? DEFAULT_TOKEN_HASH_KEY_ID}::text
      from proved, unnest(${hashes}) as hash
      returning id
    ),
    revoked as (${revokeOtherSessions('(select user_id as id from proved) as p', input.keepSessionId, 'backup_tokens_regenerated')})
    select ${factorChangeColumns},
      (select coalesce(json_agg(id), '[]'::json) from fresh) as fresh_ids,
      (select coalesce(json_agg(json_build_object('id', id, 'token_hash', token_hash,
        'hash_key_id', hash_key_id, 'used_at', used_at,
        'created_at', created_at)), '[]'::json)
        from (select id, token_hash, hash_key_id, used_at, created_at from previous
          union all select id, token_hash, hash_key_id, used_at, created_at from proved where id is not null)
          as old_tokens
      ) as previous`);
  const row = result.rows[0];
  return toFactorChange(row, (recipient) => ({
    ...recipient,
    revokedSessions: Number(row?.revoked_sessions ?? 0),
    freshTokenIds: row?.fresh_ids ?? [],
    previousTokens: (row?.previous ?? []).map((token) => ({
      id: token.id,
      tokenHash: token.token_hash,
      hashKeyId: token.hash_key_id,
      usedAt: token.used_at,
      createdAt: token.created_at,
    })),
  }));
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
        hashKeyId: token.hashKeyId,
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
