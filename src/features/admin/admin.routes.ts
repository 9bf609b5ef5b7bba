import { createRoute } from '@hono/zod-openapi';
import { requireAdminSession } from '../../http/middleware/assurance';
import { requireAccessToken } from '../../http/middleware/auth';
import { BEARER_SECURITY } from '../../http/openapi';
import { AUTH_ERRORS, BODY_ERRORS, COMMON_ERRORS, problemResponse } from '../../http/openapi-responses';
import {
  AdminActionResultSchema,
  AdminReasonSchema,
  AdminUserDetailSchema,
  AdminUserListSchema,
  AdminUserQuerySchema,
  UserIdParamSchema,
} from './admin.schemas';

const ADMIN_ERRORS = {
  ...AUTH_ERRORS,
  403: problemResponse(
    'Not an administrator (`admin_only`), or an administrator whose login did not prove a second factor (`admin_second_factor_required`)',
  ),
} as const;

const base = {
  tags: ['admin'],
  security: BEARER_SECURITY,
  middleware: [requireAccessToken, requireAdminSession],
};

const reasonBody = { required: true, content: { 'application/json': { schema: AdminReasonSchema } } };

const ACTION_ERRORS = {
  ...ADMIN_ERRORS,
  400: problemResponse('Malformed body'),
  404: problemResponse('No such user'),
  415: problemResponse('Body is not JSON'),
  ...BODY_ERRORS,
  ...COMMON_ERRORS,
} as const;

export const listUsersRoute = createRoute({
  ...base,
  method: 'get',
  path: '/admin/users',
  summary: 'List or search users (administrators, aal2)',
  request: { query: AdminUserQuerySchema },
  responses: {
    200: {
      description: 'A page of users, oldest first',
      content: { 'application/json': { schema: AdminUserListSchema } },
    },
    ...ADMIN_ERRORS,
    ...COMMON_ERRORS,
  },
});

export const getUserRoute = createRoute({
  ...base,
  method: 'get',
  path: '/admin/users/{id}',
  summary: 'One user: factors, lock state, live sessions, last login (administrators, aal2)',
  request: { params: UserIdParamSchema },
  responses: {
    200: { description: 'The user', content: { 'application/json': { schema: AdminUserDetailSchema } } },
    ...ADMIN_ERRORS,
    404: problemResponse('No such user'),
    ...COMMON_ERRORS,
  },
});

function actionRoute(method: 'post' | 'delete', path: string, summary: string, description: string) {
  return createRoute({
    ...base,
    method,
    path,
    summary,
    description,
    request: { params: UserIdParamSchema, body: reasonBody },
    responses: {
      200: { description: 'Done', content: { 'application/json': { schema: AdminActionResultSchema } } },
      ...ACTION_ERRORS,
    },
  });
}

export const unlockUserRoute = actionRoute(
  'post',
  '/admin/users/{id}/unlock',
  'Unlock an account',
  'Clears the failed-attempt counter and any lock.',
);
export const resetTFARoute = actionRoute(
  'post',
  '/admin/users/{id}/tfa/reset',
  "Reset a user's two-factor authentication",
  'For a user who lost every factor: removes the device and every backup token, revokes every session and emails the user. The administrator and the reason are recorded.',
);
export const revokeSessionsRoute = actionRoute(
  'post',
  '/admin/users/{id}/sessions/revoke',
  'Revoke every session of a user',
  'Every refresh token of the user stops working at once.',
);
export const deleteUserRoute = actionRoute(
  'delete',
  '/admin/users/{id}',
  'Delete a user',
  'Deletes the account and everything of it (devices, tokens, sessions).',
);
