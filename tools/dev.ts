// `npm run dev`: the local stack in one command. Starts the SQL-over-HTTP gateway (embedded PGlite persisted
// under .data/, or DATABASE_URL's Postgres), applies migrations, then `wrangler dev` on :5555, and stops
// everything on Ctrl-C.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { copySwaggerAssets } from './copy-swagger-assets.ts';
import { readGatewayPort, startGateway } from './gateway/server.ts';
import { generateWorkerSecrets, type WorkerSecrets } from './secrets.ts';

const WORKER_PORT = Number(process.env.PORT ?? 5555);
const GATEWAY_PORT = readGatewayPort();

function ensureDevVars(): void {
  if (existsSync('.dev.vars')) return;
  const secrets = generateWorkerSecrets();
  const text = readFileSync('.dev.vars.example', 'utf8').replace(
    /^([A-Z_]+)=<generate>$/gm,
    (_line, name: keyof WorkerSecrets) => `${name}='${secrets[name]}'`,
  );
  writeFileSync('.dev.vars', text, { mode: 0o600 });
  console.log('Created .dev.vars with fresh local secrets (git-ignored).');
}

async function main(): Promise<void> {
  ensureDevVars();
  copySwaggerAssets();
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const gateway = await startGateway({
    databaseUrl,
    dataDir: databaseUrl ? undefined : '.data/pglite',
    port: GATEWAY_PORT,
  });
  await gateway.migrate();
  console.log(
    `Database: ${databaseUrl ? 'PostgreSQL from DATABASE_URL' : 'embedded PGlite in .data/pglite'} via ${gateway.sqlUrl}`,
  );

  const wrangler: ChildProcess = spawn(
    'wrangler',
    [
      'dev',
      '--port',
      String(WORKER_PORT),
      '--ip',
      '127.0.0.1',
      '--var',
      `NEON_HTTP_ENDPOINT:${gateway.sqlUrl}`,
    ],
    // Its own process group, so stopping it also stops the workerd children it starts.
    {
      stdio: 'inherit',
      detached: true,
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' },
    },
  );
  console.log(
    `\n  API:     http://localhost:${WORKER_PORT}/api/v1\n  Swagger: http://localhost:${WORKER_PORT}/docs\n`,
  );

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (wrangler.pid && wrangler.exitCode === null) {
      try {
        process.kill(-wrangler.pid, 'SIGTERM');
      } catch {}
    }
    await gateway.close();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  wrangler.on('exit', (code) => void stop(code ?? 0));
}

main().catch((error: unknown) => {
  console.error(`npm run dev failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
