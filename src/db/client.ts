// drizzle over Neon's SQL-over-HTTP driver: the same code path in production (Neon) and locally (the
// gateway in tools/gateway). Each query or db.batch() is one HTTP round trip.
import { neon, neonConfig } from '@neondatabase/serverless';
import { drizzle, type NeonHttpDatabase } from 'drizzle-orm/neon-http';
import * as schema from './schema';

export type Database = NeonHttpDatabase<typeof schema>;

const databases = new Map<string, Database>();

export function getDatabase(databaseUrl: string, localEndpoint: string | undefined): Database {
  // The only local switch: production leaves NEON_HTTP_ENDPOINT empty and the driver derives Neon's URL.
  if (localEndpoint) neonConfig.fetchEndpoint = localEndpoint;
  let db = databases.get(databaseUrl);
  if (!db) {
    db = drizzle({ client: neon(databaseUrl), schema });
    databases.set(databaseUrl, db);
  }
  return db;
}
