-- CreateEnum
CREATE TYPE "ErasureBasis" AS ENUM ('customer_request', 'account_closure');

-- CreateEnum
CREATE TYPE "ErasureStatus" AS ENUM ('accepted', 'erased', 'completed');

-- AlterTable
ALTER TABLE "kyc_records" ADD COLUMN     "pii_erased_at" TIMESTAMPTZ(3),
ADD COLUMN     "restricted_at" TIMESTAMPTZ(3),
ADD COLUMN     "retain_until" TIMESTAMPTZ(3),
ALTER COLUMN "first_name_enc" DROP NOT NULL,
ALTER COLUMN "last_name_enc" DROP NOT NULL,
ALTER COLUMN "date_of_birth_enc" DROP NOT NULL,
ALTER COLUMN "document_number_enc" DROP NOT NULL,
ALTER COLUMN "document_number_hash" DROP NOT NULL,
ALTER COLUMN "address_enc" DROP NOT NULL;

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "erased_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "webhook_receipts" ADD COLUMN     "body_erased_at" TIMESTAMPTZ(3),
ALTER COLUMN "raw_body_enc" DROP NOT NULL;

-- CreateTable
CREATE TABLE "subject_keys" (
    "id" UUID NOT NULL,
    "subject_id" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "wrapped_key" TEXT,
    "ring_key_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "rewrapped_at" TIMESTAMPTZ(3),
    "destroyed_at" TIMESTAMPTZ(3),

    CONSTRAINT "subject_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "erasure_requests" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "basis" "ErasureBasis" NOT NULL,
    "status" "ErasureStatus" NOT NULL DEFAULT 'accepted',
    "requested_by" UUID NOT NULL,
    "requested_by_role" "Role" NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "plan" JSONB NOT NULL,
    "erased" JSONB,
    "vendor_sessions" INTEGER NOT NULL DEFAULT 0,
    "vendor_deleted" INTEGER NOT NULL DEFAULT 0,
    "requested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "erased_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "erasure_requests_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "privacy_audit_events" (
    "id" UUID NOT NULL,
    "action" TEXT NOT NULL,
    "subject_id" UUID,
    "actor_id" UUID,
    "actor_role" TEXT NOT NULL,
    "reason" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "privacy_audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "idx_subject_keys_ring_key" ON "subject_keys"("ring_key_id");

-- CreateIndex
CREATE UNIQUE INDEX "subject_keys_subject_purpose_key" ON "subject_keys"("subject_id", "purpose");

-- CreateIndex
CREATE INDEX "idx_erasure_requests_user" ON "erasure_requests"("user_id", "requested_at");

-- CreateIndex
CREATE INDEX "idx_privacy_audit_subject" ON "privacy_audit_events"("subject_id", "created_at");

-- CreateIndex
CREATE INDEX "idx_privacy_audit_action" ON "privacy_audit_events"("action", "created_at");

-- CreateIndex
CREATE INDEX "idx_kyc_records_retain_until" ON "kyc_records"("retain_until");


-- The privacy audit trail is append-only, like kyc_events: exports, erasures, restricted reads
-- and retention runs are facts that nobody rewrites.
CREATE FUNCTION "privacy_audit_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'privacy_audit_events is append-only (% refused)', TG_OP;
END;
$$;
CREATE TRIGGER "privacy_audit_events_no_update_or_delete" BEFORE UPDATE OR DELETE ON "privacy_audit_events"
  FOR EACH ROW EXECUTE FUNCTION "privacy_audit_events_append_only"();
