import type { App } from '../../app-env';
import * as handlers from './admin.handlers';
import * as routes from './admin.routes';

export function registerAdminRoutes(app: App): void {
  app
    .openapi(routes.listUsersRoute, handlers.listUsersHandler)
    .openapi(routes.getUserRoute, handlers.getUserHandler)
    .openapi(routes.unlockUserRoute, handlers.unlockUserHandler)
    .openapi(routes.resetTFARoute, handlers.resetTFAHandler)
    .openapi(routes.revokeSessionsRoute, handlers.revokeSessionsHandler)
    .openapi(routes.deleteUserRoute, handlers.deleteUserHandler);
}
