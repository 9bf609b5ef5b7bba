// CLI: node tools/gateway/main.ts [--port 4444] [--host 127.0.0.1] [--data-dir .data/pglite] [--log]
//   [--connection-string postgresql://user:password@host/database]
// DATABASE_URL set → serve that PostgreSQL; otherwise embedded PGlite (in memory, or in --data-dir).
// The port defaults to GATEWAY_PORT, else 4444; the accepted credentials to LOCAL_CONNECTION_STRING's.
// Migrates, then serves, then prints one line with the URL (scripts wait for it); stops on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { LOCAL_CONNECTION_STRING, parseCredentials } from './credentials.ts';
import { readGatewayPort, startGateway } from './server.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'connection-string': { type: 'string', default: LOCAL_CONNECTION_STRING },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      log: { type: 'boolean', default: false },
    },
  });
  const port = readGatewayPort(values.port ?? process.env.GATEWAY_PORT);
  const databaseUrl = process.env.DATABASE_URL || undefined;
  if (databaseUrl && values['data-dir']) throw new Error('Use either DATABASE_URL or --data-dir, not both.');

  const gateway = await startGateway({
    databaseUrl,
    dataDir: values['data-dir'],
    port,
    host: values.host,
    log: values.log,
    credentials: parseCredentials(values['connection-string']),
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`gateway: failed to stop cleanly after ${signal}: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  try {
    await gateway.migrate();
  } catch (error) {
    // Close first: a PGlite data directory must be shut down cleanly to stay usable.
    await gateway.close();
    throw error;
  }
  const storage = gateway.backendName === 'postgres' ? 'DATABASE_URL' : (values['data-dir'] ?? 'in memory');
  console.log(`gateway (${gateway.backendName}, ${storage}) serving Neon SQL-over-HTTP at ${gateway.sqlUrl}`);
}

main().catch((error: unknown) => {
  console.error(`gateway: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
