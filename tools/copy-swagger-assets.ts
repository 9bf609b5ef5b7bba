// Fills .assets/ (wrangler.toml [assets], git-ignored) with the two Swagger UI files /docs links, copied
// from the installed swagger-ui-dist, so the docs never load anything from a CDN. Static assets are served
// by Cloudflare before the Worker runs and do not count toward the Worker's size budget, which the 1.4 MB
// bundle would blow. Run before `wrangler dev`, `wrangler deploy` and the tests: `node tools/copy-swagger-assets.ts`.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ASSETS_DIR = join(ROOT, '.assets');
// The Worker decides the URLs (and so where the files must land); read them rather than repeat them.
const OPENAPI_MODULE = join(ROOT, 'src/http/openapi.ts');
// Only what @hono/swagger-ui's page links: the standalone preset, source maps and the demo index.html
// (which would shadow GET /) stay out.
const FILES = ['swagger-ui.css', 'swagger-ui-bundle.js'];
// The asset URL carries the version, so a new release is a new URL and browsers may keep these forever.
const HEADERS_FILE = (urlPath: string) =>
  [
    `${urlPath}/*`,
    '  Cache-Control: public, max-age=31536000, immutable',
    '  X-Content-Type-Options: nosniff',
    '',
  ].join('\n');

function readStringConstant(source: string, name: string): string {
  const match = source.match(new RegExp(`export const ${name} = '([^']+)'`));
  if (!match?.[1]) throw new Error(`${OPENAPI_MODULE} no longer exports ${name} as a string literal`);
  return match[1];
}

export function copySwaggerAssets(): string {
  const openapiSource = readFileSync(OPENAPI_MODULE, 'utf8');
  const pinnedVersion = readStringConstant(openapiSource, 'SWAGGER_UI_VERSION');
  const assetsPath = readStringConstant(openapiSource, 'SWAGGER_ASSETS_PATH');

  const packageJSONPath = createRequire(import.meta.url).resolve('swagger-ui-dist/package.json');
  const { version: installedVersion } = JSON.parse(readFileSync(packageJSONPath, 'utf8')) as {
    version: string;
  };
  // A mismatch would serve /docs with links to files that are not there: fail here, loudly, instead.
  if (installedVersion !== pinnedVersion) {
    throw new Error(
      `swagger-ui-dist ${installedVersion} is installed but src/http/openapi.ts pins SWAGGER_UI_VERSION = '${pinnedVersion}'; make them equal`,
    );
  }

  // The layout src/http/openapi.ts gives @hono/swagger-ui: baseUrl `${assetsPath}/${version}`, to which it
  // appends `/swagger-ui-dist/<file>`.
  const urlPath = `${assetsPath}/${pinnedVersion}/swagger-ui-dist`;
  const target = join(ASSETS_DIR, urlPath);
  // Start clean so files of an older version never linger in a deploy.
  rmSync(ASSETS_DIR, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const file of FILES) copyFileSync(join(dirname(packageJSONPath), file), join(target, file));
  writeFileSync(join(ASSETS_DIR, '_headers'), HEADERS_FILE(urlPath));
  return urlPath;
}

if (import.meta.main) {
  try {
    const urlPath = copySwaggerAssets();
    console.log(`Swagger UI assets: .assets${urlPath}/{${FILES.join(',')}}`);
  } catch (error) {
    console.error(`copy-swagger-assets failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
