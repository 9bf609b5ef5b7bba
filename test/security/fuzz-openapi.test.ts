// Attack: malformed, oversized, mistyped and unexpected input on every operation, the way a scanner or a
// buggy client sends it. Pinned: property-based requests generated from the OpenAPI document, thousands
// per run, never get a 5xx, and every error is an RFC 9457 problem with a human detail.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { call } from '../support/api';

type Operation = {
  method: string;
  path: string;
  queryNames: string[];
  bodyFields: string[];
  bodyType: string | null;
};

type OpenAPIDocument = {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { name: string; in: string }[];
        requestBody?: {
          content: Record<string, { schema?: { properties?: Record<string, unknown>; $ref?: string } }>;
        };
      }
    >
  >;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
};

async function loadOperations(): Promise<Operation[]> {
  const doc = (await (await call('/api/v1/openapi.json')).json()) as OpenAPIDocument;
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const [bodyType, media] = Object.entries(op.requestBody?.content ?? {})[0] ?? [null, undefined];
      const schema = media?.schema?.$ref
        ? doc.components.schemas[media.schema.$ref.split('/').pop() ?? '']
        : media?.schema;
      operations.push({
        method: method.toUpperCase(),
        path,
        queryNames: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        bodyFields: Object.keys(schema?.properties ?? {}),
        bodyType,
      });
    }
  }
  return operations;
}

const anyValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    'ada@example.com',
    'A@B',
    'x'.repeat(5000),
    '\u0000',
    '😀',
    '../../etc/passwd',
    "' or 1=1 --",
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);

const authHeader = fc.oneof(
  fc.constant(undefined),
  fc.constant('Bearer '),
  fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`),
  fc.constantFrom('Basic Og==', 'Bearer a.b.c', 'bearer eyJhbGciOiJub25lIn0.e30.'),
);

function asText(value: unknown): string {
  return value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value);
}

describe('OpenAPI-driven fuzzing', () => {
  it('no input makes any operation answer 5xx or a non-problem error', async () => {
    const operations = await loadOperations();
    expect(operations.length).toBeGreaterThanOrEqual(12);
    const request = fc.record({
      operation: fc.constantFrom(...operations),
      query: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 30 }), { maxKeys: 2 }),
      knownQuery: fc.array(
        fc.tuple(fc.nat(), fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('json', 'svg', '123456'))),
      ),
      bodyValues: fc.array(anyValue, { minLength: 8, maxLength: 8 }),
      dropFields: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
      extraField: fc.option(fc.tuple(fc.string({ maxLength: 10 }), anyValue)),
      rawBody: fc.option(
        fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('{', '[]', 'null', '{"a":', '\u0000')),
      ),
      contentType: fc.option(
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
        ),
      ),
      authorization: authHeader,
    });

    let checked = 0;
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const { operation } = input;
        const params = new URLSearchParams(input.query);
        for (const [i, value] of input.knownQuery) {
          const name = operation.queryNames[i % Math.max(1, operation.queryNames.length)];
          if (name) params.set(name, value);
        }
        const fields: Record<string, unknown> = {};
        operation.bodyFields.forEach((field, i) => {
          if (!input.dropFields[i % 8]) fields[field] = input.bodyValues[i % 8];
        });
        if (input.extraField) fields[input.extraField[0]] = input.extraField[1];
        const contentType = input.contentType ?? operation.bodyType ?? undefined;
        let body: string | undefined;
        if (operation.method !== 'GET') {
          body =
            input.rawBody ??
            (contentType === 'application/x-www-form-urlencoded'
              ? new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, asText(v)])).toString()
              : JSON.stringify(fields));
        }
        const headers: Record<string, string> = {};
        if (contentType && body !== undefined) headers['content-type'] = contentType;
        if (input.authorization) headers.authorization = input.authorization;
        const path = operation.path.replace(/\{[^}]+\}/g, 'x');
        const query = params.toString();
        const response = await call(`${path}${query ? `?${query}` : ''}`, {
          method: operation.method,
          headers,
          body,
        });
        checked++;
        expect(response.status, `${operation.method} ${path}`).toBeLessThan(500);
        if (response.status >= 400) {
          expect(response.headers.get('content-type')).toContain('application/problem+json');
          const problem = (await response.json()) as { detail: unknown; code: unknown; status: unknown };
          expect(typeof problem.detail).toBe('string');
          expect(typeof problem.code).toBe('string');
          expect(problem.status).toBe(response.status);
        } else {
          await response.arrayBuffer();
        }
      }),
      // A new seed every run (fast-check prints it with any counterexample, to replay it).
      { numRuns: 3000 },
    );
    expect(checked).toBe(3000);
  }, 600_000);
});
