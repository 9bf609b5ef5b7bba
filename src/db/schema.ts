// Tables. Every per-account security fact lives here (strongly consistent), never in KV.
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () =>
  timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow();

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    // Stored normalised (trimmed, lower-cased); the unique index is the single source of truth for duplicates.
    email: text('email').notNull(),
    fullName: text('full_name').notNull(),
    // RFC 5646 language tag for the user's emails (signup's `locale` or Accept-Language); null: English.
    locale: text('locale'),
    passwordHash: text('password_hash').notNull(),
    tfaEnabled: boolean('tfa_enabled').notNull().default(false),
    // When the owner proved the mailbox (verification token, email-code login or password reset); null until
    // then. An unproven address grants nothing: no ADMIN_EMAILS rights, no login when REQUIRE_VERIFIED_EMAIL.
    emailVerifiedAt: timestamp('email_verified_at', { withTimezone: true, mode: 'string' }),
    // 'admin' is granted by the operator (npm run admin -- grant EMAIL); ADMIN_EMAILS adds verified addresses.
    role: text('role', { enum: ['user', 'admin'] })
      .notNull()
      .default('user'),
    // Consecutive failed first- or second-factor attempts, for the per-account lockout.
    failedAuthCount: integer('failed_auth_count').notNull().default(0),
    lockedUntil: timestamp('locked_until', { withTimezone: true, mode: 'string' }),
    // The one open pre-TFA challenge (a new password login replaces it; completion, a password reset or
    // change clear it) and its wrong codes so far. Kept on the users row so the statement that judges a
    // second factor reads them under the same row lock as the account's lock and failure count.
    openChallengeId: uuid('open_challenge_id'),
    openChallengeFailures: integer('open_challenge_failures').notNull().default(0),
    // When the owner was last told of a refused replayed TOTP code: at most one notice per 15 minutes.
    replayNoticeAt: timestamp('replay_notice_at', { withTimezone: true, mode: 'string' }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_email_key').on(t.email),
    check('users_email_normalised', sql`${t.email} = lower(btrim(${t.email}))`),
    check('users_role', sql`${t.role} in ('user', 'admin')`),
  ],
);

export const tfaDevices = pgTable(
  'tfa_devices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    deviceType: text('device_type', { enum: ['email', 'code_generator'] }).notNull(),
    // AES-256-GCM envelope of the TOTP secret (code_generator only); the key id inside allows rotation.
    secretEnvelope: text('secret_envelope'),
    // RFC 6238 §5.2: a code is accepted once, so only a time step later than this one verifies.
    lastAcceptedStep: bigint('last_accepted_step', { mode: 'number' }),
    createdAt: createdAt(),
  },
  (t) => [
    // At most one device per user.
    uniqueIndex('tfa_devices_user_id_key').on(t.userId),
    check('tfa_devices_type', sql`${t.deviceType} in ('email', 'code_generator')`),
    check(
      'tfa_devices_secret_matches_type',
      sql`(${t.deviceType} = 'code_generator') = (${t.secretEnvelope} is not null)`,
    ),
  ],
);

export const backupTokens = pgTable(
  'backup_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // HMAC-SHA256 under a Worker secret: the database alone cannot recover or test a token.
    tokenHash: text('token_hash').notNull(),
    // Which TOKEN_HASH_KEYS entry made token_hash, so a new key can be added while old hashes verify.
    hashKeyId: text('hash_key_id').notNull().default('0'),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'string' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('backup_tokens_user_hash_key').on(t.userId, t.tokenHash)],
);

// One row per refresh-token family (a login). Rotation swaps current_token_id; presenting any
// other token id of the family is reuse and revokes the family (RFC 9700 §4.14.2).
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    currentTokenId: uuid('current_token_id').notNull(),
    // Authentication methods of the login (RFC 8176), carried into every access token of the family.
    amr: text('amr').array().notNull(),
    authTime: timestamp('auth_time', { withTimezone: true, mode: 'string' }).notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    // Absolute lifetime of the family, whatever the rotations.
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'string' }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'string' }),
    revokedReason: text('revoked_reason'),
  },
  (t) => [index('sessions_user_id_idx').on(t.userId)],
);

