// Shared by the gateway's conformance tests: a gateway per test file (PGlite in memory, or the
// PostgreSQL in DATABASE_URL), driven through the real client stack the Worker uses.
import { randomBytes } from 'node:crypto';
import { neon, neonConfig } from '@neondatabase/serverless';
import { drizzle } from 'drizzle-orm/neon-http';
import { LOCAL_CONNECTION_STRING } from '../../tools/gateway/credentials.ts';
import { type Gateway, startGateway } from '../../tools/gateway/server.ts';

// The credentials the gateway accepts by default, as every local caller uses them.
export const CONNECTION_STRING = LOCAL_CONNECTION_STRING;

export async function startTestGateway(): Promise<Gateway> {
  const gateway = await startGateway({ databaseUrl: process.env.DATABASE_URL || undefined });
  // Global for the whole module graph; each test file runs in its own worker, with its own gateway.
  neonConfig.fetchEndpoint = gateway.sqlUrl;
  return gateway;
}

export function connectSQL() {
  return neon(CONNECTION_STRING);
}

export function connectDrizzle() {
  return drizzle({ client: neon(CONNECTION_STRING) });
}

// Test files run in parallel and may share one PostgreSQL: every table gets a name of its own.
export function createTableName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

// The raw protocol, for what the client hides (status codes, exact JSON).
export async function postSQL(
  gateway: Gateway,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(gateway.sqlUrl, {
    method: 'POST',
    headers: { 'Neon-Connection-String': CONNECTION_STRING, 'Neon-Array-Mode': 'true', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

export function getBaseURL(gateway: Gateway): string {
  return gateway.controlUrl.replace(/\/control$/, '');
}
