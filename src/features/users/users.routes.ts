import { createRoute, z } from '@hono/zod-openapi';
import { requireAccessToken } from '../../http/middleware/auth';
import { BEARER_SECURITY } from '../../http/openapi';
import { AUTH_ERRORS, COMMON_ERRORS, problemResponse } from '../../http/openapi-responses';
import { UserSchema } from '../auth/auth.schemas';

export const listUsersRoute = createRoute({
  method: 'get',
  path: '/users/users',
  tags: ['users'],
  summary: 'List users (administrators only)',
  description:
    'Administrators are the emails in the ADMIN_EMAILS setting. The original service listed users to anyone.',
  security: BEARER_SECURITY,
  middleware: [requireAccessToken] as const,
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
    }),
  },
  responses: {
    200: {
      description: 'Users, oldest first',
      content: { 'application/json': { schema: z.array(UserSchema) } },
    },
    ...AUTH_ERRORS,
    403: problemResponse('Not an administrator'),
    ...COMMON_ERRORS,
  },
});