// A pending second factor: created by a password login of a TFA user; its id is the pre-TFA token's jti.
export const tfaChallenges = pgTable(
  'tfa_challenges',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // Email devices only: HMAC of the emailed code; the code itself is never stored.
    emailCodeHash: text('email_code_hash'),
    // Which TOKEN_HASH_KEYS entry made email_code_hash.
    emailCodeKeyId: text('email_code_key_id'),
    // Wrong codes are counted on the users row (open_challenge_failures), which every judging statement locks.
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'string' }).notNull(),
    consumedAt: timestamp('consumed_at', { withTimezone: true, mode: 'string' }),
    createdAt: createdAt(),
  },
  (t) => [index('tfa_challenges_user_id_idx').on(t.userId)],
);

// A password-reset request: the emailed token is stored only as its keyed hash (HMAC, purpose
// 'password-reset'); consuming it is one conditional UPDATE, so a token works once (ASVS 6.4.1).
export const passwordResets = pgTable(
  'password_resets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    // Which TOKEN_HASH_KEYS entry made token_hash.
    hashKeyId: text('hash_key_id').notNull().default('0'),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'string' }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'string' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('password_resets_token_hash_key').on(t.tokenHash),
    // The per-account resend quota counts an account's recent requests.
    index('password_resets_user_id_created_at_idx').on(t.userId, t.createdAt),
  ],
);

// An email-verification request: like a reset, the emailed token is kept only as its keyed hash (purpose
// 'email-verification') and consumed by one conditional UPDATE. `email` is the address it proves: the
// token verifies the account only while that is still the account's address.
export const emailVerifications = pgTable(
  'email_verifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    tokenHash: text('token_hash').notNull(),
    // Which TOKEN_HASH_KEYS entry made token_hash.
    hashKeyId: text('hash_key_id').notNull().default('0'),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'string' }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'string' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('email_verifications_token_hash_key').on(t.tokenHash),
    // The per-account resend quota counts an account's recent requests.
    index('email_verifications_user_id_created_at_idx').on(t.userId, t.createdAt),
  ],
);

// Failed logins for emails that have no account, so that unknown emails get the same answers, counters
// and lock as real ones (no account enumeration by lockout). Keyed by an HMAC of the normalised email, so
// the table is no list of addresses; no row in users. A key rotation starts these counters afresh.
export const unknownAccountAttempts = pgTable('unknown_account_attempts', {
  emailKey: text('email_key').primaryKey(),
  failedAuthCount: integer('failed_auth_count').notNull().default(0),
  lockedUntil: timestamp('locked_until', { withTimezone: true, mode: 'string' }),
  // Whether the latest attempt was counted (RETURNING sees only the new row on PostgreSQL 15, so the
  // upsert records its own verdict here).
  lastFailureCounted: boolean('last_failure_counted').notNull().default(false),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
});

// One row per email task: the consumer claims it before sending and marks it sent before acking, so a
// message the queue delivers again (retry, crash before the ack, a duplicate delivery) is not sent twice.
// In Postgres, not KV: the claim must be one atomic conditional statement, visible everywhere at once.
export const emailDeliveries = pgTable('email_deliveries', {
  taskId: uuid('task_id').primaryKey(),
  // The queue message id of the latest delivery, for tracing.
  queueMessageId: text('queue_message_id').notNull(),
  transport: text('transport').notNull(),
  attempts: integer('attempts').notNull().default(1),
  // Held while one consumer is sending; a delivery that finds it held waits instead of sending too.
  leaseUntil: timestamp('lease_until', { withTimezone: true, mode: 'string' }),
  sentAt: timestamp('sent_at', { withTimezone: true, mode: 'string' }),
  failedAt: timestamp('failed_at', { withTimezone: true, mode: 'string' }),
  // Why the last attempt failed: transport, step and status code only, never content or addresses.
  lastError: text('last_error'),
  createdAt: createdAt(),
});
