// The local stand-in for Neon's SQL-over-HTTP endpoint, plus what tests and the benchmark need around it:
//   POST /sql              Neon's protocol (protocol.ts), on PGlite or PostgreSQL (backends.ts)
//   GET  /stats            {httpRequests, queries, batches} counted over /sql only: round trips for the benchmark
//   POST /stats/reset      zeroes the counters
//   POST /control/outage   {"enabled": true|false}: while on, /sql answers 503 like an unreachable database
//   GET  /control/outage   {"enabled": …}
//   GET  /health           {status: "ok", backend, outage}
// /stats, /stats/reset and /health also answer under /control/, so a test given only controlUrl
// (the Worker tests get GATEWAY_CONTROL_URL) reaches every endpoint.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Backend, type BackendName, openBackend } from './backends.ts';
import { refuseBrowserRequests } from './browser-guard.ts';
import { type Credentials, checkConnectionString, LOCAL_CREDENTIALS } from './credentials.ts';
import { formatError, NeonError } from './errors.ts';
import { applyMigrations } from './migrate.ts';
import { countQueries, executeSqlRequest, parseSqlRequest } from './protocol.ts';

export type GatewayOptions = {
  databaseUrl?: string;
  dataDir?: string;
  port?: number;
  host?: string;
  log?: boolean;
  /** The user, password and database the Neon-Connection-String must name (default: LOCAL_CONNECTION_STRING's). */
  credentials?: Credentials;
};

export type Gateway = {
  sqlUrl: string;
  controlUrl: string;
  port: number;
  backendName: BackendName;
  migrate(): Promise<void>;
  close(): Promise<void>;
};

export type GatewayStats = { httpRequests: number; queries: number; batches: number };

// Neon's proxy caps the request at 10 MiB (413); the response cap is checked row by row (protocol.ts).
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const PAYLOAD_TOO_LARGE_STATUS = 413;
// Not 400: the client turns any other status into a NeonDbError without a SQLSTATE ("Server error
// (HTTP status 503): …"), which is how an unreachable database looks to the application.
const OUTAGE_STATUS = 503;
const OUTAGE_MESSAGE = "Couldn't connect to compute node (gateway outage mode is on)";

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 4444;
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

type GatewayState = { stats: GatewayStats; outage: boolean };

