// Step-up rules (NIST SP 800-63B §4.2.3 and §6.2; ASVS 5.0 6.3.x, 7.5): what reveals or changes a factor
// needs a recent authentication, and reading the TOTP secret again needs one whose second factor was
// proven (aal2). The one home of these checks: routes list `requireAssurance(...)` after
// `requireAccessToken`, which put the token's `acr` and `auth_time` on the principal.
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../../app-env';
import { withContract } from '../openapi-route';
import { problems } from '../problem';

/** "Recent" for a step-up: the login that started the session happened at most this long ago. */
export const RECENT_AUTHENTICATION_SECONDS = 10 * 60;

export type AssuranceRequirement = {
  /** Require an access token of a login that proved a second factor (acr aal2). */
  secondFactor: boolean;
  /** Require the login (auth_time) to be at most this many seconds old. */
  maxAgeSeconds: number;
};

// Every admin endpoint: a session whose login proved an AAL2 second factor. Stateless (the token's acr), so
// it runs before the admin statement; whether the caller is an admin is decided inside that statement.
export const requireAdminSession = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get('principal').acr !== 'aal2') throw problems.adminSecondFactorRequired();
  await next();
});

export function requireAssurance(requirement: AssuranceRequirement) {
  const middleware = createMiddleware<AppEnv>(async (c, next) => {
    const principal = c.get('principal');
    const nowSeconds = Math.floor(c.get('deps').nowMs() / 1000);
    const ageSeconds = nowSeconds - principal.authTimeSeconds;
    const fresh = Number.isFinite(ageSeconds) && ageSeconds <= requirement.maxAgeSeconds;
    if (requirement.secondFactor && (principal.acr !== 'aal2' || !fresh))
      throw problems.freshSecondFactorRequired(requirement.maxAgeSeconds);
    if (!fresh) throw problems.recentLoginRequired(requirement.maxAgeSeconds);
    await next();
  });
  // With a second factor required, a stale login is refused by that same check: one 403 either way.
  return withContract(middleware, {
    problems: [
      requirement.secondFactor
        ? problems.freshSecondFactorRequired(requirement.maxAgeSeconds)
        : problems.recentLoginRequired(requirement.maxAgeSeconds),
    ],
  });
}
