import { z } from '@hono/zod-openapi';
import type { App } from '../../app-env';
import { defineRoute } from '../../http/openapi-route';

export const HEALTH_PATH = '/';

// Liveness only: no database, so it is also the benchmark's ceiling (a bare route on the same runtime).
const healthRoute = defineRoute({
  operationId: 'getHealth',
  method: 'get',
  path: HEALTH_PATH,
  tags: ['health'],
  summary: 'Liveness',
  responses: {
    200: {
      description: 'The service is up',
      content: {
        'application/json': {
          schema: z
            .object({ status: z.literal('ok'), service: z.string(), docs: z.string() })
            .openapi('Health'),
        },
      },
    },
  },
  offline: true,
});

export function registerHealthRoutes(app: App): void {
  app.openapi(healthRoute, (c) => c.json({ status: 'ok' as const, service: 'edge-2fa', docs: '/docs' }, 200));
}
