// Access tokens minted with the Worker's own test keys, for claims a real login cannot produce on demand
// (an old auth_time), so step-up rules can be tested without waiting ten minutes.
import { env } from 'cloudflare:workers';
import { loadSigningKeys, signToken } from '../../src/crypto/jwt';

export async function accessTokenWith(claims: {
  sub: string;
  sid?: string;
  amr: string[];
  acr: 'aal1' | 'aal2';
  authTimeSecondsAgo: number;
}): Promise<string> {
  const keys = await loadSigningKeys(env.JWT_SIGNING_KEYS);
  const nowSeconds = Math.floor(Date.now() / 1000);
  return signToken(
    keys,
    'access',
    {
      sub: claims.sub,
      sid: claims.sid ?? crypto.randomUUID(),
      amr: claims.amr,
      acr: claims.acr,
      auth_time: nowSeconds - claims.authTimeSecondsAgo,
    },
    { issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, expiresInSeconds: 900, nowSeconds },
  );
}