export async function startGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const log = options.log ? (line: string) => console.log(`[gateway] ${line}`) : () => {};
  const backend = await openBackend({
    databaseUrl: options.databaseUrl,
    dataDir: options.dataDir,
    onPoolError: (error) => log(`idle database connection failed: ${error.message}`),
  });
  const state: GatewayState = { stats: createStats(), outage: false };
  const host = options.host ?? DEFAULT_HOST;
  const context: RouteContext = {
    state,
    backend,
    log,
    host,
    credentials: options.credentials ?? LOCAL_CREDENTIALS,
  };
  const server = createServer((request, response) => {
    routeRequest(request, response, context).catch((error: unknown) => {
      log(`request failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) sendJSON(response, 500, { message: 'internal gateway error' });
      else response.destroy();
    });
  });

  let port: number;
  try {
    port = await listen(server, options.port ?? 0, host);
  } catch (error) {
    await backend.close();
    throw error;
  }
  const baseUrl = `http://${formatURLHost(host)}:${port}`;
  return {
    sqlUrl: `${baseUrl}/sql`,
    controlUrl: `${baseUrl}/control`,
    port,
    backendName: backend.name,
    migrate: async () => {
      await applyMigrations(backend.pool);
    },
    close: async () => {
      await stopServer(server);
      await backend.close();
    },
  };
}

// The port `npm run gateway` and `npm run dev` listen on: GATEWAY_PORT, else 4444.
export function readGatewayPort(value = process.env.GATEWAY_PORT): number {
  if (value === undefined || value === '') return DEFAULT_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`the gateway port must be 0–65535, got ${JSON.stringify(value)}`);
  }
  return port;
}

type RouteContext = {
  state: GatewayState;
  backend: Backend;
  log: (line: string) => void;
  host: string;
  credentials: Credentials;
};

async function routeRequest(request: IncomingMessage, response: ServerResponse, context: RouteContext) {
  const { state } = context;
  // Every route, control ones included: a web page must not switch the outage on either.
  try {
    refuseBrowserRequests(request.headers, context.host);
  } catch (error) {
    const { status, body } = formatError(error);
    return sendJSON(response, status, body);
  }
  const path = removeControlPrefix(new URL(request.url ?? '/', 'http://gateway').pathname);
  const route = `${request.method} ${path}`;
  switch (route) {
    case 'POST /sql':
      return serveSQL(request, response, context);
    case 'GET /stats':
      return sendJSON(response, 200, state.stats);
    case 'POST /stats/reset':
      state.stats = createStats();
      return sendJSON(response, 200, state.stats);
    case 'GET /control/outage':
      return sendJSON(response, 200, { enabled: state.outage });
    case 'POST /control/outage':
      return setOutage(request, response, context);
    case 'GET /health':
      return sendJSON(response, 200, { status: 'ok', backend: context.backend.name, outage: state.outage });
    default:
      return sendJSON(response, 404, { message: `no route for ${route}` });
  }
}

// Matches BACKGROUND_ORIGIN_PARAMETER in src/db/client.ts.
const BACKGROUND_TAG = 'edge2fa_origin=queue';

async function serveSQL(request: IncomingMessage, response: ServerResponse, context: RouteContext) {
  const { state, log } = context;
  const startedAt = performance.now();
  // The Worker tags its queue consumer's statements (src/db/client.ts): they run beside the request path,
  // not on it, so the round-trip counters the benchmark reads leave them out.
  const counted = !String(request.headers['neon-connection-string'] ?? '').includes(BACKGROUND_TAG);
  if (counted) state.stats.httpRequests += 1;
  let status: number;
  let body: unknown;
  let summary = 'rejected';
  // When the client goes away before its answer, Neon cancels what runs for it; so does the gateway.
  const abandoned = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) abandoned.abort();
  });
  try {
    checkConnectionString(request.headers, context.credentials);
    const bodyText = await readBody(request, MAX_BODY_BYTES);
    if (state.outage) throw new NeonError(OUTAGE_MESSAGE, { status: OUTAGE_STATUS });
    const sqlRequest = parseSqlRequest(bodyText, request.headers);
    if (counted) state.stats.queries += countQueries(sqlRequest);
    if (counted && sqlRequest.kind === 'batch') state.stats.batches += 1;
    summary = sqlRequest.kind === 'batch' ? `batch of ${countQueries(sqlRequest)}` : 'query';
    ({ status, body } = await executeSqlRequest(context.backend, sqlRequest, abandoned.signal));
  } catch (error) {
    ({ status, body } = formatError(error));
  }
  if (abandoned.signal.aborted) summary += ' (client gone, cancelled)';
  // Never log SQL text or parameters: they carry password hashes, tokens and personal data.
  log(`POST /sql ${summary} → ${status} in ${(performance.now() - startedAt).toFixed(1)} ms`);
  sendJSON(response, status, body);
}

async function setOutage(request: IncomingMessage, response: ServerResponse, context: RouteContext) {
  let enabled: unknown;
  try {
    enabled = (JSON.parse(await readBody(request, MAX_BODY_BYTES)) as { enabled?: unknown })?.enabled;
  } catch {
    enabled = undefined;
  }
  if (typeof enabled !== 'boolean') {
    return sendJSON(response, 400, { message: 'expected {"enabled": boolean}' });
  }
  context.state.outage = enabled;
  context.log(`outage mode ${enabled ? 'on' : 'off'}`);
  sendJSON(response, 200, { enabled });
}

async function readBody(request: IncomingMessage, maxBytes: number): Promise<string> {
  const tooLarge = () =>
    new NeonError(`request is too large (max is ${maxBytes} bytes)`, { status: PAYLOAD_TOO_LARGE_STATUS });
  if (Number(request.headers['content-length'] ?? 0) > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let sizeInBytes = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    sizeInBytes += chunk.length;
    if (sizeInBytes > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJSON(response: ServerResponse, status: number, body: unknown): void {
  if (response.destroyed) return;
  const json = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
  });
  response.end(json);
}

const CONTROL_ALIASES = new Set(['/control/stats', '/control/stats/reset', '/control/health']);

function removeControlPrefix(path: string): string {
  return CONTROL_ALIASES.has(path) ? path.slice('/control'.length) : path;
}

function createStats(): GatewayStats {
  return { httpRequests: 0, queries: 0, batches: 0 };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function stopServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Clients keep connections alive; without this close() would wait for them to time out.
    server.closeAllConnections();
  });
}

// Listening on every interface still means "reach me on loopback" for the URLs handed out.
function formatURLHost(host: string): string {
  if (WILDCARD_HOSTS.has(host)) return DEFAULT_HOST;
  return host.includes(':') ? `[${host}]` : host;
}
