-- AlterTable
ALTER TABLE "webhook_receipts" ADD COLUMN     "dispatch_after" TIMESTAMPTZ(3),
ADD COLUMN     "dispatch_attempts" INTEGER NOT NULL DEFAULT 0;


-- Receipts stored before the inbox and never processed (their delivery failed; Veriff's retries were
-- the only way on): due for the redelivery loop at once.
UPDATE "webhook_receipts" SET "dispatch_after" = now()
WHERE "outcome" = 'received' AND "processed_at" IS NULL AND "source" = 'veriff' AND "kyc_record_id" IS NOT NULL;
