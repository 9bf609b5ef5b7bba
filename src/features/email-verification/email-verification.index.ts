import type { App } from '../../app-env';
import { resendVerificationHandler, verifyEmailHandler } from './email-verification.handlers';
import { resendVerificationRoute, verifyEmailRoute } from './email-verification.routes';

export function registerEmailVerificationRoutes(app: App): void {
  app
    .openapi(verifyEmailRoute, verifyEmailHandler)
    .openapi(resendVerificationRoute, resendVerificationHandler);
}
