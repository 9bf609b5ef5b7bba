// The Neon-Connection-String check, as Neon's proxy does it (proxy/src/serverless/http_util.rs,
// get_conn_info), then a password and a database check against the one set of credentials this gateway
// accepts. So a DATABASE_URL that Neon would refuse (no password, an IP address as host, a wrong user,
// password or database) fails locally with Neon's error instead of first in production.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { NeonError } from './errors.ts';

export type Credentials = { user: string; password: string; database: string };

// The one connection string every local caller uses (Worker tests, `npm run dev` via .dev.vars.example,
// the benchmark, the e2e scripts). The host is free (Neon routes on it; locally there is one database),
// but must be a name: db.localtest.me resolves to 127.0.0.1 and is never contacted anyway.
export const LOCAL_CONNECTION_STRING = 'postgresql://edge2fa:local@db.localtest.me/edge2fa';

export function parseCredentials(connectionString: string): Credentials {
  const url = new URL(connectionString);
  return {
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)),
  };
}

export const LOCAL_CREDENTIALS = parseCredentials(LOCAL_CONNECTION_STRING);

const CONNECTION_STRING_HEADER = 'neon-connection-string';
// 3D000 invalid_catalog_name: what Postgres answers Neon's proxy when it connects to a missing database.
const INVALID_CATALOG_NAME = '3D000';

// Throws the NeonError Neon answers (all 400), in Neon's order: header, URL, scheme, database, user,
// credentials, host name; then what the compute would say (password, then database).
export function checkConnectionString(headers: IncomingHttpHeaders, expected: Credentials): void {
  const header = headers[CONNECTION_STRING_HEADER];
  if (typeof header !== 'string') throw new NeonError(`invalid header: ${CONNECTION_STRING_HEADER}`);
  let url: URL;
  try {
    url = new URL(header);
  } catch {
    throw new NeonError('invalid connection string: relative URL without a base');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new NeonError('incorrect scheme');
  const database = decodeURIComponent(url.pathname.slice(1).split('/')[0] ?? '');
  const user = decodeURIComponent(url.username);
  if (user === '') throw new NeonError('missing username');
  // The local gateway speaks for Neon's plain endpoint, where a bearer token is not accepted.
  if (headers.authorization !== undefined || url.password === '') {
    throw new NeonError('missing authentication credentials: required password');
  }
  if (url.hostname === '' || isIPAddress(url.hostname)) throw new NeonError('missing hostname');
  const password = decodeURIComponent(url.password);
  if (!equalInConstantTime(user, expected.user) || !equalInConstantTime(password, expected.password)) {
    throw new NeonError(`password authentication failed for user '${user}'`);
  }
  if (database !== expected.database) {
    throw new NeonError(`database "${database}" does not exist`, {
      code: INVALID_CATALOG_NAME,
      severity: 'FATAL',
    });
  }
}

function isIPAddress(hostname: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.startsWith('[');
}

function equalInConstantTime(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
