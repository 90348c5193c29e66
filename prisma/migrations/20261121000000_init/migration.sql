-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('customer', 'reviewer', 'senior_reviewer', 'admin', 'auditor');

-- CreateEnum
CREATE TYPE "KycStatus" AS ENUM ('pending', 'in_progress', 'submitted', 'under_review', 'resubmission_required', 'approved', 'rejected', 'expired', 'validation_failed', 'error');

-- CreateEnum
CREATE TYPE "WalletType" AS ENUM ('basic', 'verified', 'premium');

-- CreateEnum
CREATE TYPE "ReviewLevel" AS ENUM ('standard', 'senior');

-- CreateEnum
CREATE TYPE "ReviewTaskStatus" AS ENUM ('open', 'decided', 'cancelled');

-- CreateEnum
CREATE TYPE "ReviewDecision" AS ENUM ('approve', 'reject', 'escalate', 'request_resubmission');

-- CreateEnum
CREATE TYPE "SignatureVerdict" AS ENUM ('valid', 'invalid', 'missing', 'not_applicable');

-- CreateEnum
CREATE TYPE "WebhookOutcome" AS ENUM ('received', 'processed', 'duplicate', 'unknown_session', 'rejected_signature', 'malformed', 'unrecognised', 'late');

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "username" TEXT NOT NULL,
    "email" TEXT,
    "password_hash" TEXT,
    "role" "Role" NOT NULL DEFAULT 'customer',
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "kyc_records" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "status" "KycStatus" NOT NULL DEFAULT 'pending',
    "status_reason" TEXT,
    "next_action" TEXT,
    "verification_level" TEXT NOT NULL DEFAULT 'standard',
    "first_name_enc" TEXT NOT NULL,
    "last_name_enc" TEXT NOT NULL,
    "date_of_birth_enc" TEXT NOT NULL,
    "document_number_enc" TEXT NOT NULL,
    "document_number_hash" TEXT NOT NULL,
    "address_enc" TEXT NOT NULL,
    "nationality" CHAR(2) NOT NULL,
    "country" CHAR(2) NOT NULL,
    "document_type" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "workflow_run_id" TEXT NOT NULL,
    "veriff_session_id" TEXT,
    "veriff_session_url" TEXT,
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "vendor_status" TEXT,
    "vendor_reason_code" INTEGER,
    "extracted_data_enc" TEXT,
    "risk_score" INTEGER,
    "risk_reasons" JSONB,
    "verified_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "kyc_records_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "kyc_events" (
    "id" UUID NOT NULL,
    "kyc_record_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "from_status" "KycStatus",
    "to_status" "KycStatus",
    "actor_type" TEXT NOT NULL,
    "actor_id" TEXT,
    "reason" TEXT,
    "data" JSONB,
    "dedupe_key" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "kyc_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "wallets" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "wallet_type" "WalletType" NOT NULL DEFAULT 'basic',
    "is_kyc_verified" BOOLEAN NOT NULL DEFAULT false,
    "daily_limit" DECIMAL(12,2) NOT NULL DEFAULT 10000,
    "monthly_limit" DECIMAL(14,2) NOT NULL DEFAULT 100000,
    "upgraded_at" TIMESTAMPTZ(3),
    "upgraded_by_record_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "wallets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "review_tasks" (
    "id" UUID NOT NULL,
    "kyc_record_id" UUID NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "assignee_id" UUID,
    "level" "ReviewLevel" NOT NULL DEFAULT 'standard',
    "status" "ReviewTaskStatus" NOT NULL DEFAULT 'open',
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "escalated_at" TIMESTAMPTZ(3),
    "decision" "ReviewDecision",
    "reason_code" TEXT,
    "notes" TEXT,
    "decided_by_id" UUID,
    "decided_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "review_tasks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_receipts" (
    "id" UUID NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'veriff',
    "kind" TEXT NOT NULL,
    "kyc_record_id" UUID,
    "session_id" TEXT,
    "attempt_id" TEXT,
    "status_or_action" TEXT,
    "dedupe_key" TEXT,
    "raw_body_enc" TEXT NOT NULL,
    "signature_verdict" "SignatureVerdict" NOT NULL,
    "outcome" "WebhookOutcome" NOT NULL DEFAULT 'received',
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processed_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_receipts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox_events" (
    "id" UUID NOT NULL,
    "kyc_record_id" UUID,
    "type" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "subject" TEXT,
    "data" JSONB NOT NULL,
    "dedupe_key" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_username_key" ON "users"("username");

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "kyc_records_workflow_run_id_key" ON "kyc_records"("workflow_run_id");

-- CreateIndex
CREATE UNIQUE INDEX "kyc_records_veriff_session_id_key" ON "kyc_records"("veriff_session_id");

-- CreateIndex
CREATE INDEX "idx_kyc_records_status" ON "kyc_records"("status");

-- CreateIndex
CREATE INDEX "idx_kyc_records_user_status" ON "kyc_records"("user_id", "status");

-- CreateIndex
CREATE INDEX "idx_kyc_records_created_at" ON "kyc_records"("created_at");

-- CreateIndex
CREATE INDEX "idx_kyc_records_country_created" ON "kyc_records"("country", "created_at");

-- CreateIndex
CREATE INDEX "idx_kyc_status_updated" ON "kyc_records"("status", "updated_at");

-- CreateIndex
CREATE INDEX "idx_kyc_verification_level" ON "kyc_records"("verification_level", "status");

-- CreateIndex
CREATE INDEX "idx_kyc_records_document_hash" ON "kyc_records"("document_number_hash");

-- CreateIndex
CREATE UNIQUE INDEX "kyc_events_dedupe_key_key" ON "kyc_events"("dedupe_key");

-- CreateIndex
CREATE INDEX "idx_kyc_events_record_type" ON "kyc_events"("kyc_record_id", "event_type");

-- CreateIndex
CREATE INDEX "idx_kyc_events_created_at" ON "kyc_events"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "wallets_user_id_key" ON "wallets"("user_id");

-- CreateIndex
CREATE INDEX "idx_review_tasks_assignee_status" ON "review_tasks"("assignee_id", "status");

-- CreateIndex
CREATE INDEX "idx_review_tasks_status_due" ON "review_tasks"("status", "due_at");

-- CreateIndex
CREATE INDEX "idx_review_tasks_record" ON "review_tasks"("kyc_record_id");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_receipts_dedupe_key_key" ON "webhook_receipts"("dedupe_key");

-- CreateIndex
CREATE INDEX "idx_webhook_receipts_session" ON "webhook_receipts"("session_id");

-- CreateIndex
CREATE INDEX "idx_webhook_receipts_outcome" ON "webhook_receipts"("outcome", "received_at");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_events_dedupe_key_key" ON "outbox_events"("dedupe_key");

-- CreateIndex
CREATE INDEX "idx_outbox_unpublished" ON "outbox_events"("published_at", "created_at");

-- AddForeignKey
ALTER TABLE "kyc_records" ADD CONSTRAINT "kyc_records_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "kyc_events" ADD CONSTRAINT "kyc_events_kyc_record_id_fkey" FOREIGN KEY ("kyc_record_id") REFERENCES "kyc_records"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "wallets" ADD CONSTRAINT "wallets_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_tasks" ADD CONSTRAINT "review_tasks_kyc_record_id_fkey" FOREIGN KEY ("kyc_record_id") REFERENCES "kyc_records"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_tasks" ADD CONSTRAINT "review_tasks_assignee_id_fkey" FOREIGN KEY ("assignee_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_tasks" ADD CONSTRAINT "review_tasks_decided_by_id_fkey" FOREIGN KEY ("decided_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_receipts" ADD CONSTRAINT "webhook_receipts_kyc_record_id_fkey" FOREIGN KEY ("kyc_record_id") REFERENCES "kyc_records"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outbox_events" ADD CONSTRAINT "outbox_events_kyc_record_id_fkey" FOREIGN KEY ("kyc_record_id") REFERENCES "kyc_records"("id") ON DELETE SET NULL ON UPDATE CASCADE;


-- Indexes Prisma's schema language cannot express (see the comments in schema.prisma).
-- Seed 000's partial index on active records:
CREATE INDEX "idx_kyc_active_records" ON "kyc_records"("created_at") WHERE "status" IN ('pending', 'in_progress');

-- One active verification per customer, enforced by the database as well as by the workflow id.
CREATE UNIQUE INDEX "kyc_records_one_active_per_user" ON "kyc_records"("user_id")
  WHERE "status" IN ('pending', 'in_progress', 'submitted', 'under_review', 'resubmission_required');

-- The audit trail is append-only.
CREATE FUNCTION "kyc_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'kyc_events is append-only (% refused)', TG_OP;
END;
$$;
CREATE TRIGGER "kyc_events_no_update_or_delete" BEFORE UPDATE OR DELETE ON "kyc_events"
  FOR EACH ROW EXECUTE FUNCTION "kyc_events_append_only"();
