// Keyed hashes of short-lived or one-time secrets (backup tokens, email codes, password-reset tokens)
// stored at rest. With an HMAC key that lives only in a Worker secret, a database dump alone cannot be
// used to recover or brute-force them offline (a 6-digit code has only 10^6 values; a plain hash would
// fall instantly).
import { decodeBase64url, encodeHex, encodeUTF8 } from './encoding';

/** A 256-bit key for HMAC-SHA256 (RFC 2104 §3: at least the hash output length). */
export const HMAC_KEY_MIN_BYTES = 32;

/** Domain separation: a hash made for one purpose never matches a lookup for another. */
export type SecretTokenPurpose =
  | 'backup-token'
  | 'email-code'
  | 'email-verification'
  | 'password-reset'
  | 'unknown-account';

const importedKeys = new Map<string, Promise<CryptoKey>>();

async function importRawHMACKey(base64urlSecret: string): Promise<CryptoKey> {
  let secret: Uint8Array;
  try {
    secret = decodeBase64url(base64urlSecret.trim());
  } catch {
    throw new Error('the key is not valid unpadded base64url');
  }
  if (secret.length < HMAC_KEY_MIN_BYTES) {
    throw new Error(`the key must be at least ${HMAC_KEY_MIN_BYTES} random bytes, got ${secret.length}`);
  }
  return crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

/** Imports the TOKEN_HASH_KEY secret once per isolate. Errors never contain key material. */
export function importHMACKey(base64urlSecret: string): Promise<CryptoKey> {
  let key = importedKeys.get(base64urlSecret);
  if (!key) {
    key = importRawHMACKey(base64urlSecret);
    importedKeys.set(base64urlSecret, key);
    key.catch(() => importedKeys.delete(base64urlSecret));
  }
  return key;
}

/** Lower-case hex HMAC-SHA256 over `${purpose}:${token}`: deterministic, so it can be looked up by value. */
export async function hashSecretToken(
  key: CryptoKey,
  purpose: SecretTokenPurpose,
  token: string,
): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', key, encodeUTF8(`${purpose}:${token}`));
  return encodeHex(new Uint8Array(mac));
}
