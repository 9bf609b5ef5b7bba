// Writes the Worker's OpenAPI document to a file (default openapi.json), for the linter and the client
// generator: the same document GET /api/v1/openapi.json serves, built from the same app in Node.
// Usage: node tools/openapi/dump.ts [output path]
import './worker-source-hooks.ts';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

type WorkerApp = { getOpenAPI31Document(config: unknown): unknown };

// The Worker's source is checked by the root tsconfig (bundler resolution), not this one: imported by URL.
export async function buildOpenAPIDocument(): Promise<unknown> {
  const app = (await import(new URL('../../src/app.ts', import.meta.url).href)) as {
    createApp(): WorkerApp;
  };
  const docs = (await import(new URL('../../src/http/openapi.ts', import.meta.url).href)) as {
    OPENAPI_DOCUMENT: unknown;
  };
  return app.createApp().getOpenAPI31Document(docs.OPENAPI_DOCUMENT);
}

if (import.meta.main) {
  const output = resolve(process.argv[2] ?? 'openapi.json');
  writeFileSync(output, `${JSON.stringify(await buildOpenAPIDocument(), null, 2)}\n`);
  console.log(`wrote ${output}`);
}
