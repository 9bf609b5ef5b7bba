// User statements. Each function is one statement or one batch: one HTTP round trip.
import { eq, sql } from 'drizzle-orm';
import type { KeyedHash } from '../../crypto/hmac';
import type { Database } from '../client';
import { tfaDevices, users } from '../schema';
import { insertVerificationFor } from './email-verification';
import {
  accountGate,
  failureCountAfterFailure,
  type GateOutcome,
  type GateOutcomeRow,
  gateOutcomeColumns,
  LOCKOUT_THRESHOLD,
  lockAfterFailure,
  notLocked,
  secondsUntil,
  settleAccount,
  toGateOutcome,
} from './lockout';

export type DeviceType = 'email' | 'code_generator';

export type UserView = {
  id: string;
  email: string;
  fullName: string;
  tfaEnabled: boolean;
  emailVerified: boolean;
  device: { id: string; deviceType: DeviceType } | null;
};

const userViewColumns = {
  id: users.id,
  email: users.email,
  fullName: users.fullName,
  tfaEnabled: users.tfaEnabled,
  emailVerified: sql<boolean>`${users.emailVerifiedAt} is not null`,
  deviceId: tfaDevices.id,
  deviceType: tfaDevices.deviceType,
};

type UserViewRow = {
  id: string;
  email: string;
  fullName: string;
  tfaEnabled: boolean;
  emailVerified: boolean;
  deviceId: string | null;
  deviceType: DeviceType | null;
};

export function toUserView(row: UserViewRow): UserView {
  return {
    id: row.id,
    email: row.email,
    fullName: row.fullName,
    tfaEnabled: row.tfaEnabled,
    emailVerified: row.emailVerified,
    device: row.deviceId && row.deviceType ? { id: row.deviceId, deviceType: row.deviceType } : null,
  };
}

export type NewAccount = {
  id: string;
  email: string;
  fullName: string;
  passwordHash: string;
  locale: string | null;
};
export type NewVerification = { tokenHash: KeyedHash; ttlSeconds: number };

// Signup without TFA: the user and its first email-verification token in one transaction (one round trip).
export async function insertUser(
  db: Database,
  user: NewAccount,
  verification: NewVerification,
): Promise<UserView> {
  const [inserted] = await db.batch([
    db
      .insert(users)
      .values({ ...user, tfaEnabled: false })
      .returning({
        id: users.id,
        email: users.email,
        fullName: users.fullName,
        tfaEnabled: users.tfaEnabled,
      }),
    insertVerificationFor(db, { userId: user.id, email: user.email, ...verification }),
  ]);
  const row = inserted[0];
  if (!row) throw new Error('insert returned no row');
  return { ...row, emailVerified: false, device: null };
}

export async function findUserView(db: Database, userId: string): Promise<UserView | undefined> {
  const [row] = await db
    .select(userViewColumns)
    .from(users)
    .leftJoin(tfaDevices, eq(tfaDevices.userId, users.id))
    .where(eq(users.id, userId));
  return row ? toUserView(row) : undefined;
}

export type LoginCandidate = {
  id: string;
  email: string;
  fullName: string;
  passwordHash: string;
  tfaEnabled: boolean;
  emailVerified: boolean;
  deviceType: DeviceType | null;
  lockedForSeconds: number;
};

export type LoginLookup = { account: LoginCandidate | undefined; lockedForSeconds: number };

// The password login's one read. An unknown email reads its own lock (kept under a keyed hash of the
// email, see unknown_account_attempts) in the same statement, so both cases do the same database work.
export async function findLoginCandidate(
  db: Database,
  email: string,
  unknownAccountKey: string,
): Promise<LoginLookup> {
  const result = await db.execute<{
    id: string | null;
    email: string;
    full_name: string;
    password_hash: string;
    tfa_enabled: boolean;
    email_verified: boolean;
    device_type: DeviceType | null;
    locked_for_seconds: string | number;
  }>(sql`
    select u.id, u.email, u.full_name, u.password_hash, u.tfa_enabled,
      u.email_verified_at is not null as email_verified, d.device_type,
      ${secondsUntil(sql`case when u.id is null then a.locked_until else u.locked_until end`)} as locked_for_seconds
    from (select ${email}::text as email) as q
      left join users u on u.email = q.email
      left join tfa_devices d on d.user_id = u.id
      left join unknown_account_attempts a on u.id is null and a.email_key = ${unknownAccountKey}`);
  const row = result.rows[0];
  const lockedForSeconds = Number(row?.locked_for_seconds ?? 0);
  if (!row?.id) return { account: undefined, lockedForSeconds };
  return {
    account: {
      id: row.id,
      email: row.email,
      fullName: row.full_name,
      passwordHash: row.password_hash,
      tfaEnabled: row.tfa_enabled,
      emailVerified: row.email_verified === true,
      deviceType: row.device_type,
      lockedForSeconds,
    },
    lockedForSeconds,
  };
}

