// Password-reset tokens: 256 bits from the CSPRNG (ASVS 6.4.1 asks for ≥ 128), base64url so they survive
// copy and paste; stored only as a keyed hash, so a database dump cannot reset anyone's password.

import { encodeBase64url } from '../../crypto/encoding';
import {
  hashUnderCurrentKey,
  hashUnderEveryKey,
  type KeyedHash,
  type TokenHashKeyring,
} from '../../crypto/hmac';
import { randomBytes } from '../../crypto/random';

export const RESET_TOKEN_BYTES = 32;
/** A reset token lives 30 minutes (ASVS 6.4.1: short-lived). */
export const PASSWORD_RESET_TTL_SECONDS = 30 * 60;
/** At most this many reset emails per account per window; further requests get the same answer and no email. */
export const MAX_PASSWORD_RESETS_PER_WINDOW = 3;
export const PASSWORD_RESET_WINDOW_SECONDS = 30 * 60;

const RESET_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function generateResetToken(): string {
  return encodeBase64url(randomBytes(RESET_TOKEN_BYTES));
}

/** Whether a string can be a reset token at all (its shape is public; checking it costs no secret). */
export function isResetTokenShaped(token: string): boolean {
  return RESET_TOKEN_PATTERN.test(token);
}

/** The keyed hash to store for a new reset token (current key). */
export function hashResetToken(keyring: TokenHashKeyring, token: string): Promise<KeyedHash> {
  return hashUnderCurrentKey(keyring, 'password-reset', token);
}

/** A presented reset token's hashes under every key, to look it up by. */
export function resetTokenLookupHashes(keyring: TokenHashKeyring, token: string): Promise<KeyedHash[]> {
  return hashUnderEveryKey(keyring, 'password-reset', token);
}
