// Hand-written: the small layer over the generated client (./generated/api.ts, never edited) that knows the
// two things a raw OpenAPI client cannot: a login may stop at a second factor (202 and a pre-TFA token),
// and an expired access token is renewed with the refresh token and the request retried once.
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from './generated/api.ts';

export type { components, operations, paths };
export type Tokens = components['schemas']['Tokens'];
export type User = components['schemas']['User'];
export type Problem = components['schemas']['Problem'];

/** The access and refresh token of a logged-in session. */
export type Session = { accessToken: string; refreshToken: string };

/** A problem (RFC 9457) the service answered, thrown by the helpers of this module. */
export class Edge2FAProblem extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(status: number, problem: Problem) {
    super(`${status} ${problem.code}: ${problem.detail}`);
    this.name = 'Edge2FAProblem';
    this.status = status;
    this.problem = problem;
  }
}

export type LoginResult =
  | { status: 'logged_in'; session: Session }
  | {
      status: 'second_factor_required';
      /** Finishes the login with the authenticator app's (or the emailed) code. */
      withCode(code: string): Promise<Session>;
      /** Finishes the login with a single-use backup token. */
      withBackupToken(backupToken: string): Promise<Session>;
    };

export type Edge2FAClientOptions = {
  /** The service's origin, e.g. `http://localhost:5555`. */
  baseUrl: string;
  /** A session to resume (tokens kept from an earlier run). */
  session?: Session;
  /** Called whenever the session changes (login, refresh, logout), e.g. to store the tokens. */
  onSession?: (session: Session | undefined) => void;
  fetch?: typeof globalThis.fetch;
};

// Requests that carry no access token of the session: public ones, and the second factor's pre-TFA token.
const NO_SESSION_TOKEN = new Set([
  '/api/v1/auth/login',
  '/api/v1/auth/refresh',
  '/api/v1/tfa/login_tfa',
  '/api/v1/tfa/recover_tfa',
]);

function toSession(tokens: Tokens): Session {
  if (!tokens.refresh_token) throw new Error('expected a full session, got a pre-TFA token');
  return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token };
}

function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || result.data === undefined) {
    throw new Edge2FAProblem(result.response.status, result.error as Problem);
  }
  return result.data;
}

export function createEdge2FAClient(options: Edge2FAClientOptions) {
  let session = options.session;
  const setSession = (next: Session | undefined) => {
    session = next;
    options.onSession?.(next);
  };
  const fetchImpl = options.fetch ?? globalThis.fetch;
  /** Every operation of the document, typed; the session's bearer token is added and refreshed for you. */
  const api = createClient<paths>({ baseUrl: options.baseUrl, fetch: (request) => fetchImpl(request) });

  let refreshing: Promise<Session | undefined> | undefined;
  // One refresh at a time: refresh tokens rotate, so two concurrent refreshes would revoke the session.
  const refreshSession = (): Promise<Session | undefined> => {
    const current = session;
    if (!current) return Promise.resolve(undefined);
    refreshing ??= api
      .POST('/api/v1/auth/refresh', { body: { refresh_token: current.refreshToken } })
      .then(({ data }) => {
        setSession(data ? toSession(data) : undefined);
        return session;
      })
      .finally(() => {
        refreshing = undefined;
      });
    return refreshing;
  };

  const retries = new Map<string, Request>();
  const sessionMiddleware: Middleware = {
    onRequest({ request, schemaPath, id }) {
      if (!session || NO_SESSION_TOKEN.has(schemaPath) || request.headers.has('authorization')) return;
      request.headers.set('authorization', `Bearer ${session.accessToken}`);
      retries.set(id, request.clone());
      return request;
    },
    async onResponse({ response, id }) {
      const retry = retries.get(id);
      retries.delete(id);
      if (!retry || response.status !== 401) return;
      const renewed = await refreshSession();
      if (!renewed) return;
      retry.headers.set('authorization', `Bearer ${renewed.accessToken}`);
      return fetchImpl(retry);
    },
  };
  api.use(sessionMiddleware);

  const finishSecondFactor = async (
    preTFAToken: string,
    path: '/api/v1/tfa/login_tfa' | '/api/v1/tfa/recover_tfa',
    code: { tfa_token: string } | { tfa_backup_token: string },
  ): Promise<Session> => {
    // In the JSON body, never the query string: query strings end up in access and proxy logs.
    const headers = { authorization: `Bearer ${preTFAToken}` };
    const result =
      path === '/api/v1/tfa/login_tfa'
        ? await api.POST(path, { body: code as { tfa_token: string }, headers })
        : await api.POST(path, { body: code as { tfa_backup_token: string }, headers });
    const next = toSession(unwrap(result));
    setSession(next);
    return next;
  };

  return {
    api,
    get session(): Session | undefined {
      return session;
    },

    /** Logs in with the form the service expects; a 202 hands back the second-factor step. */
    async logIn(email: string, password: string): Promise<LoginResult> {
      const result = await api.POST('/api/v1/auth/login', {
        body: { username: email, password },
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      const tokens = unwrap(result);
      if (result.response.status === 202) {
        const preTFAToken = tokens.access_token;
        return {
          status: 'second_factor_required',
          withCode: (code) => finishSecondFactor(preTFAToken, '/api/v1/tfa/login_tfa', { tfa_token: code }),
          withBackupToken: (backupToken) =>
            finishSecondFactor(preTFAToken, '/api/v1/tfa/recover_tfa', { tfa_backup_token: backupToken }),
        };
      }
      const next = toSession(tokens as Tokens);
      setSession(next);
      return { status: 'logged_in', session: next };
    },

    /** Renews the session now (it is also renewed by itself when a request answers 401). */
    async refresh(): Promise<Session> {
      const next = await refreshSession();
      if (!next) throw new Error('no session to refresh, or the refresh token was refused');
      return next;
    },

    /** Ends this session on the service and forgets its tokens. */
    async logOut(): Promise<void> {
      if (session) {
        const { error, response } = await api.POST('/api/v1/auth/logout');
        if (error) throw new Edge2FAProblem(response.status, error as Problem);
      }
      setSession(undefined);
    },

    /** Throws an Edge2FAProblem for an error answer, else returns the body. */
    unwrap,
  };
}

export type Edge2FAClient = ReturnType<typeof createEdge2FAClient>;
