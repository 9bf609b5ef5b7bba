import type { Deps } from '../../app-env';
import { listUsersForAdmin, type UserView } from '../../db/queries/users';
import { problems } from '../../http/problem';

// Administrators are the emails in ADMIN_EMAILS (the original listed users to anyone). The check and the
// page come from one statement.
export async function listUsers(
  deps: Deps,
  callerId: string,
  page: { limit: number; offset: number },
): Promise<UserView[]> {
  const result = await listUsersForAdmin(deps.db, callerId, [...deps.config.adminEmails], page);
  if (!result.callerIsAdmin) throw problems.adminOnly();
  return result.users;
}
