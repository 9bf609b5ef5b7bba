// The OpenAPI 3.1 document and Swagger UI. The OAuth2 password scheme makes Swagger's Authorize button log
// in through the form login route, as the original FastAPI service did.
import { swaggerUI } from '@hono/swagger-ui';
import type { App } from '../app-env';

export const OPENAPI_PATH = '/api/v1/openapi.json';
export const BEARER_SECURITY = [{ OAuth2PasswordBearer: [] }];
// Pinned so the UI cannot change under the service.
export const SWAGGER_UI_VERSION = '5.32.0';

export function registerDocs(app: App): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'OAuth2PasswordBearer', {
    type: 'oauth2',
    description:
      'Log in with your email as the username. Accounts with two-factor authentication get a pre-TFA token here; finish with /api/v1/tfa/login_tfa.',
    flows: { password: { tokenUrl: '/api/v1/auth/login', scopes: {} } },
  });
  app.doc31(OPENAPI_PATH, {
    openapi: '3.1.0',
    info: {
      title: 'edge-2fa',
      version: '1.0.0',
      description:
        'Authentication with optional two-factor authentication (authenticator app or email), on one Cloudflare Worker. Errors are RFC 9457 problem details with a human `detail` and a machine `code`.',
    },
    tags: [
      { name: 'auth', description: 'Sign up, log in, tokens' },
      { name: 'tfa', description: 'Two-factor authentication' },
      { name: 'users', description: 'Administration' },
      { name: 'tasks', description: 'Email tasks' },
      { name: 'health', description: 'Liveness' },
    ],
  });
  app.get('/docs', swaggerUI({ url: OPENAPI_PATH, version: SWAGGER_UI_VERSION, persistAuthorization: true }));
}
