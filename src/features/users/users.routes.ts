import { z } from '@hono/zod-openapi';
import { requireAccessToken } from '../../http/middleware/auth';
import { defineRoute } from '../../http/openapi-route';
import { problems } from '../../http/problem';
import { queryInteger } from '../../http/validation';
import { UserSchema } from '../auth/auth.schemas';

export const listUsersRoute = defineRoute({
  operationId: 'listUsers',
  method: 'get',
  path: '/users/users',
  tags: ['users'],
  summary: 'List users (administrators only)',
  description:
    'Administrators are the emails in the ADMIN_EMAILS setting. The original service listed users to anyone.',
  middleware: [requireAccessToken] as const,
  request: {
    query: z.object({
      limit: queryInteger({ minimum: 1, maximum: 1000, default: 100, description: 'Users per page' }),
      offset: queryInteger({ minimum: 0, maximum: 1_000_000, default: 0, description: 'Users to skip' }),
    }),
  },
  responses: {
    200: {
      description: 'Users, oldest first',
      content: { 'application/json': { schema: z.array(UserSchema) } },
    },
  },
  problems: [problems.adminOnly()],
});
