import type { OpenAPIHono, RouteConfig, RouteHandler } from '@hono/zod-openapi';
import type { AppConfig, AppSecrets } from './config';
import type { Database } from './db/client';

// Everything a service needs, passed explicitly (no globals), so tests and the benchmark see the same wiring.
export type Deps = {
  db: Database;
  config: AppConfig;
  secrets: AppSecrets;
  taskStatus: KVNamespace;
  emailQueue: Queue;
  nowMs: () => number;
  log: (event: Record<string, unknown>) => void;
  // Work that need not block the answer (notices whose timing would tell something): ctx.waitUntil.
  defer: (work: Promise<unknown>) => void;
};

// Who a verified access token says the caller is (claims already checked by the auth middleware).
export type Principal = {
  userId: string;
  amr: string[];
  sessionId: string | undefined;
  // Assurance of the login behind the token (RFC 8176 amr, OIDC acr and auth_time), for step-up checks.
  acr: 'aal1' | 'aal2';
  authTimeSeconds: number;
};

// The pending second factor a verified pre-TFA token names.
export type PendingChallenge = { userId: string; challengeId: string };

export type AppEnv = {
  Bindings: Env;
  Variables: {
    deps: Deps;
    requestId: string;
    principal: Principal;
    challenge: PendingChallenge;
  };
};

export type App = OpenAPIHono<AppEnv>;
export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;
