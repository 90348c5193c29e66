-- DropIndex
DROP INDEX "screening_case_hits_record_entry_hash_key";

-- DropIndex
DROP INDEX "screening_clearances_subject_entry_hash_key";

-- AlterTable
ALTER TABLE "screening_case_hits" ADD COLUMN     "identity_hash" TEXT;

-- AlterTable
ALTER TABLE "screening_clearances" ADD COLUMN     "confirmed_by" UUID,
ADD COLUMN     "identity_hash" TEXT;

-- AlterTable
ALTER TABLE "screening_list_versions" ADD COLUMN     "checked_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "screening_runs" ADD COLUMN     "identity_hash" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "screening_case_hits_record_entry_identity_key" ON "screening_case_hits"("record_id", "entry_id", "entry_content_hash", "identity_hash");

-- CreateIndex
CREATE UNIQUE INDEX "screening_clearances_subject_entry_identity_key" ON "screening_clearances"("subject_id", "entry_id", "entry_content_hash", "identity_hash");


-- A version's age is counted from its last refresh; versions loaded before this column existed
-- were last confirmed when they were loaded.
UPDATE "screening_list_versions" SET "checked_at" = "loaded_at";

-- Clearances written before they were bound to an identity and confirmed by a second reviewer
-- stay on the trail but no longer cover a hit (identity_hash is null): such a customer is
-- screened afresh at the next screening and a person decides again.
