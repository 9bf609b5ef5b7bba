// Account rules: signup, password login, refresh rotation. Services take their dependencies explicitly
// and throw problems; handlers only shape HTTP.
import type { Deps } from '../../app-env';
import { normalizeEmail } from '../../config';
import { hashUnderCurrentKey } from '../../crypto/hmac';
import { InvalidTokenError, signToken, verifyToken } from '../../crypto/jwt';
import { hashPassword, verifyPassword, verifyPasswordAgainstDummy } from '../../crypto/password';
import { isUniqueViolation } from '../../db/errors';
import { isUUID } from '../../db/ids';
import type { GateOutcome } from '../../db/queries/lockout';
import { rotateRefreshToken, startSessionAfterLogin } from '../../db/queries/sessions';
import { insertUserWithEnrollment, openChallenge } from '../../db/queries/tfa';
import {
  type DeviceType,
  deleteUser,
  findLoginCandidate,
  findUserView,
  insertUser,
  recordAccountFailure,
  recordUnknownAccountFailure,
  type UserView,
} from '../../db/queries/users';
import { enqueueEmail } from '../../email/email.producer';
import { problems } from '../../http/problem';
import { notifyAccountLocked, notifySecurityEvent } from '../account/notifications';
import {
  newVerificationToken,
  sendVerificationEmail,
} from '../email-verification/email-verification.service';
import { EMAIL_VERIFICATION_TTL_SECONDS } from '../email-verification/verification-token';
import { issueEmailLoginCode } from '../tfa/email-code';
import { otpauthURIFor, prepareEnrollment } from '../tfa/enrollment';
import { issueTokenPair, newSession, type TokenPair } from './token-issuer';

export type SignupInput = {
  email: string;
  password: string;
  fullName: string;
  tfaEnabled: boolean;
  deviceType: DeviceType | undefined;
  // Language tag for the user's emails (body `locale`, else negotiated from Accept-Language).
  locale: string | null;
};

export type SignupResult = { user: UserView; otpauthURI: string | null };

export async function signUp(deps: Deps, input: SignupInput): Promise<SignupResult> {
  if (input.tfaEnabled && !input.deviceType) throw problems.tfaRequiredDevice();
  const email = normalizeEmail(input.email);
  const account = {
    id: crypto.randomUUID(),
    email,
    fullName: input.fullName,
    passwordHash: await hashPassword(input.password),
    locale: input.locale,
  };
  const { token: verificationToken, tokenHash } = await newVerificationToken(deps);
  const verification = { tokenHash, ttlSeconds: EMAIL_VERIFICATION_TTL_SECONDS };
  try {
    if (!input.tfaEnabled || !input.deviceType) {
      const user = await insertUser(deps.db, account, verification);
      await emailVerificationToken(deps, account, verificationToken);
      return { user, otpauthURI: null };
    }
    const enrollment = await prepareEnrollment(deps, input.deviceType);
    await insertUserWithEnrollment(deps.db, account, enrollment, verification);
    try {
      await enqueueEmail(deps, {
        kind: 'backup_tokens',
        to: email,
        full_name: input.fullName,
        tokens: enrollment.backupTokens,
      });
    } catch (error) {
      // The tokens exist only in that email: without it the account would be unrecoverable. Undo it.
      await deleteUser(deps.db, account.id);
      throw error;
    }
    deps.log({ event: 'tfa_enabled', user_id: account.id, device_type: input.deviceType, via: 'signup' });
    await emailVerificationToken(deps, account, verificationToken);
    return {
      user: {
        id: account.id,
        email,
        fullName: input.fullName,
        tfaEnabled: true,
        emailVerified: false,
        device: { id: enrollment.device.id, deviceType: input.deviceType },
      },
      otpauthURI: otpauthURIFor(deps, email, enrollment.secretBase32),
    };
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_key')) throw problems.emailTaken();
    throw error;
  }
}

// The account works without it (a resend gets a new token), so a queue failure does not undo the signup.
async function emailVerificationToken(
  deps: Deps,
  account: { id: string; email: string; fullName: string },
  token: string,
): Promise<void> {
  try {
    await sendVerificationEmail(deps, account, token);
  } catch {
    deps.log({ event: 'email_verification_email_failed', user_id: account.id, via: 'signup' });
  }
}

export type LoginResult =
  | { kind: 'tokens'; tokens: TokenPair }
  | { kind: 'second_factor_required'; preTFAToken: string };

