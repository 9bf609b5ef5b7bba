// Proving the mailbox: a token emailed at signup (or on request) is spent once to mark the address verified.
// Other proofs of the mailbox (an email-code login, a password reset) set the same flag in their own
// statements (db/queries/tfa.ts, db/queries/account.ts).
import type { Deps } from '../../app-env';
import { normalizeEmail } from '../../config';
import type { KeyedHash } from '../../crypto/hmac';
import {
  consumeVerification,
  deleteVerification,
  issueVerification,
} from '../../db/queries/email-verification';
import { enqueueEmail } from '../../email/email.producer';
import { problems } from '../../http/problem';
import {
  EMAIL_VERIFICATION_TTL_SECONDS,
  generateVerificationToken,
  hashVerificationToken,
  isVerificationTokenShaped,
  MAX_VERIFICATIONS_PER_WINDOW,
  VERIFICATION_WINDOW_SECONDS,
  verificationTokenLookupHashes,
} from './verification-token';

export const RESEND_VERIFICATION_ANSWER =
  'If an account with an unverified address exists for this email, a verification email has been sent.';

/** A fresh token and its keyed hash, for the signup batch. */
export async function newVerificationToken(deps: Deps): Promise<{ token: string; tokenHash: KeyedHash }> {
  const token = generateVerificationToken();
  return { token, tokenHash: await hashVerificationToken(deps.secrets.tokenHashKeys, token) };
}

export function sendVerificationEmail(
  deps: Deps,
  recipient: { email: string; fullName: string },
  token: string,
): Promise<unknown> {
  return enqueueEmail(deps, {
    kind: 'email_verification',
    to: recipient.email,
    full_name: recipient.fullName,
    token,
    expires_in_hours: EMAIL_VERIFICATION_TTL_SECONDS / 3600,
  });
}

export async function verifyEmail(deps: Deps, rawToken: string): Promise<{ email: string }> {
  const token = rawToken.trim();
  if (!isVerificationTokenShaped(token)) throw problems.invalidVerificationToken();
  const verified = await consumeVerification(
    deps.db,
    await verificationTokenLookupHashes(deps.secrets.tokenHashKeys, token),
  );
  if (!verified) {
    deps.log({ event: 'email_verification_failed', reason: 'invalid_token' });
    throw problems.invalidVerificationToken();
  }
  deps.log({ event: 'email_verified', user_id: verified.userId, via: 'token' });
  return { email: verified.email };
}

/**
 * Sends a new token when the account exists, is unverified and under its quota. Every path makes a token,
 * computes its HMAC and runs the same batch, and the caller answers the same 202 whatever happened.
 */
export async function resendVerification(deps: Deps, rawEmail: string): Promise<void> {
  const { token, tokenHash } = await newVerificationToken(deps);
  const issue = await issueVerification(deps.db, {
    email: normalizeEmail(rawEmail),
    tokenHash,
    ttlSeconds: EMAIL_VERIFICATION_TTL_SECONDS,
    maxPerWindow: MAX_VERIFICATIONS_PER_WINDOW,
    windowSeconds: VERIFICATION_WINDOW_SECONDS,
  });
  if (issue.outcome === 'not_sent') {
    deps.log({ event: 'email_verification_not_sent', reason: issue.reason });
    return;
  }
  try {
    await sendVerificationEmail(deps, issue.recipient, token);
  } catch {
    // A 503 would tell the caller the account exists: drop the token nobody received and log it instead.
    await deleteVerification(deps.db, issue.verificationId);
    deps.log({ event: 'email_verification_email_failed', user_id: issue.recipient.userId });
    return;
  }
  deps.log({ event: 'email_verification_sent', user_id: issue.recipient.userId });
}
