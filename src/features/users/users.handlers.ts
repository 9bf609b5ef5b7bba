import type { AppRouteHandler } from '../../app-env';
import { toUserDTO } from './user-dto';
import type { listUsersRoute } from './users.routes';
import { listUsers as listUsersForCaller } from './users.service';

export const listUsers: AppRouteHandler<typeof listUsersRoute> = async (c) => {
  const users = await listUsersForCaller(c.get('deps'), c.get('principal').userId, c.req.valid('query'));
  return c.json(users.map(toUserDTO), 200);
};
