// Email-verification tokens: 256 bits from the CSPRNG, base64url (43 characters, safe in a URL and in a
// copy and paste), kept only as a keyed hash under their own purpose, so a database dump verifies nobody.
import { hashSecretToken } from '../../crypto/hmac';
import { generateResetToken, isResetTokenShaped } from '../account/reset-token';

/** A verification token lives 24 hours. */
export const EMAIL_VERIFICATION_TTL_SECONDS = 24 * 60 * 60;
/** At most this many verification emails per account per window (signup's counts); further resends are silent. */
export const MAX_VERIFICATIONS_PER_WINDOW = 3;
export const VERIFICATION_WINDOW_SECONDS = 60 * 60;

// Same shape as a password-reset token; the HMAC purpose keeps the two from ever matching each other.
export const generateVerificationToken = generateResetToken;
export const isVerificationTokenShaped = isResetTokenShaped;

export function hashVerificationToken(key: CryptoKey, token: string): Promise<string> {
  return hashSecretToken(key, 'email-verification', token);
}
