import type { App } from '../../app-env';
import { listUsers } from './users.handlers';
import { listUsersRoute } from './users.routes';

export function registerUsersRoutes(app: App): void {
  app.openapi(listUsersRoute, listUsers);
}
