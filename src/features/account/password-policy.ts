// The rule every new password follows, at signup, reset and change (ASVS 5.0 6.2.1, 6.2.4, 6.2.9): 8 to 256
// characters, not a commonly used password, and no composition rules.
//
// It imports nothing from the auth feature, so auth.schemas.ts can import it (for signup) without an import
// cycle; the length limits live here for that reason.
import { normalizePassword } from '../../crypto/password';
import { plainText } from '../../http/input-text';
import { isCommonPassword } from './common-passwords';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

export const COMMON_PASSWORD_MESSAGE = 'This password is too common; choose a less guessable one';

// Lengths and the common-password list apply to the NFKC form, the form that is hashed (NIST 800-63B
// §5.1.1.2): fullwidth "ｐａｓｓｗｏｒｄ" is "password".
export const NewPasswordSchema = plainText()
  .overwrite(normalizePassword)
  .min(PASSWORD_MIN_LENGTH, `Must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `Must be at most ${PASSWORD_MAX_LENGTH} characters`)
  .refine((password) => !isCommonPassword(password), { message: COMMON_PASSWORD_MESSAGE })
  .openapi({
    description: `${PASSWORD_MIN_LENGTH}–${PASSWORD_MAX_LENGTH} characters, not a commonly used password`,
    example: 'correct horse battery staple',
  });

// A password being checked, not chosen: any length the login form accepts. Kept as typed: verifyPassword
// normalises it, and falls back to the raw form for hashes stored before normalisation.
export const CurrentPasswordSchema = plainText().min(1).max(PASSWORD_MAX_LENGTH);
