import type { App } from '../../app-env';
import * as handlers from './tasks.handlers';
import * as routes from './tasks.routes';

export function registerTasksRoutes(app: App): void {
  app.openapi(routes.testEmailRoute, handlers.testEmail).openapi(routes.taskStatusRoute, handlers.taskStatus);
}
