// Everything random comes from the platform CSPRNG (crypto.getRandomValues); never Math.random.

/** crypto.getRandomValues refuses more than 65,536 bytes per call (WebCrypto §10.1.1). */
const MAX_RANDOM_BYTES_PER_CALL = 65_536;

// Crockford base32 (https://www.crockford.com/base32.html): no I, L, O, U, so a token read aloud or
// copied by hand has no look-alike characters.
export const BACKUP_TOKEN_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 12 characters × 5 bits = 60 bits: guessing is hopeless with attempts limited per account. */
export const BACKUP_TOKEN_LENGTH = 12;
export const BACKUP_TOKEN_GROUP_LENGTH = 4;

export function randomBytes(length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0)
    throw new RangeError('randomBytes: length must be a non-negative integer');
  const bytes = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += MAX_RANDOM_BYTES_PER_CALL) {
    crypto.getRandomValues(bytes.subarray(offset, Math.min(offset + MAX_RANDOM_BYTES_PER_CALL, length)));
  }
  return bytes;
}

/**
 * A uniformly random string of `digits` decimal digits (leading zeros kept). Bytes ≥ 250 are rejected
 * and redrawn: `byte % 10` over all 256 values would favour 0–5.
 */
export function generateNumericCode(digits: number): string {
  if (!Number.isInteger(digits) || digits < 1 || digits > 64)
    throw new RangeError('generateNumericCode: digits must be 1–64');
  let code = '';
  while (code.length < digits) {
    for (const byte of randomBytes(digits - code.length + 4)) {
      if (byte < 250 && code.length < digits) code += String(byte % 10);
    }
  }
  return code;
}

function groupBackupToken(compact: string): string {
  const groups: string[] = [];
  for (let index = 0; index < compact.length; index += BACKUP_TOKEN_GROUP_LENGTH) {
    groups.push(compact.slice(index, index + BACKUP_TOKEN_GROUP_LENGTH));
  }
  return groups.join('-');
}

/** A backup token like `7K3M-Q9XD-2HVB`: 60 random bits in Crockford base32, grouped for reading. */
export function generateBackupToken(): string {
  let compact = '';
  // 256 is a multiple of 32, so the low 5 bits of a random byte are uniform: no rejection needed.
  for (const byte of randomBytes(BACKUP_TOKEN_LENGTH)) compact += BACKUP_TOKEN_ALPHABET.charAt(byte & 31);
  return groupBackupToken(compact);
}

/**
 * The canonical form (the same `XXXX-XXXX-XXXX` that generateBackupToken returns) of what a user typed:
 * case, spaces and dashes are ignored and Crockford look-alikes are mapped (O→0, I/L→1). Null when the
 * input cannot be a backup token, so callers can refuse it before any hashing or database work.
 */
export function normalizeBackupToken(input: string): string | null {
  if (input.length > 64) return null;
  const compact = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (compact.length !== BACKUP_TOKEN_LENGTH) return null;
  for (const character of compact) if (!BACKUP_TOKEN_ALPHABET.includes(character)) return null;
  return groupBackupToken(compact);
}
