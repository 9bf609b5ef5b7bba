// The cost of one PBKDF2-SHA256 hash in the same workerd process as the Worker (plain workerd runs the
// probe in bench/pbkdf2-probe next to it): requests hashing N times minus requests hashing 0 times, so
// the per-request overhead cancels out. Both are windows of the interleaved run (bench/run.ts), so the
// hash and the login it is compared with are measured seconds apart, never minutes.
import { type Measurement, perRequest } from './measure.ts';

// The service's PBKDF2 cost (src/crypto/password.ts PBKDF2_ITERATIONS); the probe hard-codes the same.
export const PBKDF2_ITERATIONS = 100_000;
export const PROBE_HASHES_PER_REQUEST = 10;
export const PROBE_CONNECTIONS = 2;

export type PBKDF2Report = {
  iterations: number;
  hashesPerRequest: number;
  cpuMsPerHash: number;
  overheadCPUMsPerRequest: number;
  hashesPerSecond: number;
};

export function summarizePBKDF2(empty: Measurement, hashing: Measurement): PBKDF2Report {
  const emptyCPU = perRequest(empty).cpuMsPerRequest.worker;
  const hashingCPU = perRequest(hashing).cpuMsPerRequest.worker;
  if (emptyCPU === undefined || hashingCPU === undefined) {
    throw new Error('workerd CPU is not measurable here (no /proc)');
  }
  if (hashing.non2xx + hashing.errors > 0) throw new Error('the PBKDF2 probe answered errors');
  return {
    iterations: PBKDF2_ITERATIONS,
    hashesPerRequest: PROBE_HASHES_PER_REQUEST,
    cpuMsPerHash: (hashingCPU - emptyCPU) / PROBE_HASHES_PER_REQUEST,
    overheadCPUMsPerRequest: emptyCPU,
    hashesPerSecond: perRequest(hashing).requestsPerSecond * PROBE_HASHES_PER_REQUEST,
  };
}
