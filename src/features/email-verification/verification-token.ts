// Email-verification tokens: 256 bits from the CSPRNG, base64url (43 characters, safe in a URL and in a
// copy and paste), kept only as a keyed hash under their own purpose, so a database dump verifies nobody.
import {
  hashUnderCurrentKey,
  hashUnderEveryKey,
  type KeyedHash,
  type TokenHashKeyring,
} from '../../crypto/hmac';
import { generateResetToken, isResetTokenShaped } from '../account/reset-token';

/** A verification token lives 24 hours. */
export const EMAIL_VERIFICATION_TTL_SECONDS = 24 * 60 * 60;
/** At most this many verification emails per account per window (signup's counts); further resends are silent. */
export const MAX_VERIFICATIONS_PER_WINDOW = 3;
export const VERIFICATION_WINDOW_SECONDS = 60 * 60;

// Same shape as a password-reset token; the HMAC purpose keeps the two from ever matching each other.
export const generateVerificationToken = generateResetToken;
export const isVerificationTokenShaped = isResetTokenShaped;

/** The keyed hash to store for a new token (current key, with its id). */
export function hashVerificationToken(keyring: TokenHashKeyring, token: string): Promise<KeyedHash> {
  return hashUnderCurrentKey(keyring, 'email-verification', token);
}

/** A presented token's hashes under every key, to look it up by (a key rotation keeps tokens working). */
export function verificationTokenLookupHashes(
  keyring: TokenHashKeyring,
  token: string,
): Promise<KeyedHash[]> {
  return hashUnderEveryKey(keyring, 'email-verification', token);
}
