// The OpenAPI 3.1 document and Swagger UI. The OAuth2 password scheme makes Swagger's Authorize button log
// in through the form login route, as the original FastAPI service did.
import { swaggerUI } from '@hono/swagger-ui';
import type { App } from '../app-env';
import { BEARER_SCHEME } from './openapi-route';

export const OPENAPI_PATH = '/api/v1/openapi.json';
export const DOCS_PATH = '/docs';
// Pinned so the UI cannot change under the service; must equal the installed swagger-ui-dist, whose files
// tools/copy-swagger-assets.ts copies (it checks both constants) into the Workers static assets folder.
export const SWAGGER_UI_VERSION = '5.32.0';
// Served by Workers static assets from our own origin, never a CDN: the docs work offline and no third
// party sees who reads them. Assets are not part of the Worker bundle, so its size budget is untouched.
export const SWAGGER_ASSETS_PATH = '/docs/assets';

// The document's top level; the operations come from the routes. `servers` is relative: the origin that
// serves the document (every path already carries /api/v1).
export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'edge-2fa',
    version: '1.0.0',
    description:
      'Authentication with optional two-factor authentication (authenticator app or email), on one Cloudflare Worker. Errors are RFC 9457 problem details with a human `detail` and a machine `code`. Request bodies are limited to 16 KiB (413); text fields refuse NUL, names refuse control and format characters (422). Every response except `/`, `/docs`, this document and the JWKS is `Cache-Control: no-store`. A method a path does not support answers 405 with an `Allow` header.',
  },
  servers: [{ url: '/', description: 'The origin serving this document' }],
  tags: [
    { name: 'auth', description: 'Sign up, log in, tokens' },
    { name: 'tfa', description: 'Two-factor authentication' },
    { name: 'users', description: 'Administration' },
    { name: 'tasks', description: 'Email tasks' },
    { name: 'health', description: 'Liveness' },
  ],
};

export function registerDocs(app: App): void {
  app.openAPIRegistry.registerComponent('securitySchemes', BEARER_SCHEME, {
    type: 'oauth2',
    description:
      'Log in with your email as the username. Accounts with two-factor authentication get a pre-TFA token here; finish with /api/v1/tfa/login_tfa.',
    flows: { password: { tokenUrl: '/api/v1/auth/login', scopes: {} } },
  });
  app.doc31(OPENAPI_PATH, OPENAPI_DOCUMENT);
  // @hono/swagger-ui links `${baseUrl}/swagger-ui-dist/swagger-ui{.css,-bundle.js}`. The version goes into
  // baseUrl, not its `version` option: that adds an `@`, which the assets server answers with a redirect to
  // `%40`, one more round trip per file. A versioned path lets the files be cached as immutable.
  app.get(
    DOCS_PATH,
    swaggerUI({
      title: 'edge-2fa API',
      url: OPENAPI_PATH,
      baseUrl: `${SWAGGER_ASSETS_PATH}/${SWAGGER_UI_VERSION}`,
      persistAuthorization: true,
    }),
  );
}
