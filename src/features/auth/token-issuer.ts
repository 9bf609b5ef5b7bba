// Issues the token pair of a session: a short access token carrying the authentication methods, and a
// refresh token naming the family (sid) and its current member (jti).
import type { Deps } from '../../app-env';
import { signToken } from '../../crypto/jwt';
import type { NewSession } from '../../db/queries/sessions';

export type TokenPair = { access_token: string; refresh_token: string; token_type: 'bearer' };

// NIST SP 800-63B: email is not an AAL2 authenticator, so an email code only earns aal1 (ASVS 5.0 6.3.6).
export function assuranceLevelOf(amr: readonly string[]): 'aal1' | 'aal2' {
  return amr.includes('otp') || amr.includes('backup_code') ? 'aal2' : 'aal1';
}

export function newSession(deps: Pick<Deps, 'config'>, userId: string, amr: string[]): NewSession {
  return {
    sessionId: crypto.randomUUID(),
    userId,
    tokenId: crypto.randomUUID(),
    amr,
    familyMaxAgeSeconds: deps.config.refreshFamilyMaxAgeSeconds,
  };
}

export async function issueTokenPair(
  deps: Pick<Deps, 'config' | 'secrets' | 'nowMs'>,
  session: {
    sessionId: string;
    userId: string;
    tokenId: string;
    amr: string[];
    authTimeSeconds: number;
    emailVerified: boolean;
  },
): Promise<TokenPair> {
  const { config, secrets } = deps;
  const nowSeconds = Math.floor(deps.nowMs() / 1000);
  const options = { issuer: config.issuer, audience: config.audience, nowSeconds };
  const [accessToken, refreshToken] = await Promise.all([
    signToken(
      secrets.signingKeys,
      'access',
      {
        sub: session.userId,
        sid: session.sessionId,
        amr: session.amr,
        acr: assuranceLevelOf(session.amr),
        auth_time: session.authTimeSeconds,
        // OIDC Core §5.1: whether the address was proven when this token was issued.
        email_verified: session.emailVerified,
      },
      { ...options, expiresInSeconds: config.accessTokenTTLSeconds },
    ),
    signToken(
      secrets.signingKeys,
      'refresh',
      { sub: session.userId, sid: session.sessionId },
      { ...options, expiresInSeconds: config.refreshTokenTTLSeconds, jti: session.tokenId },
    ),
  ]);
  return { access_token: accessToken, refresh_token: refreshToken, token_type: 'bearer' };
}
