// The text rules every request schema builds on, in one place so no route re-types them (DESIGN: "Inputs are
// text, not markup or control"). Each piece is a plain zod string, so callers chain their own length limits.
import { z } from '@hono/zod-openapi';

export const NUL_MESSAGE = 'Must not contain a NUL character';
export const CONTROL_CHARACTER_MESSAGE =
  'Must not contain control or format characters (line breaks, tabs, NUL, bidirectional or zero-width marks)';

// Unicode Cc (C0/C1 controls: NUL, CR, LF, TAB, NEL…), Cf (format: bidi overrides, zero-width joiners and
// spaces, BOM, soft hyphen) and the line/paragraph separators U+2028/2029, which break lines in emails,
// logs and JavaScript strings alike.
const CONTROL_OR_FORMAT_CHARACTER = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

/**
 * Any text a client sends (body, form or query): no NUL. Postgres `text` cannot hold U+0000 (SQLSTATE
 * 22021), and no field of this API has a use for it; refusing it here makes it a 422 on the field.
 */
export function plainText() {
  return z.string().refine((value) => !value.includes('\u0000'), { message: NUL_MESSAGE });
}

/**
 * Free text a user sets and others see (a name printed in emails, listings, logs): one line of printable
 * characters. Checked before trimming, so a trailing newline is refused rather than silently cut off.
 */
export function displayText(maxLength: number) {
  return z
    .string()
    .refine((value) => !CONTROL_OR_FORMAT_CHARACTER.test(value), { message: CONTROL_CHARACTER_MESSAGE })
    .trim()
    .min(1, 'Must not be empty')
    .max(maxLength, `Must be at most ${maxLength} characters`);
}