export async function logIn(
  deps: Deps,
  credentials: { username: string; password: string },
): Promise<LoginResult> {
  const email = normalizeEmail(credentials.username);
  const keyed = await hashUnderCurrentKey(deps.secrets.tokenHashKeys, 'unknown-account', email);
  // The key id is part of the row key: a new TOKEN_HASH_KEY entry starts these counters afresh.
  const unknownAccountKey = `${keyed.kid}.${keyed.hash}`;
  const { account: candidate, lockedForSeconds } = await findLoginCandidate(
    deps.db,
    email,
    unknownAccountKey,
  );
  if (lockedForSeconds > 0) {
    // Refused before the password is even checked, so the answer cannot reveal whether it was right; an
    // unknown email locks exactly like an account (no enumeration by lockout).
    deps.log({ event: 'login_locked', user_id: candidate?.id, retry_after_seconds: lockedForSeconds });
    throw problems.accountLocked(lockedForSeconds);
  }
  if (!candidate) {
    // Same PBKDF2 work, the same failure statement shape and the same answer as a wrong password.
    await verifyPasswordAgainstDummy(credentials.password);
    const failure = await recordUnknownAccountFailure(deps.db, unknownAccountKey);
    if (!failure.admitted) throw problems.accountLocked(failure.lockedForSeconds);
    deps.log({ event: 'login_failed', reason: 'unknown_account' });
    throw problems.invalidCredentials();
  }
  const verdict = await verifyPassword(credentials.password, candidate.passwordHash);
  if (!verdict.valid) {
    const failure = await recordAccountFailure(deps.db, candidate.id);
    // Not counted: the lock came into force while this guess was in flight, so it gets no verdict.
    if (!failure.admitted) throw problems.accountLocked(failure.lockedForSeconds);
    if (failure.lockStarted) notifyAccountLocked(deps, candidate, failure.lockedForSeconds);
    deps.log({ event: 'login_failed', user_id: candidate.id, reason: 'wrong_password' });
    throw problems.invalidCredentials();
  }
  // Only once the password is proven, so the answer tells a stranger nothing about the address.
  if (deps.config.requireVerifiedEmail && !candidate.emailVerified) {
    deps.log({ event: 'login_refused', user_id: candidate.id, reason: 'email_not_verified' });
    throw problems.emailNotVerified();
  }
  const rehashed = verdict.needsRehash ? await hashPassword(credentials.password) : null;

  if (candidate.tfaEnabled && candidate.deviceType) {
    const challengeId = crypto.randomUUID();
    const emailCode = candidate.deviceType === 'email' ? await issueEmailLoginCode(deps) : null;
    const opening = await openChallenge(
      deps.db,
      {
        id: challengeId,
        userId: candidate.id,
        emailCodeHash: emailCode?.hash ?? null,
        ttlSeconds: deps.config.preTFATokenTTLSeconds,
      },
      rehashed,
    );
    if (!opening.admitted) throw refusedAfterRace(opening);
    if (emailCode) {
      await enqueueEmail(deps, {
        kind: 'login_code',
        to: candidate.email,
        full_name: candidate.fullName,
        code: emailCode.code,
        expires_in_minutes: Math.ceil(deps.config.preTFATokenTTLSeconds / 60),
      });
    }
    const preTFAToken = await signToken(
      deps.secrets.signingKeys,
      'pre_tfa',
      { sub: candidate.id, amr: ['pwd'] },
      {
        issuer: deps.config.issuer,
        audience: deps.config.audience,
        expiresInSeconds: deps.config.preTFATokenTTLSeconds,
        nowSeconds: Math.floor(deps.nowMs() / 1000),
        jti: challengeId,
      },
    );
    deps.log({ event: 'login_password_ok', user_id: candidate.id, second_factor: candidate.deviceType });
    return { kind: 'second_factor_required', preTFAToken };
  }

  const session = newSession(deps, candidate.id, ['pwd']);
  const start = await startSessionAfterLogin(deps.db, session, rehashed);
  if (!start.started) throw refusedAfterRace(start);
  deps.log({ event: 'login_ok', user_id: candidate.id, amr: session.amr });
  return {
    kind: 'tokens',
    tokens: await issueTokenPair(deps, {
      ...session,
      authTimeSeconds: Math.floor(deps.nowMs() / 1000),
      emailVerified: candidate.emailVerified,
    }),
  };
}

// A right password whose accepting statement found the account locked (the 5th failure committed first)
// or gone: the same answers a wrong password would get at that moment.
function refusedAfterRace(outcome: GateOutcome) {
  if (outcome.lockedForSeconds > 0) return problems.accountLocked(outcome.lockedForSeconds);
  return problems.invalidCredentials();
}

export async function refreshTokens(deps: Deps, refreshToken: string): Promise<TokenPair> {
  let claims: Awaited<ReturnType<typeof verifyToken>>;
  try {
    claims = await verifyToken(deps.secrets.signingKeys, 'refresh', refreshToken, {
      issuer: deps.config.issuer,
      audience: deps.config.audience,
    });
  } catch (error) {
    if (error instanceof InvalidTokenError) throw problems.invalidRefreshToken();
    throw error;
  }
  const sessionId = typeof claims.sid === 'string' ? claims.sid : '';
  const presentedTokenId = typeof claims.jti === 'string' ? claims.jti : '';
  if (!isUUID(sessionId) || !isUUID(presentedTokenId)) throw problems.invalidRefreshToken();

  const nextTokenId = crypto.randomUUID();
  const outcome = await rotateRefreshToken(deps.db, { sessionId, presentedTokenId, nextTokenId });
  if (outcome.kind === 'reused') {
    deps.log({ event: 'refresh_token_reuse', user_id: outcome.userId, session_id: sessionId });
    await notifySecurityEvent(deps, outcome, { kind: 'sessions_revoked_after_reuse' });
    throw problems.invalidRefreshToken();
  }
  if (outcome.kind === 'invalid') throw problems.invalidRefreshToken();
  deps.log({ event: 'refresh_ok', user_id: outcome.userId, session_id: sessionId });
  return issueTokenPair(deps, {
    sessionId,
    userId: outcome.userId,
    tokenId: nextTokenId,
    amr: outcome.amr,
    authTimeSeconds: outcome.authTimeSeconds,
    emailVerified: outcome.emailVerified,
  });
}

export async function getCurrentUser(deps: Deps, userId: string): Promise<UserView> {
  // A valid signature for a user that no longer exists is still an invalid token (the original answered 500).
  const user = isUUID(userId) ? await findUserView(deps.db, userId) : undefined;
  if (!user) throw problems.invalidToken();
  return user;
}
