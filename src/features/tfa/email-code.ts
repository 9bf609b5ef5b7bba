import type { Deps } from '../../app-env';
import { hashUnderCurrentKey, hashUnderKey, type KeyedHash, type TokenHashKeyring } from '../../crypto/hmac';
import { generateNumericCode } from '../../crypto/random';

export const EMAIL_CODE_DIGITS = 6;
const EMAIL_CODE_PURPOSE = 'email-code';

// A fresh random code per login challenge (not a TOTP of a shared secret): it is stored only as a keyed
// hash on the challenge, dies with it (≤ 5 minutes, inside the 10 the design allows) and is single use.
export async function issueEmailLoginCode(
  deps: Pick<Deps, 'secrets'>,
): Promise<{ code: string; hash: KeyedHash }> {
  const code = generateNumericCode(EMAIL_CODE_DIGITS);
  return { code, hash: await hashUnderCurrentKey(deps.secrets.tokenHashKeys, EMAIL_CODE_PURPOSE, code) };
}

/** The presented code's hash under the key that made the stored one (undefined if that key was retired). */
export function hashEmailCode(
  keyring: TokenHashKeyring,
  kid: string,
  code: string,
): Promise<string | undefined> {
  return hashUnderKey(keyring, kid, EMAIL_CODE_PURPOSE, code);
}
