// A second-factor code may come in the body (preferred) or the query string (the original contract). Two
// different codes in one request are refused rather than guessed between: one request, one attempt.
import { problems } from '../../http/problem';

export function chooseSubmittedCode(
  field: string,
  sources: { query: string | undefined; body: string | undefined },
): string {
  const { query, body } = sources;
  if (query !== undefined && body !== undefined && query !== body) {
    throw problems.validation([
      { field, message: 'Sent in both the query string and the body with different values; send it once' },
    ]);
  }
  const code = body ?? query;
  if (code === undefined) {
    throw problems.validation([{ field, message: 'Required, in the body (preferred) or the query string' }]);
  }
  return code;
}
