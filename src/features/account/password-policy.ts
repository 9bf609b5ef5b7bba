// The rule every new password follows, at signup, reset and change (ASVS 5.0 6.2.1, 6.2.4, 6.2.9): 8 to 256
// characters, not a commonly used password, and no composition rules.
//
// It imports nothing from the auth feature, so auth.schemas.ts can import it (for signup) without an import
// cycle; the length limits live here for that reason.
import { z } from '@hono/zod-openapi';
import { isCommonPassword } from './common-passwords';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

export const COMMON_PASSWORD_MESSAGE = 'This password is too common; choose a less guessable one';

export const NewPasswordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `Must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `Must be at most ${PASSWORD_MAX_LENGTH} characters`)
  .refine((password) => !isCommonPassword(password), { message: COMMON_PASSWORD_MESSAGE })
  .openapi({
    description: `${PASSWORD_MIN_LENGTH}–${PASSWORD_MAX_LENGTH} characters, not a commonly used password`,
    example: 'correct horse battery staple',
  });
