// Operator help for users: every action is decided by one statement that also checks the caller is an
// administrator, and is logged with the administrator's id and reason (who and why).
import type { Deps, Principal } from '../../app-env';
import {
  type AdminCaller,
  type AdminOutcome,
  type AdminUserDetail,
  type AdminUserSummary,
  deleteUserAsAdmin,
  findUserAsAdmin,
  listUsersAsAdmin,
  resetTFAAsAdmin,
  revokeSessionsAsAdmin,
  unlockUserAsAdmin,
} from '../../db/queries/admin';
import { problems } from '../../http/problem';
import { notifySecurityEvent } from '../account/notifications';

export type AdminAction = 'unlock' | 'reset_tfa' | 'revoke_sessions' | 'delete_user';

function callerOf(deps: Deps, principal: Principal): AdminCaller {
  return { callerId: principal.userId, adminEmails: [...deps.config.adminEmails] };
}

function resultOf<T>(outcome: AdminOutcome<T>): T {
  if (!outcome.callerIsAdmin) throw problems.adminOnly();
  if (!outcome.result) throw problems.notFound();
  return outcome.result;
}

export async function listUsers(
  deps: Deps,
  principal: Principal,
  query: { search?: string | undefined; limit: number; offset: number },
): Promise<{ users: AdminUserSummary[]; total: number }> {
  return resultOf(await listUsersAsAdmin(deps.db, callerOf(deps, principal), query));
}

export async function getUser(deps: Deps, principal: Principal, userId: string): Promise<AdminUserDetail> {
  return resultOf(await findUserAsAdmin(deps.db, callerOf(deps, principal), userId));
}

export async function actOnUser(
  deps: Deps,
  principal: Principal,
  action: AdminAction,
  input: { userId: string; reason: string },
): Promise<{ revokedSessions?: number }> {
  const caller = callerOf(deps, principal);
  const statements = {
    unlock: unlockUserAsAdmin,
    reset_tfa: resetTFAAsAdmin,
    revoke_sessions: revokeSessionsAsAdmin,
    delete_user: deleteUserAsAdmin,
  } as const;
  const target = resultOf(await statements[action](deps.db, caller, input.userId));
  const revokedSessions = 'revokedSessions' in target ? Number(target.revokedSessions) : undefined;
  // The reason is the administrator's own words about the case; it is kept in the log, not in any email.
  deps.log({
    event: 'admin_action',
    action,
    admin_id: principal.userId,
    user_id: target.userId,
    reason: input.reason,
    revoked_sessions: revokedSessions,
  });
  if (action === 'reset_tfa')
    await notifySecurityEvent(deps, target, {
      kind: 'tfa_reset_by_admin',
      revoked_sessions: revokedSessions ?? 0,
    });
  return { revokedSessions };
}
