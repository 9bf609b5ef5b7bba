// Builds the application: middleware, feature routers, the OpenAPI document, Swagger UI and the
// catch-alls that keep every error an RFC 9457 problem.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { App, AppEnv } from './app-env';
import { registerAccountRoutes } from './features/account/account.index';
import { registerAdminRoutes } from './features/admin/admin.index';
import { registerAuthRoutes } from './features/auth/auth.index';
import { registerEmailVerificationRoutes } from './features/email-verification/email-verification.index';
import { HEALTH_PATH, registerHealthRoutes } from './features/health/health.index';
import { JWKS_PATH, registerKeysRoutes } from './features/keys/keys.index';
import { registerTasksRoutes } from './features/tasks/tasks.index';
import { registerTFARoutes } from './features/tfa/tfa.index';
import { registerUsersRoutes } from './features/users/users.index';
import { handleError } from './http/errors';
import { answerUnmatched } from './http/method-not-allowed';
import { limitBodySize } from './http/middleware/body-limit';
import { preventCachingExcept } from './http/middleware/cache-control';
import { provideDeps } from './http/middleware/deps';
import { requestIdAndAccessLog } from './http/middleware/request-id';
import { DOCS_PATH, OPENAPI_PATH, registerDocs } from './http/openapi';
import { validationHook } from './http/validation';

export const API_PREFIX = '/api/v1';

// The only responses a cache may keep: they carry no personal data and no secret. The JWKS sets its own
// max-age; Swagger UI's files are static assets, served before the Worker runs.
export const CACHEABLE_PATHS = [HEALTH_PATH, JWKS_PATH, OPENAPI_PATH, DOCS_PATH] as const;

export function createRouter(): App {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}

export function createApp(): App {
  const app = createRouter();
  app.use('*', requestIdAndAccessLog);
  app.use('*', preventCachingExcept(CACHEABLE_PATHS));
  // Before any route middleware, so no rate limiter or validator reads a body over the limit.
  app.use('*', limitBodySize);
  registerDocs(app);
  app.use(`${API_PREFIX}/*`, provideDeps);
  registerHealthRoutes(app);
  registerKeysRoutes(app);
  const api = createRouter();
  registerAuthRoutes(api);
  registerTFARoutes(api);
  registerAccountRoutes(api);
  registerEmailVerificationRoutes(api);
  registerUsersRoutes(api);
  registerAdminRoutes(api);
  registerTasksRoutes(api);
  app.route(API_PREFIX, api);
  app.notFound(answerUnmatched(app));
  app.onError(handleError);
  return app;
}
