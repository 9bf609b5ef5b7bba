// The error side of the OpenAPI document, built from the problem catalogue (problem.ts) that the handlers and
// middleware throw from, so the document cannot name a status the code never answers or miss one it does:
// a route lists the problems it can throw, and each status's response is derived from them.
import { z } from '@hono/zod-openapi';
import { MAX_BODY_BYTES } from './middleware/body-limit';
import { PROBLEM_CONTENT_TYPE, type ProblemError, problems } from './problem';

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'urn:edge-2fa:problem:validation_failed' }),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string().min(1).openapi({ description: 'For people; FastAPI clients read it' }),
    code: z.string().min(1).openapi({ description: 'Stable, for programs' }),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'The failing fields of a 422' }),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details; `code` is stable, `detail` is for people' });

type HeaderDoc = { description: string; schema: { type: 'string' | 'integer'; minimum?: number } };

// Response headers the catalogue's problems carry, under their canonical names.
const PROBLEM_HEADERS: Record<string, [name: string, doc: HeaderDoc]> = {
  'retry-after': [
    'Retry-After',
    {
      description: 'Seconds to wait before retrying (RFC 9110 §10.2.3)',
      schema: { type: 'integer', minimum: 1 },
    },
  ],
  'www-authenticate': [
    'WWW-Authenticate',
    {
      description: 'The Bearer challenge and why the token failed (RFC 6750 §3)',
      schema: { type: 'string' },
    },
  ],
  ratelimit: [
    'RateLimit',
    { description: 'Remaining quota (draft-ietf-httpapi-ratelimit-headers)', schema: { type: 'string' } },
  ],
  'ratelimit-policy': [
    'RateLimit-Policy',
    { description: 'The quota policy (draft-ietf-httpapi-ratelimit-headers)', schema: { type: 'string' } },
  ],
};

function headerDoc(lowerCaseName: string): [string, HeaderDoc] {
  return PROBLEM_HEADERS[lowerCaseName] ?? [lowerCaseName, { description: '', schema: { type: 'string' } }];
}

export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 500 | 503;

type ProblemResponse = {
  description: string;
  headers?: Record<string, HeaderDoc>;
  content: { [PROBLEM_CONTENT_TYPE]: { schema: typeof ProblemSchema } };
};

export type ProblemResponses = Partial<Record<ErrorStatus, ProblemResponse>>;

/** One response per status, naming every code (and its detail) that a status stands for here. */
export function problemResponses(
  ...thrown: readonly (ProblemError | readonly ProblemError[])[]
): ProblemResponses {
  const byStatus = new Map<number, Map<string, ProblemError>>();
  for (const problem of thrown.flat()) {
    const codes = byStatus.get(problem.status) ?? new Map<string, ProblemError>();
    if (!codes.has(problem.code)) codes.set(problem.code, problem);
    byStatus.set(problem.status, codes);
  }
  const responses: ProblemResponses = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const listed = [...codes.values()];
    const headers = Object.fromEntries(
      [...new Set(listed.flatMap((problem) => Object.keys(problem.headers)))].sort().map(headerDoc),
    );
    responses[status as ErrorStatus] = {
      description: listed.map((problem) => `\`${problem.code}\`: ${problem.detail}`).join(' · '),
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
    };
  }
  return responses;
}

// The catalogue of common responses: what every operation of a kind can answer whatever its handler does.
// Adding a problem here declares it on every such operation at once.
export const COMMON_PROBLEMS = {
  /** Every operation: a bug, or the operator's missing secrets. */
  every: [problems.internal(), problems.misconfigured()],
  /** Operations that read or write the database. */
  database: [problems.databaseUnavailable()],
  /** Operations that queue an email and answer only once it is queued. */
  email: [problems.queueUnavailable()],
  /** Operations with query parameters. */
  query: [problems.validation([])],
  /** Operations that hand client text to the database: text Postgres cannot store (a NUL the schemas
   *  missed) is the client's 400, never a 500 (errors.ts). */
  storedText: [problems.invalidText()],
  /** Operations with a request body (JSON, or the login form). */
  body: [
    problems.malformedBody('The request body could not be parsed.'),
    // Enforced before anything parses the body (middleware/body-limit).
    problems.bodyTooLarge(MAX_BODY_BYTES),
    problems.unsupportedMediaType(),
    problems.validation([]),
  ],
} as const;
