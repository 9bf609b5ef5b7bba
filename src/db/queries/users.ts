// User statements. Each function is one statement or one batch: one HTTP round trip.
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { tfaDevices, users } from '../schema';
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
  device: { id: string; deviceType: DeviceType } | null;
};

const userViewColumns = {
  id: users.id,
  email: users.email,
  fullName: users.fullName,
  tfaEnabled: users.tfaEnabled,
  deviceId: tfaDevices.id,
  deviceType: tfaDevices.deviceType,
};

type UserViewRow = {
  id: string;
  email: string;
  fullName: string;
  tfaEnabled: boolean;
  deviceId: string | null;
  deviceType: DeviceType | null;
};

export function toUserView(row: UserViewRow): UserView {
  return {
    id: row.id,
    email: row.email,
    fullName: row.fullName,
    tfaEnabled: row.tfaEnabled,
    device: row.deviceId && row.deviceType ? { id: row.deviceId, deviceType: row.deviceType } : null,
  };
}

export async function insertUser(
  db: Database,
  user: { id: string; email: string; fullName: string; passwordHash: string; locale: string | null },
): Promise<UserView> {
  const [row] = await db
    .insert(users)
    .values({ ...user, tfaEnabled: false })
    .returning({ id: users.id, email: users.email, fullName: users.fullName, tfaEnabled: users.tfaEnabled });
  if (!row) throw new Error('insert returned no row');
  return { ...row, device: null };
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
    device_type: DeviceType | null;
    locked_for_seconds: string | number;
  }>(sql`
    select u.id, u.email, u.full_name, u.password_hash, u.tfa_enabled, d.device_type,
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
      deviceType: row.device_type,
      lockedForSeconds,
    },
    lockedForSeconds,
  };
}

// One statement answers both questions: is the caller an admin (by the allowlist), and the page of users.
export async function listUsersForAdmin(
  db: Database,
  callerId: string,
  adminEmails: readonly string[],
  page: { limit: number; offset: number },
): Promise<{ callerIsAdmin: boolean; users: UserView[] }> {
  const admins = sql`array[${sql.join(
    (adminEmails.length > 0 ? adminEmails : ['']).map((e) => sql`${e}`),
    sql`, `,
  )}]::text[]`;
  const result = await db.execute<{ caller_is_admin: boolean; users: UserViewJSON[] }>(sql`
    with caller as (select exists (select 1 from users where id = ${callerId} and email = any(${admins})) as is_admin)
    select caller.is_admin as caller_is_admin,
      coalesce((
        select json_agg(json_build_object(
          'id', u.id, 'email', u.email, 'fullName', u.full_name, 'tfaEnabled', u.tfa_enabled,
          'deviceId', d.id, 'deviceType', d.device_type) order by u.created_at, u.id)
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
