// Per-account throttling (NIST SP 800-63B §5.2.2, ASVS 6.3.x), kept in Postgres because it must hold
// across every edge location at once. Consecutive failures of any factor count; a success resets them.
import { sql } from 'drizzle-orm';

// From this many consecutive failures on, the account waits before the next attempt.
export const LOCKOUT_THRESHOLD = 5;
export const LOCKOUT_BASE_SECONDS = 30;
export const LOCKOUT_MAX_SECONDS = 60 * 60;
// NIST: at most 100 consecutive failures; past that the account stays locked until a password reset.
export const LOCKOUT_HARD_LIMIT = 100;

// The SET clauses recording one more failure: 30 s after the 5th, doubling per further failure, capped
// at an hour; "permanent" (a century) from the 100th. `failed_auth_count` is the value before this failure.
export const recordFailureSet = sql.raw(`
  failed_auth_count = least(failed_auth_count + 1, ${LOCKOUT_HARD_LIMIT}),
  locked_until = case
    when failed_auth_count + 1 >= ${LOCKOUT_HARD_LIMIT} then now() + interval '100 years'
    when failed_auth_count + 1 >= ${LOCKOUT_THRESHOLD} then now() + make_interval(secs => least(
      ${LOCKOUT_BASE_SECONDS} * power(2, failed_auth_count + 1 - ${LOCKOUT_THRESHOLD}), ${LOCKOUT_MAX_SECONDS}))
    else locked_until
  end`);

// Seconds until the account may try again (0 when not locked), from a users row alias.
export function lockedForSecondsOf(alias: string) {
  return sql.raw(
    `greatest(0, ceil(extract(epoch from (coalesce(${alias}.locked_until, now()) - now()))))::bigint`,
  );
}
