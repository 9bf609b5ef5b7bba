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

/** A keyed hash and the id of the TOKEN_HASH_KEY entry that made it (stored side by side). */
export type KeyedHash = { kid: string; hash: string };

/**
 * The HMAC keys for tokens at rest. The first entry hashes everything new; every entry still verifies, so
 * a new key can be added in front while hashes made under the old ones stay valid until they expire.
 */
export type TokenHashKeyring = {
  readonly current: { readonly kid: string; readonly key: CryptoKey };
  readonly keys: readonly { readonly kid: string; readonly key: CryptoKey }[];
};

/** The id a single bare key (the original TOKEN_HASH_KEY format) gets; rows made before key ids have it. */
export const DEFAULT_TOKEN_HASH_KEY_ID = '0';
const TOKEN_HASH_KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Parses TOKEN_HASH_KEY: one bare base64url key (key id "0"), or `kid:base64url-key,kid:...` like
 * ENCRYPTION_KEYS (the first hashes, all verify). Errors name the entry, never its material.
 */
export async function parseTokenHashKeys(spec: string): Promise<TokenHashKeyring> {
  const entries = spec.includes(':')
    ? spec.split(',').map((entry, index) => {
        const separator = entry.indexOf(':');
        const kid = entry.slice(0, separator).trim();
        if (separator < 0 || !TOKEN_HASH_KEY_ID_PATTERN.test(kid))
          throw new Error(`entry ${index + 1} is not "kid:base64url-key" (kid: 1–64 of A–Z a–z 0–9 _ -)`);
        return { kid, secret: entry.slice(separator + 1), position: `entry ${index + 1} (kid "${kid}")` };
      })
    : [{ kid: DEFAULT_TOKEN_HASH_KEY_ID, secret: spec, position: 'the key' }];
  const kids = new Set<string>();
  const keys = await Promise.all(
    entries.map(async ({ kid, secret, position }) => {
      if (kids.has(kid)) throw new Error(`duplicate kid "${kid}"`);
      kids.add(kid);
      try {
        return { kid, key: await importHMACKey(secret) };
      } catch (error) {
        throw new Error(`${position}: ${(error as Error).message}`);
      }
    }),
  );
  const [current] = keys;
  if (!current) throw new Error('expected at least one key');
  return { current, keys };
}

/** The keyed hash to store: under the current key. */
export async function hashUnderCurrentKey(
  keyring: TokenHashKeyring,
  purpose: SecretTokenPurpose,
  token: string,
): Promise<KeyedHash> {
  return { kid: keyring.current.kid, hash: await hashSecretToken(keyring.current.key, purpose, token) };
}

/** The keyed hashes to look a presented token up by: one per configured key. */
export function hashUnderEveryKey(
  keyring: TokenHashKeyring,
  purpose: SecretTokenPurpose,
  token: string,
): Promise<KeyedHash[]> {
  return Promise.all(
    keyring.keys.map(async ({ kid, key }) => ({ kid, hash: await hashSecretToken(key, purpose, token) })),
  );
}

/** The hash of `token` under the key that made a stored hash (undefined if that key is gone). */
export async function hashUnderKey(
  keyring: TokenHashKeyring,
  kid: string,
  purpose: SecretTokenPurpose,
  token: string,
): Promise<string | undefined> {
  const entry = keyring.keys.find((candidate) => candidate.kid === kid);
  return entry ? hashSecretToken(entry.key, purpose, token) : undefined;
}
