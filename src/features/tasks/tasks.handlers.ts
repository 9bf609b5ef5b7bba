import type { AppRouteHandler } from '../../app-env';
import { enqueueEmail } from '../../email/email.producer';
import { readTaskStatus } from '../../email/task-status';
import type { taskStatusRoute, testEmailRoute } from './tasks.routes';

// The test email goes to the service's own sender address: an open endpoint must not mail arbitrary people.
export const testEmail: AppRouteHandler<typeof testEmailRoute> = async (c) => {
  const deps = c.get('deps');
  const address = deps.config.emailFrom.match(/<([^>]+)>/)?.[1] ?? deps.config.emailFrom;
  const taskId = await enqueueEmail(deps, { kind: 'test', to: address });
  return c.json({ task_id: taskId }, 200);
};

export const taskStatus: AppRouteHandler<typeof taskStatusRoute> = async (c) => {
  const { task_id } = c.req.valid('query');
  const { updated_at: _omitted, ...status } = await readTaskStatus(c.get('deps').taskStatus, task_id);
  return c.json(status, 200);
};
