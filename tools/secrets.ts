// Generates the Worker's secrets for local development and test runs, so none is ever committed.
// Formats (validated again by src/config.ts at the Worker's first request):
//   JWT_SIGNING_KEYS  JSON {"keys":[Ed25519 private JWK with kid, ...]}; the first key signs, all verify
//   ENCRYPTION_KEYS   "kid:base64url(32 bytes),kid:..."; the first key encrypts, all decrypt
//   TOKEN_HASH_KEY    base64url(32 bytes) (key id "0"), or "kid:base64url(32 bytes),kid:..." to rotate: the
//                     first key hashes backup tokens, email codes and reset tokens, all verify
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export type WorkerSecrets = {
  JWT_SIGNING_KEYS: string;
  ENCRYPTION_KEYS: string;
  TOKEN_HASH_KEY: string;
};

export function generateSigningKeyJWK(kid: string): Record<string, string> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' }) as Record<string, string>;
  return { ...jwk, kid, alg: 'EdDSA', use: 'sig' };
}

export function generateWorkerSecrets(): WorkerSecrets {
  const stamp = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  return {
    JWT_SIGNING_KEYS: JSON.stringify({ keys: [generateSigningKeyJWK(`sig-${stamp}`)] }),
    ENCRYPTION_KEYS: `enc-${stamp}:${randomBytes(32).toString('base64url')}`,
    TOKEN_HASH_KEY: randomBytes(32).toString('base64url'),
  };
}
