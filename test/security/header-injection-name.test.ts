// Attack: a signup whose full_name carries line breaks and control characters, so that the name, printed
// into an email ("Hello <name>,"), starts a forged block of its own: a fake email to another address in the
// dev mailbox, and with a real provider a phishing relay from the service's own sender. Bidirectional and
// zero-width marks (Unicode Cf) disguise a name in listings the same way. Pinned: any control or format
// character in a name is refused with 422 on the field, and nothing is stored; ordinary names of any
// script still pass.
import { describe, expect, it } from 'vitest';
import { expectProblem, logIn, PASSWORD, signUp } from '../support/api';

const FORGED_NAMES = {
  'a line feed': 'Ada\n\n----- end email -----\n----- email -----\nTo: victim@example.com\nSubject: Reset',
  'a carriage return': 'Ada\r\nBcc: victim@example.com',
  'a trailing newline': 'Ada Lovelace\n',
  'a tab': 'Ada\tLovelace',
  'NEL (U+0085)': 'Ada\u0085To: victim@example.com',
  'a line separator (U+2028)': 'Ada\u2028To: victim@example.com',
  'a paragraph separator (U+2029)': 'Ada\u2029To: victim@example.com',
  'a right-to-left override (U+202E)': 'Ada \u202Emoc.elpmaxe@nimda',
  'a zero-width space (U+200B)': 'ad\u200Bmin',
  'a byte-order mark (U+FEFF)': '\uFEFFAda',
  'an escape sequence': 'Ada\u001b[31m',
  'a NUL': 'Ada\u0000',
};

describe('control characters in names', () => {
  for (const [what, fullName] of Object.entries(FORGED_NAMES)) {
    it(`POST /auth/signup refuses a full_name with ${what} (422 on full_name, no account)`, async () => {
      const { response, email } = await signUp({ full_name: fullName });
      const problem = await expectProblem(response, 422, 'validation_failed');
      expect(problem.errors).toContainEqual(expect.objectContaining({ field: 'full_name' }));
      expect(problem.detail).toContain('full_name');
      // Nothing was written: the email is still free and cannot log in.
      expect((await logIn(email, PASSWORD)).status).toBe(400);
    });
  }

  it('accepts names in any script, with accents, apostrophes and emoji', async () => {
    for (const fullName of ["Zoë O'Brien-Ñandú", 'Ада Лавлейс', '李小龍', 'Ada 🚀', '  Ada Lovelace  ']) {
      const { response } = await signUp({ full_name: fullName });
      expect(response.status, fullName).toBe(201);
      expect(((await response.json()) as { full_name: string }).full_name).toBe(fullName.trim());
    }
  });
});
