import type { Hook } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { problems } from './problem';

// Every validation failure becomes a 422 problem listing the failing fields (never zod's raw output).
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (result.success) return;
  const errors = result.error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join('.') : '(body)',
    message: issue.message,
  }));
  throw problems.validation(errors);
};
