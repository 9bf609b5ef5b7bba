// Two-factor settings of a logged-in user: disable, regenerate backup tokens, status.
import type { Deps, Principal } from '../../app-env';
import { isUUID } from '../../db/ids';
import {
  disableTFA,
  findTFAStatus,
  restoreBackupTokens,
  swapBackupTokens,
  type TFAStatus,
} from '../../db/queries/account';
import { enqueueEmail } from '../../email/email.producer';
import { problems } from '../../http/problem';
import { generateBackupTokenSet } from '../tfa/enrollment';
import { notifySecurityEvent } from './notifications';
import { type ReauthenticationInput, reauthenticate, refuseReauthentication } from './reauthentication';

export async function disableTwoFactor(
  deps: Deps,
  principal: Principal,
  input: ReauthenticationInput,
): Promise<void> {
  const { userId } = principal;
  const { proof } = await reauthenticate(deps, userId, input);
  const change = await disableTFA(deps.db, { userId, proof, keepSessionId: currentSessionOf(principal) });
  if (change.outcome !== 'changed') return refuseReauthentication(deps, userId, proof, change);
  const account = change.account;
  deps.log({
    event: 'tfa_disabled',
    user_id: userId,
    proof: proof.kind,
    revoked_sessions: account.revokedSessions,
  });
  await notifySecurityEvent(deps, account, { kind: 'tfa_disabled' });
}

/**
 * Replaces every backup token with new ones and emails them. The swap happens first (it also consumes the
 * proof atomically); if the email then cannot be queued, the new tokens, which nobody has seen, are removed
 * and the old ones restored as they were, and the caller gets a 503: no tokens nobody saw, no lost email.
 */
export async function regenerateBackupTokens(
  deps: Deps,
  principal: Principal,
  input: ReauthenticationInput,
): Promise<{ backupTokensRemaining: number }> {
  const { userId } = principal;
  const { proof } = await reauthenticate(deps, userId, input);
  const { backupTokens: tokens, backupTokenHashes: newTokenHashes } = await generateBackupTokenSet(deps);
  const change = await swapBackupTokens(deps.db, {
    userId,
    proof,
    newTokenHashes,
    keepSessionId: currentSessionOf(principal),
  });
  if (change.outcome !== 'changed') return refuseReauthentication(deps, userId, proof, change);
  const swap = change.account;
  try {
    await enqueueEmail(deps, {
      kind: 'backup_tokens_regenerated',
      to: swap.email,
      full_name: swap.fullName,
      tokens,
    });
  } catch (error) {
    try {
      await restoreBackupTokens(deps.db, userId, swap);
    } catch (restoreError) {
      // Queue and database down at once: the user still has the device itself and can regenerate again
      // once they are back; the operator is told which account to look at.
      deps.log({ event: 'backup_tokens_restore_failed', user_id: userId });
      throw restoreError;
    }
    deps.log({ event: 'backup_tokens_regeneration_undone', user_id: userId });
    throw error;
  }
  deps.log({ event: 'backup_tokens_regenerated', user_id: userId, proof: proof.kind });
  return { backupTokensRemaining: tokens.length };
}

export async function getTwoFactorStatus(deps: Deps, userId: string): Promise<TFAStatus> {
  const status = await findTFAStatus(deps.db, userId);
  if (!status) throw problems.invalidToken();
  return status;
}

// The caller's own session survives a change to its factors; every other one is revoked.
function currentSessionOf(principal: Principal): string | null {
  return isUUID(principal.sessionId) ? principal.sessionId : null;
}
