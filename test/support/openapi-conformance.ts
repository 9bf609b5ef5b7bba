// Response conformance: every response the Worker gives a test is checked against the OpenAPI document it
// serves, so the document and the code cannot drift apart unnoticed. For the operation the request names
// (method + path template), the status must be declared, the Content-Type must be one declared for that
// status, and the body must be valid against its schema under a real JSON Schema 2020-12 validator (ajv's
// 2020 build with ajv-formats). A request that names no operation must get a 404 or 405 problem (405 with
// Allow). ajv compiles validators with `new Function`: the workers pool's test isolate allows that (the
// Worker's own bundle never contains ajv).
import { exports } from 'cloudflare:workers';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

type MediaType = { schema?: unknown };
type ResponseObject = { content?: Record<string, MediaType>; headers?: Record<string, unknown> };
type Operation = { operationId?: string; responses: Record<string, ResponseObject> };
export type OpenAPIDocument = {
  openapi: string;
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

const DOCUMENT_URL = 'http://edge-2fa.test/api/v1/openapi.json';
const DEFS_ID = 'urn:edge-2fa:openapi-components';

type Contract = {
  document: OpenAPIDocument;
  ajv: Ajv2020;
  operations: { pattern: RegExp; template: string; methods: Record<string, Operation> }[];
  validators: Map<string, ValidateFunction>;
};

let contract: Promise<Contract> | undefined;

// Component references point into the document; the validator gets the components as one schema of $defs.
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        key === '$ref' && typeof inner === 'string' && inner.startsWith('#/components/schemas/')
          ? `${DEFS_ID}#/$defs/${inner.slice('#/components/schemas/'.length)}`
          : rewriteRefs(inner),
      ]),
    );
  }
  return value;
}

async function loadContract(): Promise<Contract> {
  // Straight to the Worker, not through call(): the document is what the checks are made against.
  const response = await exports.default.fetch(new Request(DOCUMENT_URL));
  if (response.status !== 200) throw new Error(`GET /api/v1/openapi.json answered ${response.status}`);
  const document = (await response.json()) as OpenAPIDocument;
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  // OpenAPI's annotation keyword (OpenAPI 3.1 §4.8.24): no effect on validation.
  ajv.addKeyword('example');
  ajv.addSchema({ $id: DEFS_ID, $defs: rewriteRefs(document.components.schemas) as object });
  const operations = Object.entries(document.paths).map(([template, methods]) => ({
    template,
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    methods,
  }));
  return { document, ajv, operations, validators: new Map() };
}

export function openAPIContract(): Promise<Contract> {
  contract ??= loadContract();
  return contract;
}

export async function openAPIDocument(): Promise<OpenAPIDocument> {
  return (await openAPIContract()).document;
}

/** A validator for any schema of the document, e.g. `{ $ref: '#/components/schemas/SignupRequest' }`. */
export async function documentSchemaValidator(schema: unknown): Promise<ValidateFunction> {
  const { ajv, validators } = await openAPIContract();
  const key = JSON.stringify(schema);
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(rewriteRefs(schema) as object);
    validators.set(key, validate);
  }
  return validate;
}

function mediaTypeOf(contentType: string | null): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

function isJSONMediaType(mediaType: string): boolean {
  return /^application\/(?:[\w.-]+\+)?json$/.test(mediaType);
}

/** Throws, naming the operation and what disagrees, when the response is not one the document declares. */
export async function assertResponseConforms(request: Request, response: Response): Promise<void> {
  const { operations, ajv } = await openAPIContract();
  const url = new URL(request.url);
  const method = request.method.toLowerCase();
  const where = `${request.method} ${url.pathname} → ${response.status}`;
  const path = operations.find((entry) => entry.pattern.test(url.pathname));
  // Hono answers HEAD with the GET handler, without the body.
  const operation = path?.methods[method] ?? (method === 'head' ? path?.methods.get : undefined);
  const mediaType = mediaTypeOf(response.headers.get('content-type'));
  const bodyText = await response.text();

  if (!operation) {
    // Served beside the document: the document itself and Swagger UI.
    const isDocs = url.pathname === '/api/v1/openapi.json' || url.pathname.startsWith('/docs');
    if (isDocs && response.status < 400) return;
    // Otherwise the only answers are "no such path" (404) and "not this method here" (405 with Allow).
    if (response.status === 405 && !response.headers.get('allow'))
      throw new Error(`${where}: no Allow header`);
    if (response.status === 404 && path) throw new Error(`${where}: 404 for a path of the document`);
    if (response.status !== 404 && response.status !== 405) {
      throw new Error(`${where}: ${request.method} ${url.pathname} is no operation of the document`);
    }
    const validate = await documentSchemaValidator({ $ref: '#/components/schemas/Problem' });
    if (mediaType !== 'application/problem+json' || !validate(JSON.parse(bodyText))) {
      throw new Error(`${where}: not an RFC 9457 problem: ${bodyText.slice(0, 200)}`);
    }
    return;
  }

  const label = `${where} (${operation.operationId ?? 'no operationId'})`;
  const declared =
    operation.responses[String(response.status)] ??
    operation.responses[`${String(response.status)[0]}XX`] ??
    operation.responses.default;
  if (!declared) {
    throw new Error(
      `${label}: status ${response.status} is not declared (declared: ${Object.keys(operation.responses).join(', ')}); body: ${bodyText.slice(0, 200)}`,
    );
  }
  const content = declared.content ?? {};
  if (Object.keys(content).length === 0 || method === 'head') {
    if (bodyText.length > 0 && method !== 'head') throw new Error(`${label}: a body where none is declared`);
    return;
  }
  if (!mediaType || !content[mediaType]) {
    throw new Error(
      `${label}: Content-Type ${mediaType ?? '(none)'} is not declared (declared: ${Object.keys(content).join(', ')})`,
    );
  }
  const schema = content[mediaType]?.schema;
  if (schema === undefined) return;
  let body: unknown = bodyText;
  if (isJSONMediaType(mediaType)) {
    try {
      body = JSON.parse(bodyText);
    } catch {
      throw new Error(`${label}: ${mediaType} body is not JSON: ${bodyText.slice(0, 200)}`);
    }
  }
  const validate = await documentSchemaValidator(schema);
  if (!validate(body)) {
    throw new Error(
      `${label}: body does not match its schema: ${ajv.errorsText(validate.errors)}; body: ${bodyText.slice(0, 300)}`,
    );
  }
}
