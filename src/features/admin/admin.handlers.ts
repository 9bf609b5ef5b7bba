import type { Context } from 'hono';
import type { AppEnv, AppRouteHandler } from '../../app-env';
import type { AdminUserDetail, AdminUserSummary } from '../../db/queries/admin';
import type {
  deleteUserRoute,
  getUserRoute,
  listUsersRoute,
  resetTFARoute,
  revokeSessionsRoute,
  unlockUserRoute,
} from './admin.routes';
import { type AdminAction, actOnUser, getUser, listUsers } from './admin.service';

function toSummaryDTO(user: AdminUserSummary) {
  return {
    id: user.id,
    email: user.email,
    full_name: user.fullName,
    role: user.role,
    email_verified: user.emailVerified,
    tfa_enabled: user.tfaEnabled,
    created_at: user.createdAt,
  };
}

function toDetailDTO(user: AdminUserDetail) {
  return {
    ...toSummaryDTO(user),
    device_type: user.deviceType,
    backup_tokens_remaining: Number(user.backupTokensRemaining),
    failed_auth_count: Number(user.failedAuthCount),
    locked_for_seconds: Number(user.lockedForSeconds),
    live_sessions: Number(user.liveSessions),
    last_login_at: user.lastLoginAt,
  };
}

export const listUsersHandler: AppRouteHandler<typeof listUsersRoute> = async (c) => {
  const query = c.req.valid('query');
  const page = await listUsers(c.get('deps'), c.get('principal'), query);
  return c.json(
    { users: page.users.map(toSummaryDTO), total: page.total, limit: query.limit, offset: query.offset },
    200,
  );
};

export const getUserHandler: AppRouteHandler<typeof getUserRoute> = async (c) => {
  const user = await getUser(c.get('deps'), c.get('principal'), c.req.valid('param').id);
  return c.json(toDetailDTO(user), 200);
};

const DONE: Record<AdminAction, string> = {
  unlock: 'The account is unlocked.',
  reset_tfa: 'Two-factor authentication was reset; the user was signed out everywhere and emailed.',
  revoke_sessions: 'Every session of the user was revoked.',
  delete_user: 'The user was deleted.',
};

function actionHandler(action: AdminAction) {
  return async (c: Context<AppEnv>) => {
    const { id } = (c.req as unknown as { valid(t: 'param'): { id: string } }).valid('param');
    const { reason } = (c.req as unknown as { valid(t: 'json'): { reason: string } }).valid('json');
    const result = await actOnUser(c.get('deps'), c.get('principal'), action, { userId: id, reason });
    return c.json({ detail: DONE[action], revoked_sessions: result.revokedSessions }, 200);
  };
}

export const unlockUserHandler = actionHandler('unlock') as AppRouteHandler<typeof unlockUserRoute>;
export const resetTFAHandler = actionHandler('reset_tfa') as AppRouteHandler<typeof resetTFARoute>;
export const revokeSessionsHandler = actionHandler('revoke_sessions') as AppRouteHandler<
  typeof revokeSessionsRoute
>;
export const deleteUserHandler = actionHandler('delete_user') as AppRouteHandler<typeof deleteUserRoute>;
