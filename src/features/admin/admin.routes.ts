import { requireAdminSession } from '../../http/middleware/assurance';
import { requireAccessToken } from '../../http/middleware/auth';
import { defineRoute } from '../../http/openapi-route';
import { problems } from '../../http/problem';
import {
  AdminActionResultSchema,
  AdminReasonSchema,
  AdminUserDetailSchema,
  AdminUserListSchema,
  AdminUserQuerySchema,
  UserIdParamSchema,
} from './admin.schemas';

const base = {
  tags: ['admin'],
  middleware: [requireAccessToken, requireAdminSession],
};

// Not an administrator (decided inside the admin statement), or an admin whose login proved no second
// factor (requireAdminSession); either way 403.
const ADMIN_PROBLEMS = [problems.adminOnly(), problems.adminSecondFactorRequired()];

const reasonBody = { required: true, content: { 'application/json': { schema: AdminReasonSchema } } };

export const listUsersRoute = defineRoute({
  ...base,
  operationId: 'adminListUsers',
  method: 'get',
  path: '/admin/users',
  summary: 'List or search users (administrators, aal2)',
  request: { query: AdminUserQuerySchema },
  responses: {
    200: {
      description: 'A page of users, oldest first',
      content: { 'application/json': { schema: AdminUserListSchema } },
    },
  },
  problems: ADMIN_PROBLEMS,
});

export const getUserRoute = defineRoute({
  ...base,
  operationId: 'adminGetUser',
  method: 'get',
  path: '/admin/users/{id}',
  summary: 'One user: factors, lock state, live sessions, last login (administrators, aal2)',
  request: { params: UserIdParamSchema },
  responses: {
    200: { description: 'The user', content: { 'application/json': { schema: AdminUserDetailSchema } } },
  },
  problems: [...ADMIN_PROBLEMS, problems.notFound()],
});

function actionRoute<P extends string>(
  operationId: string,
  method: 'post' | 'delete',
  path: P,
  summary: string,
  description: string,
  options: { sendsEmail?: true } = {},
) {
  return defineRoute({
    ...base,
    ...options,
    operationId,
    method,
    path,
    summary,
    description,
    request: { params: UserIdParamSchema, body: reasonBody },
    responses: {
      200: { description: 'Done', content: { 'application/json': { schema: AdminActionResultSchema } } },
    },
    problems: [...ADMIN_PROBLEMS, problems.notFound()],
  });
}

export const unlockUserRoute = actionRoute(
  'adminUnlockUser',
  'post',
  '/admin/users/{id}/unlock',
  'Unlock an account',
  'Clears the failed-attempt counter and any lock.',
);
export const resetTFARoute = actionRoute(
  'adminResetTFA',
  'post',
  '/admin/users/{id}/tfa/reset',
  "Reset a user's two-factor authentication",
  'For a user who lost every factor: removes the device and every backup token, revokes every session and emails the user. The administrator and the reason are recorded.',
  { sendsEmail: true },
);
export const revokeSessionsRoute = actionRoute(
  'adminRevokeSessions',
  'post',
  '/admin/users/{id}/sessions/revoke',
  'Revoke every session of a user',
  'Every refresh token of the user stops working at once.',
);
export const deleteUserRoute = actionRoute(
  'adminDeleteUser',
  'delete',
  '/admin/users/{id}',
  'Delete a user',
  'Deletes the account and everything of it (devices, tokens, sessions).',
);
