import { encodeBase64, encodeUTF8 } from '../../src/crypto/encoding';
import { PBKDF2_SALT_BYTES } from '../../src/crypto/password';

/** A hash in the stored format with chosen parameters, for hashes written by an older configuration. */
export async function hashWithIterations(password: string, iterations: number): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(PBKDF2_SALT_BYTES));
  const baseKey = await crypto.subtle.importKey('raw', encodeUTF8(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    baseKey,
    256,
  );
  return `$pbkdf2-sha256$i=${iterations}$${encodeBase64(salt, { pad: false })}$${encodeBase64(new Uint8Array(bits), { pad: false })}`;
}
