CREATE TABLE "unknown_account_attempts" (
	"email_key" text PRIMARY KEY NOT NULL,
	"failed_auth_count" integer DEFAULT 0 NOT NULL,
	"locked_until" timestamp with time zone,
	"last_failure_counted" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "backup_tokens" ADD COLUMN "hash_key_id" text DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "password_resets" ADD COLUMN "hash_key_id" text DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "tfa_challenges" ADD COLUMN "email_code_key_id" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "open_challenge_id" uuid;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "open_challenge_failures" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "replay_notice_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tfa_challenges" DROP COLUMN "failed_attempts";