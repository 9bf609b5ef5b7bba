import { z } from '@hono/zod-openapi';
import { limitRequests } from '../../http/middleware/rate-limit';
import { defineRoute } from '../../http/openapi-route';

export const TaskStatusSchema = z
  .object({
    task_id: z.uuid(),
    state: z.enum(['PENDING', 'SUCCESS', 'RETRY', 'FAILURE']),
    result: z
      .object({
        kind: z.string(),
        attempts: z.number().int().optional(),
        error: z.string().optional(),
        delivered_at: z.string().optional(),
      })
      .nullable()
      .openapi({ description: 'Outcome metadata only: never the email body, codes or tokens' }),
  })
  .openapi('TaskStatus');

export const testEmailRoute = defineRoute({
  operationId: 'sendTestEmail',
  method: 'get',
  path: '/tasks/test-celery',
  tags: ['tasks'],
  summary: 'Enqueue a test email (path kept from the Celery-based original)',
  middleware: [limitRequests('EMAIL_IP_LIMITER')] as const,
  responses: {
    200: {
      description: 'The task id',
      content: { 'application/json': { schema: z.object({ task_id: z.uuid() }).openapi('TaskCreated') } },
    },
  },
  sendsEmail: true,
});

export const taskStatusRoute = defineRoute({
  operationId: 'getTaskStatus',
  method: 'get',
  path: '/tasks/taskstatus',
  tags: ['tasks'],
  summary: 'The state of an email task',
  description:
    'PENDING, SUCCESS, RETRY or FAILURE. An unknown id reads as PENDING, as Celery reports it (task status is kept in eventually consistent KV for a day).',
  request: { query: z.object({ task_id: z.uuid() }) },
  responses: {
    200: { description: 'The task status', content: { 'application/json': { schema: TaskStatusSchema } } },
  },
});
