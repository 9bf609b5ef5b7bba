import type { App } from '../../app-env';
import * as handlers from './account.handlers';
import * as routes from './account.routes';

export function registerAccountRoutes(app: App): void {
  app
    .openapi(routes.forgotPasswordRoute, handlers.forgotPassword)
    .openapi(routes.resetPasswordRoute, handlers.resetPasswordHandler)
    .openapi(routes.changePasswordRoute, handlers.changePasswordHandler)
    .openapi(routes.disableTFARoute, handlers.disableTFA)
    .openapi(routes.regenerateBackupTokensRoute, handlers.regenerateBackupTokensHandler)
    .openapi(routes.tfaStatusRoute, handlers.tfaStatus);
}
