import type { App } from '../../app-env';
import * as handlers from './tfa.handlers';
import * as routes from './tfa.routes';

export function registerTFARoutes(app: App): void {
  app
    .openapi(routes.loginTFARoute, handlers.loginTFA)
    .openapi(routes.recoverTFARoute, handlers.recoverTFA)
    .openapi(routes.getMyQRCodeRoute, handlers.getMyQRCodeHandler)
    .openapi(routes.enableTFARoute, handlers.enableTFA);
}
