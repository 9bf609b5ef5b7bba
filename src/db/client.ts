// drizzle over Neon's SQL-over-HTTP driver: the same code path in production (Neon) and locally (the
// gateway in tools/gateway). Each query or db.batch() is one HTTP round trip.
import { neon, neonConfig } from '@neondatabase/serverless';
import { drizzle, type NeonHttpDatabase } from 'drizzle-orm/neon-http';
import * as schema from './schema';

export type Database = NeonHttpDatabase<typeof schema>;

const databases = new Map<string, Database>();

// Locally, the queue consumer's statements carry this connection-string parameter so the gateway's
// round-trip counters (what the benchmark reads) count only the request path; never sent to Neon.
const BACKGROUND_ORIGIN_PARAMETER = 'edge2fa_origin=queue';

export function getDatabase(
  databaseUrl: string,
  localEndpoint: string | undefined,
  origin: 'request' | 'queue' = 'request',
): Database {
  // The only local switch: production leaves NEON_HTTP_ENDPOINT empty and the driver derives Neon's URL.
  if (localEndpoint) neonConfig.fetchEndpoint = localEndpoint;
  const url =
    localEndpoint && origin === 'queue'
      ? `${databaseUrl}${databaseUrl.includes('?') ? '&' : '?'}${BACKGROUND_ORIGIN_PARAMETER}`
      : databaseUrl;
  let db = databases.get(url);
  if (!db) {
    db = drizzle({ client: neon(url), schema });
    databases.set(url, db);
  }
  return db;
}
