import type { Hook } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
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

// An integer query parameter. A query string carries text, so the value is parsed (an empty value reads
// as 0), and the document says exactly `integer` with its bounds (zod's coercion alone documents null too).
export function queryInteger(bounds: {
  minimum: number;
  maximum: number;
  default: number;
  description: string;
}) {
  return z.coerce
    .number()
    .int()
    .min(bounds.minimum)
    .max(bounds.maximum)
    .default(bounds.default)
    .openapi({ type: 'integer', ...bounds });
}
