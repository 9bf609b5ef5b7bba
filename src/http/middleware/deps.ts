import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../../app-env';
import { ConfigError, loadConfig } from '../../config';
import { getDatabase } from '../../db/client';
import { logEvent, logRequestEvent } from '../log';
import { problems } from '../problem';

// Builds the request's dependencies from the (once-parsed) environment.
export const provideDeps = createMiddleware<AppEnv>(async (c, next) => {
  let loaded: Awaited<ReturnType<typeof loadConfig>>;
  try {
    loaded = await loadConfig(c.env);
  } catch (error) {
    // Fail loudly for the operator (the log names the variable), opaquely for the client.
    if (error instanceof ConfigError) logEvent({ event: 'config_invalid', message: error.message });
    throw problems.misconfigured();
  }
  const { config, secrets } = loaded;
  const requestId = c.get('requestId');
  c.set('deps', {
    db: getDatabase(config.databaseUrl, config.neonHTTPEndpoint),
    config,
    secrets,
    taskStatus: c.env.TASK_STATUS,
    emailQueue: c.env.EMAIL,
    nowMs: () => Date.now(),
    log: (event) => logRequestEvent(c.req.raw, requestId, event),
    defer: (work) => c.executionCtx.waitUntil(work),
  });
  await next();
});
