// AES-256-GCM envelopes for secrets the service must read back (TOTP secrets), with key rotation:
//   v1.<kid>.<iv base64url>.<ciphertext+tag base64url>
// The kid names the key that sealed the value, so a new key can become current while old envelopes
// still open; re-encrypting them under the current key can happen lazily (see isCurrentKeyEnvelope).
import { decodeBase64url, decodeUTF8, encodeBase64url, encodeUTF8 } from './encoding';
import { randomBytes } from './random';

export const ENVELOPE_VERSION = 'v1';
export const AEAD_KEY_BYTES = 32;
/** 96-bit IVs, the size GCM is specified for (NIST SP 800-38D §8.2); random per message. */
export const AEAD_IV_BYTES = 12;
/** Domain separation: these derived keys are used for nothing else (RFC 5869 §3.2). */
export const AEAD_HKDF_INFO = 'edge-2fa/aead/v1';

const AEAD_TAG_BYTES = 16;
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export class EnvelopeError extends Error {
  override name = 'EnvelopeError';
}

export type EncryptionKeyring = {
  /** The kid new envelopes are sealed with (the first entry of the spec). */
  readonly currentKeyId: string;
  readonly keyIds: readonly string[];
  /** The AES-GCM key for a kid, or undefined when the kid is not in the keyring. */
  getKey(kid: string): Promise<CryptoKey> | undefined;
};

async function deriveAESKey(secret: Uint8Array): Promise<CryptoKey> {
  const baseKey = await crypto.subtle.importKey('raw', secret, 'HKDF', false, ['deriveKey']);
  // No salt (RFC 5869 §3.1 allows it): the input is already a uniformly random secret.
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: encodeUTF8(AEAD_HKDF_INFO) },
    baseKey,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/**
 * Parses `"kid:base64url(32 bytes),kid2:..."`; the first key is current, all decrypt. Errors describe the
 * problem (entry number, kid) and never contain key material: they are shown to the operator.
 */
export function parseEncryptionKeys(spec: string): EncryptionKeyring {
  const secrets = new Map<string, Uint8Array>();
  const entries = spec.split(',').map((entry) => entry.trim());
  if (entries.length === 0 || (entries.length === 1 && entries[0] === '')) {
    throw new Error('expected "kid:base64url-key[,kid:base64url-key...]", got an empty value');
  }
  entries.forEach((entry, index) => {
    const position = `entry ${index + 1}`;
    const separator = entry.indexOf(':');
    if (separator < 0) throw new Error(`${position} is not "kid:base64url-key"`);
    const kid = entry.slice(0, separator).trim();
    const encodedKey = entry.slice(separator + 1).trim();
    if (!KEY_ID_PATTERN.test(kid)) {
      throw new Error(`${position}: the key id must be 1–64 characters of A–Z a–z 0–9 _ -`);
    }
    if (secrets.has(kid)) throw new Error(`${position}: duplicate key id "${kid}"`);
    let secret: Uint8Array;
    try {
      secret = decodeBase64url(encodedKey);
    } catch {
      throw new Error(`${position} (key id "${kid}"): the key is not valid unpadded base64url`);
    }
    if (secret.length !== AEAD_KEY_BYTES) {
      throw new Error(
        `${position} (key id "${kid}"): the key must be ${AEAD_KEY_BYTES} random bytes, got ${secret.length}`,
      );
    }
    secrets.set(kid, secret);
  });

  // Derived lazily and cached with the keyring, which config.ts keeps for the life of the isolate.
  const derivedKeys = new Map<string, Promise<CryptoKey>>();
  const keyIds = [...secrets.keys()];
  return {
    currentKeyId: keyIds[0] as string,
    keyIds,
    getKey(kid) {
      const secret = secrets.get(kid);
      if (!secret) return undefined;
      let key = derivedKeys.get(kid);
      if (!key) {
        key = deriveAESKey(secret);
        derivedKeys.set(kid, key);
        // Never cache a failure: the next call derives again.
        key.catch(() => derivedKeys.delete(kid));
      }
      return key;
    },
  };
}

type ParsedEnvelope = { kid: string; iv: Uint8Array; ciphertext: Uint8Array };

function parseEnvelope(envelope: string): ParsedEnvelope {
  const parts = envelope.split('.');
  if (parts.length !== 4 || parts[0] !== ENVELOPE_VERSION) throw new EnvelopeError('malformed envelope');
  const [, kid, ivText, ciphertextText] = parts as [string, string, string, string];
  if (!KEY_ID_PATTERN.test(kid)) throw new EnvelopeError('malformed envelope');
  let iv: Uint8Array;
  let ciphertext: Uint8Array;
  try {
    iv = decodeBase64url(ivText);
    ciphertext = decodeBase64url(ciphertextText);
  } catch {
    throw new EnvelopeError('malformed envelope');
  }
  if (iv.length !== AEAD_IV_BYTES || ciphertext.length < AEAD_TAG_BYTES)
    throw new EnvelopeError('malformed envelope');
  return { kid, iv, ciphertext };
}

/**
 * Seals `plaintext` under the current key. `associatedData` binds the envelope to its owner (e.g. the
 * device id): an envelope copied onto another row fails to open there (GCM AAD, NIST SP 800-38D §7).
 */
export async function encryptToEnvelope(
  keyring: EncryptionKeyring,
  plaintext: string,
  associatedData: string,
): Promise<string> {
  const kid = keyring.currentKeyId;
  const key = await (keyring.getKey(kid) as Promise<CryptoKey>);
  const iv = randomBytes(AEAD_IV_BYTES);
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: encodeUTF8(associatedData), tagLength: AEAD_TAG_BYTES * 8 },
    key,
    encodeUTF8(plaintext),
  );
  return `${ENVELOPE_VERSION}.${kid}.${encodeBase64url(iv)}.${encodeBase64url(new Uint8Array(ciphertext))}`;
}

/** Opens an envelope; throws EnvelopeError when it is malformed, its kid unknown, or it fails authentication. */
export async function decryptEnvelope(
  keyring: EncryptionKeyring,
  envelope: string,
  associatedData: string,
): Promise<string> {
  const { kid, iv, ciphertext } = parseEnvelope(envelope);
  const key = keyring.getKey(kid);
  if (!key) throw new EnvelopeError(`unknown encryption key id "${kid}"`);
  let plaintext: ArrayBuffer;
  try {
    plaintext = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv, additionalData: encodeUTF8(associatedData), tagLength: AEAD_TAG_BYTES * 8 },
      await key,
      ciphertext,
    );
  } catch {
    throw new EnvelopeError('envelope failed authentication (tampered, wrong key or wrong associated data)');
  }
  try {
    return decodeUTF8(new Uint8Array(plaintext));
  } catch {
    throw new EnvelopeError('envelope plaintext is not UTF-8');
  }
}

/** The kid an envelope was sealed with; throws EnvelopeError when the envelope is malformed. */
export function envelopeKeyId(envelope: string): string {
  return parseEnvelope(envelope).kid;
}

/** False for envelopes sealed under an older key: the caller may re-encrypt them after a rotation. */
export function isCurrentKeyEnvelope(keyring: EncryptionKeyring, envelope: string): boolean {
  return envelopeKeyId(envelope) === keyring.currentKeyId;
}
