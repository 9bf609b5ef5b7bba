import type { AppRouteHandler } from '../../app-env';
import { listUsersForAdmin } from '../../db/queries/users';
import { problems } from '../../http/problem';
import { toUserDTO } from './user-dto';
import type { listUsersRoute } from './users.routes';

export const listUsers: AppRouteHandler<typeof listUsersRoute> = async (c) => {
  const deps = c.get('deps');
  const page = c.req.valid('query');
  const result = await listUsersForAdmin(
    deps.db,
    c.get('principal').userId,
    [...deps.config.adminEmails],
    page,
  );
  if (!result.callerIsAdmin) throw problems.adminOnly();
  return c.json(result.users.map(toUserDTO), 200);
};
