// Shared OpenAPI response entries: every error is an RFC 9457 problem.
import { z } from '@hono/zod-openapi';
import { MAX_BODY_BYTES } from './middleware/body-limit';
import { PROBLEM_CONTENT_TYPE } from './problem';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details; `code` is stable, `detail` is for people' });

export function problemResponse(description: string) {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } } };
}

export const COMMON_ERRORS = {
  422: problemResponse('Invalid or missing fields'),
  429: problemResponse('Too many attempts; see Retry-After'),
  503: problemResponse('A dependency is unavailable; retry after Retry-After'),
} as const;

export const AUTH_ERRORS = {
  401: problemResponse('Missing, invalid or expired token'),
} as const;

// Every operation that takes a body: the limit is enforced before anything parses it (middleware/body-limit).
export const BODY_ERRORS = {
  413: problemResponse(`The body is larger than ${MAX_BODY_BYTES / 1024} KiB`),
} as const;
