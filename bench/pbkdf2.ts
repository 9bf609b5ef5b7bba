// The cost of one PBKDF2-SHA256 hash in the same workerd, from the probe Worker in bench/pbkdf2-probe:
// requests hashing N times minus requests hashing 0 times, so the per-request overhead cancels out.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { measureScenario } from './measure.ts';
import type { PBKDF2Report } from './report.ts';
import type { Settings } from './settings.ts';
import { PROJECT_DIR, startWranglerDev, type WranglerWorker } from './stack.ts';

// The service's PBKDF2 cost (src/crypto/password.ts PBKDF2_ITERATIONS); the probe hard-codes the same.
export const PBKDF2_ITERATIONS = 100_000;
const PROBE_HASHES_PER_REQUEST = 10;
const PROBE_CONNECTIONS = 2;

// Run from a copy in the temp dir, so wrangler's build output (.wrangler/) never lands in the project.
export function startPBKDF2Probe(tempDir: string): Promise<WranglerWorker> {
  const probeDir = join(tempDir, 'pbkdf2-probe');
  cpSync(join(PROJECT_DIR, 'bench/pbkdf2-probe'), probeDir, {
    recursive: true,
    filter: (source) => !source.includes('.wrangler'),
  });
  return startWranglerDev({
    label: 'pbkdf2-probe',
    config: join(probeDir, 'wrangler.toml'),
    args: [],
    persistDir: join(probeDir, 'state'),
  });
}

export async function measurePBKDF2(probe: WranglerWorker, settings: Settings): Promise<PBKDF2Report> {
  const run = (hashesPerRequest: number) =>
    measureScenario(probe, {
      baseUrl: probe.baseUrl,
      connections: PROBE_CONNECTIONS,
      durationSeconds: settings.probeSeconds,
      data: { kind: 'pbkdf2_probe', hashesPerRequest },
    });
  const empty = await run(0);
  const hashing = await run(PROBE_HASHES_PER_REQUEST);
  if (empty.workerdCPUMsPerRequest === null || hashing.workerdCPUMsPerRequest === null) {
    throw new Error('workerd CPU is not measurable here (no /proc)');
  }
  if (hashing.non2xx + hashing.errors > 0) throw new Error('the PBKDF2 probe answered errors');
  return {
    iterations: PBKDF2_ITERATIONS,
    hashesPerRequest: PROBE_HASHES_PER_REQUEST,
    cpuMsPerHash: (hashing.workerdCPUMsPerRequest - empty.workerdCPUMsPerRequest) / PROBE_HASHES_PER_REQUEST,
    overheadCPUMsPerRequest: empty.workerdCPUMsPerRequest,
    hashesPerSecond: hashing.requestsPerSecond * PROBE_HASHES_PER_REQUEST,
  };
}
