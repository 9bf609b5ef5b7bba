// Password rules after signup: forgot → emailed single-use token → reset; and change while logged in.
import type { Deps, Principal } from '../../app-env';
import { normalizeEmail } from '../../config';
import { hashPassword, verifyPassword } from '../../crypto/password';
import { isUUID } from '../../db/ids';
import {
  changePasswordHash,
  consumePasswordReset,
  deletePasswordReset,
  findPasswordState,
  insertPasswordReset,
} from '../../db/queries/account';
import { recordAccountFailure } from '../../db/queries/users';
import { enqueueEmail } from '../../email/email.producer';
import { problems } from '../../http/problem';
import { notifyAccountLocked, notifySecurityEvent } from './notifications';
import {
  generateResetToken,
  hashResetToken,
  isResetTokenShaped,
  MAX_PASSWORD_RESETS_PER_WINDOW,
  PASSWORD_RESET_TTL_SECONDS,
  PASSWORD_RESET_WINDOW_SECONDS,
  resetTokenLookupHashes,
} from './reset-token';

export const FORGOT_PASSWORD_ANSWER = 'If an account exists for this email, a reset link has been sent.';

/**
 * Issues and emails a reset token when the account exists and is under its quota. Never tells the caller
 * which: every path makes a token, computes its HMAC and runs the same one batch, and the caller answers
 * the same 202 whatever happened (ASVS 6.4.x, no account enumeration). The queue send, for a real
 * account, happens after the answer.
 */
export async function requestPasswordReset(deps: Deps, rawEmail: string): Promise<void> {
  const email = normalizeEmail(rawEmail);
  const token = generateResetToken();
  const issue = await insertPasswordReset(deps.db, {
    email,
    tokenHash: await hashResetToken(deps.secrets.tokenHashKeys, token),
    ttlSeconds: PASSWORD_RESET_TTL_SECONDS,
    maxPerWindow: MAX_PASSWORD_RESETS_PER_WINDOW,
    windowSeconds: PASSWORD_RESET_WINDOW_SECONDS,
  });
  if (issue.outcome === 'unknown_account') {
    deps.log({ event: 'password_reset_not_sent', reason: 'unknown_account' });
    return;
  }
  if (issue.outcome === 'over_quota') {
    deps.log({ event: 'password_reset_not_sent', reason: 'over_quota', user_id: issue.userId });
    return;
  }
  // Queued after the answer (waitUntil): the send is the only work a real account adds, so it must not
  // lengthen the response.
  deps.defer(sendResetEmail(deps, issue, token));
}

async function sendResetEmail(
  deps: Deps,
  issue: { resetId: string; recipient: { userId: string; email: string; fullName: string } },
  token: string,
): Promise<void> {
  try {
    await enqueueEmail(deps, {
      kind: 'password_reset_requested',
      to: issue.recipient.email,
      full_name: issue.recipient.fullName,
      token,
      expires_in_minutes: PASSWORD_RESET_TTL_SECONDS / 60,
    });
  } catch {
    // The answer (202) is long gone; the token nobody received is removed (and gives back its quota
    // slot), and the failure is logged for the operator: the user's retry works once the queue is back.
    await deletePasswordReset(deps.db, issue.resetId).catch(() => undefined);
    deps.log({ event: 'password_reset_email_failed', user_id: issue.recipient.userId });
    return;
  }
  deps.log({ event: 'password_reset_sent', user_id: issue.recipient.userId });
}

export type PasswordUpdate = { revokedSessions: number };

export async function resetPassword(
  deps: Deps,
  input: { token: string; newPassword: string },
): Promise<PasswordUpdate> {
  const token = input.token.trim();
  if (!isResetTokenShaped(token)) throw problems.invalidResetToken();
  const [tokenHashes, newPasswordHash] = await Promise.all([
    resetTokenLookupHashes(deps.secrets.tokenHashKeys, token),
    hashPassword(input.newPassword),
  ]);
  const reset = await consumePasswordReset(deps.db, { tokenHashes, newPasswordHash });
  if (!reset) {
    deps.log({ event: 'password_reset_failed', reason: 'invalid_token' });
    throw problems.invalidResetToken();
  }
  deps.log({ event: 'password_reset', user_id: reset.userId, revoked_sessions: reset.revokedSessions });
  await notifySecurityEvent(deps, reset, { kind: 'password_reset', revoked_sessions: reset.revokedSessions });
  return { revokedSessions: reset.revokedSessions };
}

export async function changePassword(
  deps: Deps,
  principal: Principal,
  input: { currentPassword: string; newPassword: string },
): Promise<PasswordUpdate> {
  const state = await findPasswordState(deps.db, principal.userId);
  if (!state) throw problems.invalidToken();
  if (state.lockedForSeconds > 0) throw problems.accountLocked(state.lockedForSeconds);
  const verdict = await verifyPassword(input.currentPassword, state.passwordHash);
  if (!verdict.valid) {
    const failure = await recordAccountFailure(deps.db, state.userId);
    if (!failure.admitted) throw problems.accountLocked(failure.lockedForSeconds);
    if (failure.lockStarted) notifyAccountLocked(deps, state, failure.lockedForSeconds);
    deps.log({ event: 'password_change_failed', user_id: state.userId, reason: 'wrong_password' });
    throw problems.incorrectCurrentPassword();
  }
  const change = await changePasswordHash(deps.db, {
    userId: state.userId,
    expectedPasswordHash: state.passwordHash,
    newPasswordHash: await hashPassword(input.newPassword),
    keepSessionId: isUUID(principal.sessionId) ? principal.sessionId : null,
  });
  if (change.outcome === 'locked') throw problems.accountLocked(change.lockedForSeconds);
  // The hash changed between our read and write: a concurrent change or reset won, and the password the
  // caller proved is no longer the current one.
  if (change.outcome === 'stale') throw problems.incorrectCurrentPassword();
  const changed = change.account;
  deps.log({ event: 'password_changed', user_id: changed.userId, revoked_sessions: changed.revokedSessions });
  await notifySecurityEvent(deps, changed, {
    kind: 'password_changed',
    revoked_sessions: changed.revokedSessions,
  });
  return { revokedSessions: changed.revokedSessions };
}
