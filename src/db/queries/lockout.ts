// Per-account throttling (NIST SP 800-63B §5.2.2, ASVS 6.3.x), kept in Postgres because it must hold
// across every edge location at once. Consecutive failures of any factor count; a success resets them.
//
// The shared SQL pieces below are the one home of the lock rules. Every statement that judges a factor
// (accepts it or records it as wrong) starts with `accountGate`: it locks the users row (FOR NO KEY UPDATE)
// and, under READ COMMITTED, gets the row as the last concurrent writer committed it, so the lock and the
// counters it checks are the ones in force at commit time, never a stale read. A failure sets the lock in
// the same UPDATE that counts it, so once the 5th failure has committed every later statement sees the
// lock: per account and lock window at most LOCKOUT_THRESHOLD guesses are judged, whatever the concurrency.
import { type SQL, sql } from 'drizzle-orm';

// The 5th consecutive failure locks the account; each further failure (one per expired lock) locks again.
export const LOCKOUT_THRESHOLD = 5;
export const LOCKOUT_BASE_SECONDS = 30;
export const LOCKOUT_MAX_SECONDS = 60 * 60;
// NIST SP 800-63B §5.2.2 caps consecutive failures at 100: from there every lock lasts 24 hours, the
// longest a lock set by failures alone may last (anyone who knows an email can cause one).
export const LOCKOUT_LONG_AFTER_FAILURES = 100;
export const LOCKOUT_LONG_SECONDS = 24 * 60 * 60;
// The counter stops growing here (it only decides the lock length, which is capped long before).
const FAILURE_COUNT_CEILING = 1_000_000;

/** No lock in force on the row `alias` (users or unknown_account_attempts). */
export const notLocked = (alias: string) =>
  sql.raw(`(${alias}.locked_until is null or ${alias}.locked_until <= now())`);

/** The failure count after one more failure, from the row `alias`. */
export const failureCountAfterFailure = (alias: string) =>
  sql.raw(`least(${alias}.failed_auth_count + 1, ${FAILURE_COUNT_CEILING})`);

/** The lock after one more failure: 30 s at the 5th, doubling per further failure up to an hour, 24 h from the 100th. */
export const lockAfterFailure = (alias: string) =>
  sql.raw(`case
    when ${alias}.failed_auth_count + 1 >= ${LOCKOUT_LONG_AFTER_FAILURES}
      then now() + make_interval(secs => ${LOCKOUT_LONG_SECONDS})
    when ${alias}.failed_auth_count + 1 >= ${LOCKOUT_THRESHOLD} then now() + make_interval(secs => least(
      ${LOCKOUT_BASE_SECONDS} * power(2, ${alias}.failed_auth_count + 1 - ${LOCKOUT_THRESHOLD}), ${LOCKOUT_MAX_SECONDS}))
    else ${alias}.locked_until
  end`);

/** Seconds until `lockedUntil` (a timestamptz expression), 0 when not locked. */
export const secondsUntil = (lockedUntil: SQL) =>
  sql`greatest(0, ceil(extract(epoch from (coalesce(${lockedUntil}, now()) - now()))))::bigint`;

// Seconds until the account may try again (0 when not locked), from a users row alias.
export function lockedForSecondsOf(alias: string) {
  return secondsUntil(sql.raw(`${alias}.locked_until`));
}

/**
 * CTEs `gate` (the users row, locked, as last committed) and `admitted` (the same row if no lock is in
 * force and `extraCondition` on it holds). Every later CTE of the statement hangs off `admitted`.
 */
export function accountGate(userId: string, extraCondition: SQL = sql`true`) {
  return sql`
    gate as (
      select id, email, full_name, password_hash, failed_auth_count, locked_until, open_challenge_id,
        open_challenge_failures, replay_notice_at, email_verified_at
      from users where id = ${userId}
      for no key update
    ),
    admitted as (select * from gate where ${notLocked('gate')} and ${extraCondition})`;
}

/**
 * CTE `settled`: the one UPDATE of the users row in a judging statement. `succeeded` (a boolean SQL,
 * usually `exists (select 1 from <cte>)`) resets the counters and applies `onSuccess` (extra SET items,
 * each `column = case when … end`-free: they are wrapped here); otherwise, if `failed` holds, one failure
 * is counted and the lock it earns set, atomically. Neither: the row is left as it is.
 */
export function settleAccount(input: {
  succeeded: SQL;
  failed: SQL;
  onSuccess?: { column: string; value: SQL }[];
  onFailure?: { column: string; value: SQL }[];
}) {
  const { succeeded, failed } = input;
  const extra = [
    ...(input.onSuccess ?? []).map(
      ({ column, value }) =>
        sql`, ${sql.raw(column)} = case when ${succeeded} then ${value} else users.${sql.raw(column)} end`,
    ),
    ...(input.onFailure ?? []).map(
      ({ column, value }) =>
        sql`, ${sql.raw(column)} = case when ${succeeded} then users.${sql.raw(column)}
          when ${failed} then ${value} else users.${sql.raw(column)} end`,
    ),
  ];
  return sql`
    settled as (
      update users set
        failed_auth_count = case when ${succeeded} then 0
          when ${failed} then ${failureCountAfterFailure('users')} else users.failed_auth_count end,
        locked_until = case when ${succeeded} then null
          when ${failed} then ${lockAfterFailure('users')} else users.locked_until end,
        updated_at = now()
        ${sql.join(extra, sql``)}
      where id in (select id from admitted) and (${succeeded} or ${failed})
      returning id, failed_auth_count, locked_until
    )`;
}

/**
 * Columns for the final SELECT of a judging statement (needs `gate`, `admitted`, `settled`):
 * whether the account was there and admitted, the lock in force after the statement, and whether this
 * statement's failure started a lock (the owner is told once per run of failures).
 */
export const gateOutcomeColumns = sql`
  exists (select 1 from gate) as account_found,
  exists (select 1 from admitted) as admitted,
  ${secondsUntil(sql`coalesce((select locked_until from settled), (select locked_until from gate))`)}
    as locked_for_seconds,
  coalesce((select failed_auth_count = ${LOCKOUT_THRESHOLD} from settled), false) as lock_started`;

export type GateOutcomeRow = {
  account_found: boolean;
  admitted: boolean;
  locked_for_seconds: string | number;
  lock_started: boolean;
};

export type GateOutcome = {
  accountFound: boolean;
  admitted: boolean;
  lockedForSeconds: number;
  lockStarted: boolean;
};

export function toGateOutcome(row: GateOutcomeRow | undefined): GateOutcome {
  return {
    accountFound: row?.account_found === true,
    admitted: row?.admitted === true,
    lockedForSeconds: Number(row?.locked_for_seconds ?? 0),
    lockStarted: row?.lock_started === true,
  };
}
