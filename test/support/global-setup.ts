// Starts the real database behind the real protocol for the Worker tests: the local SQL-over-HTTP gateway
// on embedded PGlite (fresh, in memory) or, with DATABASE_URL set, on that PostgreSQL. Migrates, then hands
// the URLs to the workers pool (vitest.config.ts injects them as bindings).
import type { TestProject } from 'vitest/node';
import { startGateway } from '../../tools/gateway/server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    gatewayUrl: string;
    gatewayControlUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const gateway = await startGateway({ databaseUrl: process.env.DATABASE_URL || undefined, port: 0 });
  await gateway.migrate();
  project.provide('gatewayUrl', gateway.sqlUrl);
  project.provide('gatewayControlUrl', gateway.controlUrl);
  return async () => {
    await gateway.close();
  };
}
