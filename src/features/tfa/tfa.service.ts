// Second-factor rules, in the order lucia's example sets out: check the challenge is usable (expiry,
// single use, attempt limit) → validate the code → consume atomically → reset counters → issue tokens.
import type { Deps, PendingChallenge, Principal } from '../../app-env';
import { decryptEnvelope } from '../../crypto/aead';
import { timingSafeEqual } from '../../crypto/constant-time';
import { normalizeBackupToken } from '../../crypto/random';
import { isUniqueViolation, postgresErrorCode } from '../../db/errors';
import { isUUID } from '../../db/ids';
import {
  type ChallengeContext,
  type CodeVerdict,
  enableTFA,
  findChallengeContext,
  findCodeGeneratorSecret,
  redeemBackupToken,
  settleChallenge,
  undoEnableTFA,
} from '../../db/queries/tfa';
import { type DeviceType, findUserView } from '../../db/queries/users';
import { enqueueEmail } from '../../email/email.producer';
import { problems } from '../../http/problem';
import { notifyAccountLocked, notifySecurityEvent } from '../account/notifications';
import { issueTokenPair, newSession, type TokenPair } from '../auth/token-issuer';
import { hashEmailCode } from './email-code';
import { backupTokenLookupHashes, otpauthURIFor, prepareEnrollment } from './enrollment';
import { checkTOTPCode } from './totp-check';

// Per pre-TFA challenge: after this many wrong codes the challenge (and its token) is dead.
export const MAX_ATTEMPTS_PER_CHALLENGE = 5;

const SIX_DIGITS = /^\d{6}$/;

async function loadUsableChallenge(deps: Deps, challenge: PendingChallenge) {
  const context = await findChallengeContext(deps.db, challenge, MAX_ATTEMPTS_PER_CHALLENGE);
  if (context && context.lockedForSeconds > 0) throw problems.accountLocked(context.lockedForSeconds);
  if (!context?.usable || !context.deviceType || !context.deviceId) throw problems.challengeExpired();
  return context;
}

function nowSeconds(deps: Deps) {
  return Math.floor(deps.nowMs() / 1000);
}

// Judges the code in the Worker (decrypting the TOTP secret or hashing the email code), then lets one
// statement decide under the account's row lock: the answer is the statement's, never the read's.
async function judgeCode(
  deps: Deps,
  context: ChallengeContext,
  code: string,
): Promise<{ verdict: CodeVerdict; amr: string[] }> {
  if (context.deviceType === 'code_generator' && context.secretEnvelope && context.deviceId) {
    const amr = ['pwd', 'otp', 'mfa'];
    if (!SIX_DIGITS.test(code)) return { verdict: { kind: 'wrong', replayed: false }, amr };
    const check = await checkTOTPCode(
      deps,
      {
        deviceId: context.deviceId,
        secretEnvelope: context.secretEnvelope,
        lastAcceptedStep: context.lastAcceptedStep,
      },
      code,
    );
    if (!check.ok) return { verdict: { kind: 'wrong', replayed: check.reason === 'replayed_code' }, amr };
    return {
      verdict: {
        kind: 'totp_ok',
        deviceId: context.deviceId,
        step: check.step,
        reencrypted: check.reencryptedEnvelope
          ? { from: context.secretEnvelope, to: check.reencryptedEnvelope }
          : null,
      },
      amr,
    };
  }
  const amr = ['pwd', 'email_otp'];
  const expectedHash = context.emailCodeHash;
  const presentedHash = context.emailCodeKeyId
    ? await hashEmailCode(deps.secrets.tokenHashKeys, context.emailCodeKeyId, code)
    : undefined;
  const right =
    SIX_DIGITS.test(code) &&
    expectedHash !== null &&
    presentedHash !== undefined &&
    timingSafeEqual(presentedHash, expectedHash);
  return { verdict: right ? { kind: 'email_code_ok' } : { kind: 'wrong', replayed: false }, amr };
}

export async function completeLoginWithCode(
  deps: Deps,
  challenge: PendingChallenge,
  code: string,
): Promise<TokenPair> {
  const context = await loadUsableChallenge(deps, challenge);
  const { verdict, amr } = await judgeCode(deps, context, code);
  const session = newSession(deps, challenge.userId, amr);
  const outcome = await settleChallenge(deps.db, {
    challengeId: challenge.challengeId,
    userId: challenge.userId,
    maxAttempts: MAX_ATTEMPTS_PER_CHALLENGE,
    session,
    verdict,
  });
  if (!outcome.admitted) {
    // The lock came into force (or the challenge ended) while this code was in flight: no verdict, the
    // same answer for a right and a wrong code.
    if (outcome.lockedForSeconds > 0) throw problems.accountLocked(outcome.lockedForSeconds);
    throw problems.challengeExpired();
  }
  if (!outcome.completed) {
    const reason =
      verdict.kind === 'wrong' ? (verdict.replayed ? 'replayed_code' : 'wrong_code') : 'replayed_code';
    deps.log({ event: 'tfa_failed', user_id: challenge.userId, reason });
    if (reason === 'replayed_code') deps.log({ event: 'tfa_replay', user_id: challenge.userId });
    // The code was right but already used: someone else may have it. Tell the owner, at most once per 15 min.
    if (outcome.sendReplayNotice)
      deps.defer(notifySecurityEvent(deps, context, { kind: 'totp_replay_refused' }));
    if (outcome.lockStarted) notifyAccountLocked(deps, context, outcome.lockedForSeconds);
    throw problems.totpMismatch();
  }
  deps.log({ event: 'tfa_ok', user_id: challenge.userId, method: amr.includes('otp') ? 'otp' : 'email_otp' });
  return issueTokenPair(deps, {
    ...session,
    authTimeSeconds: nowSeconds(deps),
    emailVerified: outcome.emailVerified,
  });
}

