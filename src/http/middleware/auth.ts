// Thin HTTP adapters over crypto/jwt: read the bearer token, verify it as exactly one token kind, and
// expose the verified claims. A token of any other kind is refused (RFC 8725 §3.11–3.12).
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../../app-env';
import { InvalidTokenError, type TokenKind, verifyToken } from '../../crypto/jwt';
import { BEARER_SECURITY, withContract } from '../openapi-route';
import { problems } from '../problem';

function readBearerToken(authorization: string | undefined): string | undefined {
  const match = authorization?.match(/^Bearer[ ]+([A-Za-z0-9._~+/-]+=*)\s*$/i);
  return match?.[1];
}

async function verifyBearer(c: Context<AppEnv>, kind: TokenKind) {
  const token = readBearerToken(c.req.header('authorization'));
  if (!token) throw problems.missingToken();
  const { config, secrets } = c.get('deps');
  try {
    return await verifyToken(secrets.signingKeys, kind, token, {
      issuer: config.issuer,
      audience: config.audience,
    });
  } catch (error) {
    if (error instanceof InvalidTokenError) throw problems.invalidToken();
    throw error;
  }
}

// What an operation behind either check documents: the padlock and the two 401s.
const BEARER_CONTRACT = {
  security: BEARER_SECURITY,
  problems: [problems.missingToken(), problems.invalidToken()],
};

export const requireAccessToken = withContract(
  createMiddleware<AppEnv>(async (c, next) => {
    const claims = await verifyBearer(c, 'access');
    c.set('principal', {
      userId: String(claims.sub),
      amr: Array.isArray(claims.amr) ? claims.amr.map(String) : [],
      sessionId: typeof claims.sid === 'string' ? claims.sid : undefined,
      acr: claims.acr === 'aal2' ? 'aal2' : 'aal1',
      // A token without auth_time proves no recent login: it reads as infinitely old.
      authTimeSeconds: typeof claims.auth_time === 'number' ? claims.auth_time : Number.NEGATIVE_INFINITY,
    });
    await next();
  }),
  BEARER_CONTRACT,
);

// Pre-TFA tokens are checked statelessly (no database round trip); the challenge row they name is checked
// by the second-factor statement itself.
export const requirePreTFAToken = withContract(
  createMiddleware<AppEnv>(async (c, next) => {
    const claims = await verifyBearer(c, 'pre_tfa');
    c.set('challenge', { userId: String(claims.sub), challengeId: String(claims.jti) });
    await next();
  }),
  BEARER_CONTRACT,
);