// Whether the users row `alias` is an administrator: the role granted by an operator, or an ADMIN_EMAILS
// address whose owner proved the mailbox (an unverified address grants nothing).
export function isAdministrator(alias: string, adminEmails: readonly string[]) {
  const admins = sql`array[${sql.join(
    (adminEmails.length > 0 ? adminEmails : ['']).map((e) => sql`${e}`),
    sql`, `,
  )}]::text[]`;
  const row = sql.raw(alias);
  return sql`(${row}.role = 'admin' or (${row}.email = any(${admins}) and ${row}.email_verified_at is not null))`;
}

// One statement answers both questions: is the caller an admin, and the page of users.
export async function listUsersForAdmin(
  db: Database,
  callerId: string,
  adminEmails: readonly string[],
  page: { limit: number; offset: number },
): Promise<{ callerIsAdmin: boolean; users: UserView[] }> {
  const result = await db.execute<{ caller_is_admin: boolean; users: UserViewJSON[] }>(sql`
    with caller as (
      select exists (select 1 from users where id = ${callerId} and ${isAdministrator('users', adminEmails)}) as is_admin
    )
    select caller.is_admin as caller_is_admin,
      coalesce((
        select json_agg(json_build_object(
          'id', u.id, 'email', u.email, 'fullName', u.full_name, 'tfaEnabled', u.tfa_enabled,
          'emailVerified', u.email_verified_at is not null, 'deviceId', d.id, 'deviceType', d.device_type) order by u.created_at, u.id)
        from (select * from users order by created_at, id limit ${page.limit} offset ${page.offset}) u
        left join tfa_devices d on d.user_id = u.id
        where caller.is_admin
      ), '[]'::json) as users
    from caller`);
  const row = result.rows[0];
  return { callerIsAdmin: row?.caller_is_admin === true, users: (row?.users ?? []).map(toUserView) };
}

type UserViewJSON = UserViewRow;

// A wrong password (or a wrong re-authentication): one more consecutive failure and the lock it earns, in
// one statement, counted only if no lock is in force when it commits. `admitted: false` means the attempt
// was not judged (answer 429, whatever the guess).
export async function recordAccountFailure(db: Database, userId: string): Promise<GateOutcome> {
  const result = await db.execute<GateOutcomeRow>(sql`
    with ${accountGate(userId)},
    ${settleAccount({ succeeded: sql`false`, failed: sql`true` })}
    select ${gateOutcomeColumns}`);
  return toGateOutcome(result.rows[0]);
}

// The same for an email with no account: an upsert on its keyed-hash row, with the same lock rules. The
// conflicting row is locked by ON CONFLICT and re-read as last committed, so the lock holds as for users.
export async function recordUnknownAccountFailure(db: Database, emailKey: string): Promise<GateOutcome> {
  const counts = notLocked('t');
  const result = await db.execute<{
    counted: boolean;
    locked_for_seconds: string | number;
    failed_auth_count: number;
  }>(sql`
    insert into unknown_account_attempts as t (email_key, failed_auth_count, locked_until, last_failure_counted)
    values (${emailKey}, 1, null, true)
    on conflict (email_key) do update set
      failed_auth_count = case when ${counts} then ${failureCountAfterFailure('t')} else t.failed_auth_count end,
      locked_until = case when ${counts} then ${lockAfterFailure('t')} else t.locked_until end,
      last_failure_counted = ${counts},
      updated_at = now()
    returning last_failure_counted as counted, ${secondsUntil(sql`locked_until`)} as locked_for_seconds,
      failed_auth_count`);
  const row = result.rows[0];
  const counted = row?.counted === true;
  return {
    accountFound: false,
    admitted: counted,
    lockedForSeconds: Number(row?.locked_for_seconds ?? 0),
    lockStarted: counted && Number(row?.failed_auth_count) === LOCKOUT_THRESHOLD,
  };
}

export async function deleteUser(db: Database, userId: string): Promise<void> {
  await db.delete(users).where(eq(users.id, userId));
}