export async function completeLoginWithBackupToken(
  deps: Deps,
  challenge: PendingChallenge,
  presentedToken: string,
): Promise<TokenPair> {
  const normalized = normalizeBackupToken(presentedToken);
  // A string that cannot be a token still goes through the same statement (with an impossible hash), so
  // it counts as an attempt and the answer does not depend on the token's shape.
  const tokenHashes = await backupTokenLookupHashes(
    deps.secrets.tokenHashKeys,
    normalized ?? `invalid:${presentedToken}`,
  );
  const session = newSession(deps, challenge.userId, ['pwd', 'backup_code', 'mfa']);
  const outcome = await redeemBackupToken(deps.db, {
    challengeId: challenge.challengeId,
    userId: challenge.userId,
    tokenHashes,
    maxAttempts: MAX_ATTEMPTS_PER_CHALLENGE,
    session,
  });
  if (outcome.outcome === 'locked') throw problems.accountLocked(outcome.lockedForSeconds);
  if (outcome.outcome === 'challenge_unusable') throw problems.challengeExpired();
  if (outcome.outcome !== 'redeemed') {
    deps.log({ event: 'tfa_failed', user_id: challenge.userId, reason: `backup_token_${outcome.outcome}` });
    if (outcome.lockStarted) notifyAccountLocked(deps, outcome, outcome.lockedForSeconds);
    if (outcome.outcome === 'exhausted') throw problems.backupTokensExhausted(outcome.email);
    throw problems.backupTokenNotFound();
  }
  await notifySecurityEvent(deps, outcome, { kind: 'backup_token_used', remaining: outcome.remaining });
  deps.log({ event: 'tfa_ok', user_id: challenge.userId, method: 'backup_code' });
  return issueTokenPair(deps, {
    ...session,
    authTimeSeconds: nowSeconds(deps),
    emailVerified: outcome.emailVerified,
  });
}

export type QRCodeResult = { otpauthURI: string; email: string };

export async function getMyQRCode(deps: Deps, userId: string): Promise<QRCodeResult> {
  const device = await findCodeGeneratorSecret(deps.db, userId);
  if (!device) throw problems.invalidToken();
  if (device.deviceType !== 'code_generator' || !device.secretEnvelope || !device.deviceId) {
    throw problems.notCodeGenerator(device.email);
  }
  const secretBase32 = await decryptEnvelope(
    deps.secrets.encryptionKeys,
    device.secretEnvelope,
    device.deviceId,
  );
  return {
    email: device.email,
    otpauthURI: otpauthURIFor(deps, device.email, secretBase32) ?? '',
  };
}

export type EnableTFAResult = { deviceType: DeviceType; otpauthURI: string | null; email: string };

export async function enableTwoFactor(
  deps: Deps,
  principal: Principal,
  deviceType: DeviceType,
): Promise<EnableTFAResult> {
  const { userId } = principal;
  const enrollment = await prepareEnrollment(deps, deviceType);
  let account: { email: string; fullName: string; revokedSessions: number } | undefined;
  try {
    // Every other session ends: one opened before TFA (maybe by a thief) must not carry on past it.
    account = await enableTFA(
      deps.db,
      userId,
      enrollment,
      isUUID(principal.sessionId) ? principal.sessionId : null,
    );
  } catch (error) {
    // Already enabled (or two concurrent enables): the one-device-per-user index rolls the batch back.
    if (isUniqueViolation(error, 'tfa_devices_user_id_key')) {
      const user = await findUserView(deps.db, userId);
      throw problems.tfaAlreadyEnabled(user?.email ?? 'unknown');
    }
    // The token's user no longer exists.
    if (postgresErrorCode(error) === '23503') throw problems.invalidToken();
    throw error;
  }
  if (!account) throw problems.invalidToken();
  try {
    await enqueueEmail(deps, {
      kind: 'backup_tokens',
      to: account.email,
      full_name: account.fullName,
      tokens: enrollment.backupTokens,
    });
  } catch (error) {
    await undoEnableTFA(deps.db, userId, enrollment.device.id);
    throw error;
  }
  deps.log({
    event: 'tfa_enabled',
    user_id: userId,
    device_type: deviceType,
    via: 'enable_tfa',
    revoked_sessions: account.revokedSessions,
  });
  return {
    deviceType,
    otpauthURI: otpauthURIFor(deps, account.email, enrollment.secretBase32),
    email: account.email,
  };
}
