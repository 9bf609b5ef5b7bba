// User statements. Each function is one statement or one batch: one HTTP round trip.
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { tfaDevices, users } from '../schema';
import { lockedForSecondsOf, recordFailureSet } from './lockout';

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

export async function findLoginCandidate(db: Database, email: string): Promise<LoginCandidate | undefined> {
  const [row] = await db
    .select({
      id: users.id,
      email: users.email,
      fullName: users.fullName,
      passwordHash: users.passwordHash,
      tfaEnabled: users.tfaEnabled,
      deviceType: tfaDevices.deviceType,
      lockedForSeconds: sql<number>`${lockedForSecondsOf('users')}`.mapWith(Number),
    })
    .from(users)
    .leftJoin(tfaDevices, eq(tfaDevices.userId, users.id))
    .where(eq(users.email, email));
  return row;
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

// A wrong password: one more consecutive failure, and the lock it earns.
export async function recordLoginFailure(db: Database, userId: string): Promise<void> {
  await db.execute(sql`update users set ${recordFailureSet} where id = ${userId}`);
}

export async function deleteUser(db: Database, userId: string): Promise<void> {
  await db.delete(users).where(eq(users.id, userId));
}
