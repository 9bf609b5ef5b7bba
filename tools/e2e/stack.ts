// Starts a private copy of the local stack for an end-to-end run: the SQL-over-HTTP gateway on a fresh
// in-memory PGlite and `wrangler dev` on free ports, with its own secrets and state directory, so it never
// collides with a developer's `npm run dev` (same ports, .data/pglite, .wrangler/state, .dev.vars).
import { join } from 'node:path';
import { copySwaggerAssets } from '../copy-swagger-assets.ts';
import { LOCAL_CONNECTION_STRING } from '../gateway/credentials.ts';
import { startGateway } from '../gateway/server.ts';
import {
  makeTempDir,
  sleep,
  startWranglerDev,
  type WranglerDev,
  writeWorkerEnvFile,
} from '../local-stack.ts';

const OUTPUT_POLL_INTERVAL_MS = 200;

export type Stack = {
  baseUrl: string;
  apiUrl: string;
  // Everything the Worker printed since it started serving (stdout and stderr): emails land here.
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
};

export async function startStack(): Promise<Stack> {
  // /docs links these files; without them wrangler dev refuses the [assets] directory.
  copySwaggerAssets();
  const gateway = await startGateway({ port: 0 });
  const workDir = makeTempDir('edge-2fa-e2e-');
  const cleanUp = async () => {
    await gateway.close();
    workDir.remove();
  };

  let worker: WranglerDev;
  try {
    await gateway.migrate();
    const envFile = join(workDir.path, 'worker.env');
    writeWorkerEnvFile(envFile, LOCAL_CONNECTION_STRING);
    worker = await startWranglerDev({
      label: 'e2e',
      persistDir: join(workDir.path, 'state'),
      args: ['--env-file', envFile, '--var', `NEON_HTTP_ENDPOINT:${gateway.sqlUrl}`],
    });
  } catch (error) {
    await cleanUp();
    throw error;
  }

  // Kept whole, not just wrangler's recent lines: a test reads emails sent many requests earlier.
  let captured = '';
  worker.onOutputLine((line) => {
    captured += `${line}\n`;
  });

  let stopped = false;
  return {
    baseUrl: worker.baseUrl,
    apiUrl: `${worker.baseUrl}/api/v1`,
    output: () => captured,
    async waitForOutput(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const match = captured.match(pattern);
        if (match) return match;
        await sleep(OUTPUT_POLL_INTERVAL_MS);
      }
      throw new Error(`the Worker did not print ${pattern} within ${timeoutMs / 1000}s`);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await worker.stop();
      await cleanUp();
    },
  };
}
