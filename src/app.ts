// Builds the application: middleware, feature routers, the OpenAPI document, Swagger UI and the
// catch-alls that keep every error an RFC 9457 problem.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { App, AppEnv } from './app-env';
import { registerAccountRoutes } from './features/account/account.index';
import { registerAuthRoutes } from './features/auth/auth.index';
import { registerHealthRoutes } from './features/health/health.index';
import { registerKeysRoutes } from './features/keys/keys.index';
import { registerTasksRoutes } from './features/tasks/tasks.index';
import { registerTFARoutes } from './features/tfa/tfa.index';
import { registerUsersRoutes } from './features/users/users.index';
import { handleError } from './http/errors';
import { answerUnmatched } from './http/method-not-allowed';
import { provideDeps } from './http/middleware/deps';
import { requestIdAndAccessLog } from './http/middleware/request-id';
import { registerDocs } from './http/openapi';
import { validationHook } from './http/validation';

export const API_PREFIX = '/api/v1';

export function createRouter(): App {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}

export function createApp(): App {
  const app = createRouter();
  app.use('*', requestIdAndAccessLog);
  registerDocs(app);
  app.use(`${API_PREFIX}/*`, provideDeps);
  registerHealthRoutes(app);
  registerKeysRoutes(app);
  const api = createRouter();
  registerAuthRoutes(api);
  registerTFARoutes(api);
  registerAccountRoutes(api);
  registerUsersRoutes(api);
  registerTasksRoutes(api);
  app.route(API_PREFIX, api);
  app.notFound(answerUnmatched(app));
  app.onError(handleError);
  return app;
}
