// Administrator statements. Each one decides whether the caller is an administrator (operator-granted role,
// or a verified ADMIN_EMAILS address) in the same statement that reads or changes the target account, so
// a revoked admin cannot act in the gap between a check and the change, and every request is one round trip.
import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { secondsUntil } from './lockout';
import { isAdministrator } from './users';

export type AdminCaller = { callerId: string; adminEmails: readonly string[] };

/** CTEs `caller` (is_admin) and `target` (the user `userId`, only for an admin caller). */
function callerAndTarget(caller: AdminCaller, userId: string | null) {
  return sql`
    caller as (
      select exists (select 1 from users where id = ${caller.callerId}
        and ${isAdministrator('users', caller.adminEmails)}) as is_admin
    ),
    target as (
      select id, email, full_name, locale from users
      where id = ${userId}::uuid and (select is_admin from caller)
      for no key update
    )`;
}

export type AdminOutcome<T> = { callerIsAdmin: boolean; result: T | undefined };

async function runAdminStatement<Row, T>(
  db: Database,
  statement: SQL,
  toResult: (row: Row & { caller_is_admin: boolean; found: boolean }) => T,
): Promise<AdminOutcome<T>> {
  const result = await db.execute<Row & { caller_is_admin: boolean; found: boolean }>(statement);
  const row = result.rows[0];
  return { callerIsAdmin: row?.caller_is_admin === true, result: row?.found ? toResult(row) : undefined };
}

export type AdminUserSummary = {
  id: string;
  email: string;
  fullName: string;
  role: 'user' | 'admin';
  emailVerified: boolean;
  tfaEnabled: boolean;
  createdAt: string;
};

const summaryJSON = (u: string) =>
  sql.raw(`json_build_object('id', ${u}.id, 'email', ${u}.email, 'fullName', ${u}.full_name, 'role', ${u}.role,
    'emailVerified', ${u}.email_verified_at is not null, 'tfaEnabled', ${u}.tfa_enabled,
    'createdAt', ${u}.created_at)`);

