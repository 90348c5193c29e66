-- AlterTable
ALTER TABLE "kyc_records" ADD COLUMN     "screening_match_confirmed_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "screening_clearances" DROP COLUMN "reason";

-- AlterTable
ALTER TABLE "wallets" ADD COLUMN     "restricted_at" TIMESTAMPTZ(3),
ADD COLUMN     "restriction_reason" TEXT;

-- CreateTable
CREATE TABLE "screening_case_hits" (
    "id" UUID NOT NULL,
    "record_id" UUID NOT NULL,
    "subject_id" UUID NOT NULL,
    "hit_id" UUID NOT NULL,
    "entry_id" TEXT NOT NULL,
    "entry_content_hash" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "resolved_by" UUID,
    "resolved_at" TIMESTAMPTZ(3),
    "reason_enc" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "screening_case_hits_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "screening_rescreens" (
    "id" UUID NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "list_version_ids" UUID[],
    "status" TEXT NOT NULL DEFAULT 'running',
    "screened" INTEGER NOT NULL DEFAULT 0,
    "with_hits" INTEGER NOT NULL DEFAULT 0,
    "cases_opened" INTEGER NOT NULL DEFAULT 0,
    "batches" INTEGER NOT NULL DEFAULT 0,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "screening_rescreens_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "idx_screening_case_hits_record_status" ON "screening_case_hits"("record_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "screening_case_hits_record_entry_hash_key" ON "screening_case_hits"("record_id", "entry_id", "entry_content_hash");

-- CreateIndex
CREATE UNIQUE INDEX "screening_rescreens_workflow_id_key" ON "screening_rescreens"("workflow_id");

-- CreateIndex
CREATE INDEX "idx_screening_rescreens_started" ON "screening_rescreens"("started_at");

-- CreateIndex
CREATE INDEX "idx_kyc_records_status_id" ON "kyc_records"("status", "id");

-- AddForeignKey
ALTER TABLE "screening_case_hits" ADD CONSTRAINT "screening_case_hits_record_id_fkey" FOREIGN KEY ("record_id") REFERENCES "kyc_records"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "screening_case_hits" ADD CONSTRAINT "screening_case_hits_hit_id_fkey" FOREIGN KEY ("hit_id") REFERENCES "screening_hits"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

