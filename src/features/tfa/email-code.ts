import type { Deps } from '../../app-env';
import { hashSecretToken } from '../../crypto/hmac';
import { generateNumericCode } from '../../crypto/random';

export const EMAIL_CODE_DIGITS = 6;
const EMAIL_CODE_PURPOSE = 'email-code';

// A fresh random code per login challenge (not a TOTP of a shared secret): it is stored only as a keyed
// hash on the challenge, dies with it (≤ 5 minutes, inside the 10 the design allows) and is single use.
export async function issueEmailLoginCode(
  deps: Pick<Deps, 'secrets'>,
): Promise<{ code: string; hash: string }> {
  const code = generateNumericCode(EMAIL_CODE_DIGITS);
  return { code, hash: await hashEmailCode(deps.secrets.tokenHashKey, code) };
}

export function hashEmailCode(key: CryptoKey, code: string): Promise<string> {
  return hashSecretToken(key, EMAIL_CODE_PURPOSE, code);
}
