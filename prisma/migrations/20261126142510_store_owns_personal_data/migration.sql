-- review_tasks.notes always held ciphertext: the name now says so, like every other *_enc column.
-- A rename, not drop and add: existing notes are kept.
ALTER TABLE "review_tasks" RENAME COLUMN "notes" TO "notes_enc";

-- The size and hash of a refused webhook body (never the body), and like facts of other refusals.
ALTER TABLE "security_events" ADD COLUMN     "details" JSONB;

-- Wallet limits come from the application's one table of tiers (domain/wallet.ts), not from defaults here.
ALTER TABLE "wallets" ALTER COLUMN "daily_limit" DROP DEFAULT,
ALTER COLUMN "monthly_limit" DROP DEFAULT;

-- A signed webhook that changes nothing (an older attempt's session, an event the record is past).
ALTER TYPE "WebhookOutcome" ADD VALUE 'ignored';
