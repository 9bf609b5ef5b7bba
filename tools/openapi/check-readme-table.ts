// Checks that the README's endpoint table and the OpenAPI document list the same operations (method, path,
// operationId). Part of `npm run openapi:lint`; reads the document dumped to client/openapi.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');
const API_PREFIX = '/api/v1';

type Document = { paths: Record<string, Record<string, { operationId?: string }>> };

export function readmeOperations(markdown: string): Set<string> {
  const rows = new Set<string>();
  for (const match of markdown.matchAll(
    /^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`?]+)[^`]*`( \(absolute\))? \| `(\w+)` \|/gm,
  )) {
    const [, method, path, absolute, operationId] = match;
    rows.add(`${method} ${absolute ? path : `${API_PREFIX}${path}`} ${operationId}`);
  }
  return rows;
}

export function documentOperations(document: Document): Set<string> {
  const rows = new Set<string>();
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      rows.add(`${method.toUpperCase()} ${path} ${operation.operationId ?? '(none)'}`);
    }
  }
  return rows;
}

if (import.meta.main) {
  const inReadme = readmeOperations(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  const inDocument = documentOperations(
    JSON.parse(readFileSync(join(ROOT, 'client/openapi.json'), 'utf8')) as Document,
  );
  const missing = [...inDocument].filter((row) => !inReadme.has(row));
  const extra = [...inReadme].filter((row) => !inDocument.has(row));
  for (const row of missing) console.error(`README endpoint table lacks: ${row}`);
  for (const row of extra) console.error(`README endpoint table lists what the document does not: ${row}`);
  if (missing.length + extra.length > 0) process.exit(1);
  console.log(`README endpoint table matches the document (${inDocument.size} operations)`);
}
