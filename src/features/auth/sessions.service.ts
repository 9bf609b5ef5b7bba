// Ending sessions: the refresh tokens of a revoked family are refused at once; access tokens already
// issued expire on their own (≤ ACCESS_TOKEN_TTL_SECONDS).
import type { Deps, Principal } from '../../app-env';
import { revokeAllSessions, revokeSession } from '../../db/queries/sessions';

export async function logOut(deps: Deps, principal: Principal): Promise<void> {
  if (!principal.sessionId) return;
  await revokeSession(deps.db, principal.userId, principal.sessionId, 'logout');
  deps.log({ event: 'logout', user_id: principal.userId, session_id: principal.sessionId });
}

export async function logOutEverywhere(deps: Deps, principal: Principal): Promise<number> {
  const revoked = await revokeAllSessions(deps.db, principal.userId, 'logout_all');
  deps.log({ event: 'sessions_revoked', user_id: principal.userId, count: revoked, reason: 'logout_all' });
  return revoked;
}
