import type { App } from '../../app-env';
import * as handlers from './auth.handlers';
import * as routes from './auth.routes';

export function registerAuthRoutes(app: App): void {
  app
    .openapi(routes.signupRoute, handlers.signup)
    .openapi(routes.loginRoute, handlers.login)
    .openapi(routes.testTokenRoute, handlers.testToken)
    .openapi(routes.refreshRoute, handlers.refresh)
    .openapi(routes.logoutRoute, handlers.logout)
    .openapi(routes.logoutAllRoute, handlers.logoutAll);
}
