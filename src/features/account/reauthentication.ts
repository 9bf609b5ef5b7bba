// Re-authentication before a change to the second factor itself (ASVS 5.0 6.3.x): the password AND a second
// factor, checked in lucia's order: limit → validate → (the caller) consume atomically with the change.
//
// `code` is a current authenticator code for code_generator devices, or an unused backup token for any
// device. Email devices have no standing code (their codes exist only inside a login challenge), so for
// them a backup token is the second factor here.
import type { Deps } from '../../app-env';
import { verifyPassword } from '../../crypto/password';
import { normalizeBackupToken } from '../../crypto/random';
import {
  type FactorChange,
  findReauthenticationContext,
  type ReauthenticationContext,
  type SecondFactorProof,
} from '../../db/queries/account';
import { recordAccountFailure } from '../../db/queries/users';
import { problems } from '../../http/problem';
import { backupTokenLookupHashes } from '../tfa/enrollment';
import { checkTOTPCode } from '../tfa/totp-check';
import { notifyAccountLocked } from './notifications';

const SIX_DIGITS = /^\d{6}$/;

export type Reauthentication = { context: ReauthenticationContext; proof: SecondFactorProof };

export type ReauthenticationInput = { password: string; code: string };

/**
 * Checks the password and shapes the second-factor proof. What can only be decided atomically (the TOTP
 * step still later than the last accepted one, the backup token still unused) is left to the statement
 * that makes the change; `refuseReauthentication` is for the caller when that statement refuses.
 */
export async function reauthenticate(
  deps: Deps,
  userId: string,
  input: ReauthenticationInput,
): Promise<Reauthentication> {
  const context = await findReauthenticationContext(deps.db, userId);
  if (!context) throw problems.invalidToken();
  if (context.lockedForSeconds > 0) throw problems.accountLocked(context.lockedForSeconds);
  if (!context.tfaEnabled || !context.deviceType || !context.deviceId) throw problems.tfaNotEnabled();

  // Both checks run whatever the other's outcome, so neither the answer nor the time says which one failed.
  const [verdict, proof] = await Promise.all([
    verifyPassword(input.password, context.passwordHash),
    proveSecondFactor(deps, context, input.code.trim()),
  ]);
  if (!verdict.valid || !proof) {
    const failure = await recordAccountFailure(deps.db, context.userId);
    // Not counted: the lock came into force while this attempt was in flight, so it gets no verdict.
    if (!failure.admitted) throw problems.accountLocked(failure.lockedForSeconds);
    if (failure.lockStarted) notifyAccountLocked(deps, context, failure.lockedForSeconds);
    deps.log({
      event: 'reauthentication_failed',
      user_id: context.userId,
      reason: verdict.valid ? 'wrong_code' : 'wrong_password',
    });
    throw problems.reauthenticationFailed();
  }
  return { context, proof };
}

/**
 * Answers for a change statement that did not accept the proof: the lock came into force first (429), or
 * the proof lost (a replay, a spent token, a concurrent request won) and was counted as a failure (403).
 */
export function refuseReauthentication(
  deps: Deps,
  userId: string,
  proof: SecondFactorProof,
  change: Exclude<FactorChange<unknown>, { outcome: 'changed' }>,
): never {
  if (change.outcome === 'locked') throw problems.accountLocked(change.lockedForSeconds);
  if (change.lockStarted && change.recipient)
    notifyAccountLocked(deps, change.recipient, change.lockedForSeconds);
  deps.log({ event: 'reauthentication_failed', user_id: userId, reason: `${proof.kind}_not_accepted` });
  throw problems.reauthenticationFailed();
}

async function proveSecondFactor(
  deps: Deps,
  context: ReauthenticationContext,
  code: string,
): Promise<SecondFactorProof | null> {
  if (SIX_DIGITS.test(code)) {
    if (context.deviceType !== 'code_generator' || !context.secretEnvelope || !context.deviceId) return null;
    const check = await checkTOTPCode(
      deps,
      {
        deviceId: context.deviceId,
        secretEnvelope: context.secretEnvelope,
        lastAcceptedStep: context.lastAcceptedStep,
      },
      code,
    );
    if (!check.ok) {
      if (check.reason === 'replayed_code') {
        deps.log({ event: 'tfa_replay', user_id: context.userId, via: 'reauthentication' });
      }
      return null;
    }
    const { step } = check;
    return { kind: 'totp', deviceId: context.deviceId, step };
  }
  const normalized = normalizeBackupToken(code);
  if (!normalized) return null;
  return {
    kind: 'backup_token',
    tokenHashes: await backupTokenLookupHashes(deps.secrets.tokenHashKeys, normalized),
  };
}