// Search is a case-insensitive substring of the email or the name (LIKE metacharacters escaped).
export async function listUsersAsAdmin(
  db: Database,
  caller: AdminCaller,
  query: { search?: string | undefined; limit: number; offset: number },
): Promise<AdminOutcome<{ users: AdminUserSummary[]; total: number }>> {
  const pattern = query.search ? `%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  return runAdminStatement<
    { users: AdminUserSummary[]; total: string | number },
    { users: AdminUserSummary[]; total: number }
  >(
    db,
    sql`
      with ${callerAndTarget(caller, null)},
      matching as (
        select * from users
        where (select is_admin from caller)
          and (${pattern}::text is null or email ilike ${pattern} or full_name ilike ${pattern})
      )
      select (select is_admin from caller) as caller_is_admin, (select is_admin from caller) as found,
        (select count(*) from matching) as total,
        coalesce((select json_agg(${summaryJSON('p')} order by p.created_at, p.id)
          from (select * from matching order by created_at, id limit ${query.limit} offset ${query.offset}) p),
          '[]'::json) as users`,
    (row) => ({ users: row.users, total: Number(row.total) }),
  );
}

export type AdminUserDetail = AdminUserSummary & {
  deviceType: 'email' | 'code_generator' | null;
  backupTokensRemaining: number;
  failedAuthCount: number;
  lockedForSeconds: number;
  liveSessions: number;
  lastLoginAt: string | null;
};

export async function findUserAsAdmin(
  db: Database,
  caller: AdminCaller,
  userId: string,
): Promise<AdminOutcome<AdminUserDetail>> {
  return runAdminStatement<{ detail: AdminUserDetail }, AdminUserDetail>(
    db,
    sql`
      with caller as (
        select exists (select 1 from users where id = ${caller.callerId}
          and ${isAdministrator('users', caller.adminEmails)}) as is_admin
      )
      select (select is_admin from caller) as caller_is_admin, u.id is not null as found,
        json_build_object('id', u.id, 'email', u.email, 'fullName', u.full_name, 'role', u.role,
          'emailVerified', u.email_verified_at is not null, 'tfaEnabled', u.tfa_enabled,
          'createdAt', u.created_at, 'deviceType', d.device_type,
          'backupTokensRemaining', (select count(*) from backup_tokens b where b.user_id = u.id and b.used_at is null),
          'failedAuthCount', u.failed_auth_count,
          'lockedForSeconds', ${secondsUntil(sql`u.locked_until`)},
          'liveSessions', (select count(*) from sessions s where s.user_id = u.id
            and s.revoked_at is null and s.expires_at > now()),
          'lastLoginAt', (select max(s.created_at) from sessions s where s.user_id = u.id)) as detail
      from caller
        left join users u on u.id = ${userId}::uuid and caller.is_admin
        left join tfa_devices d on d.user_id = u.id`,
    (row) => row.detail,
  );
}

export type AdminTarget = { userId: string; email: string; fullName: string; locale: string | null };

type TargetRow = { user_id: string; email: string; full_name: string; locale: string | null };

const toTarget = (row: TargetRow): AdminTarget => ({
  userId: row.user_id,
  email: row.email,
  fullName: row.full_name,
  locale: row.locale,
});

const targetColumns = sql`(select is_admin from caller) as caller_is_admin, exists (select 1 from target) as found,
  (select id from target) as user_id, (select email from target) as email,
  (select full_name from target) as full_name, (select locale from target) as locale`;

// Clears the failure counter and any lock (the owner asked an operator for help).
export async function unlockUserAsAdmin(db: Database, caller: AdminCaller, userId: string) {
  return runAdminStatement<TargetRow, AdminTarget>(
    db,
    sql`
      with ${callerAndTarget(caller, userId)},
      unlocked as (
        update users set failed_auth_count = 0, locked_until = null, updated_at = now()
        where id in (select id from target) returning id
      )
      select ${targetColumns}, (select count(*) from unlocked) as unlocked`,
    toTarget,
  );
}

// Removes the device and every backup token, turns TFA off, ends the pending challenge and revokes every
// session: one statement, so no half-reset account is ever visible.
export async function resetTFAAsAdmin(db: Database, caller: AdminCaller, userId: string) {
  return runAdminStatement<
    TargetRow & { revoked_sessions: string | number },
    AdminTarget & { revokedSessions: number }
  >(
    db,
    sql`
      with ${callerAndTarget(caller, userId)},
      devices as (delete from tfa_devices where user_id in (select id from target) returning id),
      tokens as (delete from backup_tokens where user_id in (select id from target) returning id),
      account as (
        update users set tfa_enabled = false, open_challenge_id = null, open_challenge_failures = 0,
          updated_at = now()
        where id in (select id from target) returning id
      ),
      revoked as (
        update sessions set revoked_at = now(), revoked_reason = 'admin_tfa_reset'
        where user_id in (select id from target) and revoked_at is null returning id
      )
      select ${targetColumns}, (select count(*) from revoked) as revoked_sessions,
        (select count(*) from devices) + (select count(*) from tokens) + (select count(*) from account) as changed`,
    (row) => ({ ...toTarget(row), revokedSessions: Number(row.revoked_sessions) }),
  );
}

export async function revokeSessionsAsAdmin(db: Database, caller: AdminCaller, userId: string) {
  return runAdminStatement<
    TargetRow & { revoked_sessions: string | number },
    AdminTarget & { revokedSessions: number }
  >(
    db,
    sql`
      with ${callerAndTarget(caller, userId)},
      revoked as (
        update sessions set revoked_at = now(), revoked_reason = 'admin_revoked'
        where user_id in (select id from target) and revoked_at is null returning id
      )
      select ${targetColumns}, (select count(*) from revoked) as revoked_sessions`,
    (row) => ({ ...toTarget(row), revokedSessions: Number(row.revoked_sessions) }),
  );
}

// Everything of the user goes with the row (every table references users on delete cascade).
export async function deleteUserAsAdmin(db: Database, caller: AdminCaller, userId: string) {
  return runAdminStatement<TargetRow, AdminTarget>(
    db,
    sql`
      with ${callerAndTarget(caller, userId)},
      deleted as (delete from users where id in (select id from target) returning id)
      select ${targetColumns}, (select count(*) from deleted) as deleted`,
    toTarget,
  );
}
