// A tiny Worker used only by the benchmark, run in the same workerd process as edge-2fa (bench/servers.ts)
// so login's CPU can be compared with the cost of its one password hash, in alternating windows.
// GET /?hashes=N derives N PBKDF2-HMAC-SHA256 keys with the service's parameters (100,000 iterations,
// 16-byte salt, 32-byte output; src/crypto/password.ts). N=0 is the same request without the work, so
// the benchmark can subtract the per-request overhead from the CPU it measures.
const PBKDF2_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const MAX_HASHES_PER_REQUEST = 100;
const PASSWORD = new TextEncoder().encode('correct horse battery staple');

async function derivePasswordHash(salt) {
  const baseKey = await crypto.subtle.importKey('raw', PASSWORD, 'PBKDF2', false, ['deriveBits']);
  return crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations: PBKDF2_ITERATIONS },
    baseKey,
    HASH_BYTES * 8,
  );
}

export default {
  async fetch(request) {
    const hashes = Number(new URL(request.url).searchParams.get('hashes') ?? '0');
    if (!Number.isInteger(hashes) || hashes < 0 || hashes > MAX_HASHES_PER_REQUEST) {
      return new Response(`hashes must be an integer 0–${MAX_HASHES_PER_REQUEST}`, { status: 400 });
    }
    let lastByte = 0;
    for (let i = 0; i < hashes; i++) {
      const hash = new Uint8Array(
        await derivePasswordHash(crypto.getRandomValues(new Uint8Array(SALT_BYTES))),
      );
      lastByte = hash[HASH_BYTES - 1] ?? 0;
    }
    // Returning a byte of the output keeps the derivation observable, so nothing can skip it.
    return Response.json({ hashes, iterations: PBKDF2_ITERATIONS, lastByte });
  },
};
