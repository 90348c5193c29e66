-- CreateTable
CREATE TABLE "screening_list_versions" (
    "id" UUID NOT NULL,
    "source" TEXT NOT NULL,
    "publisher_version" TEXT,
    "file_hash" TEXT NOT NULL,
    "entry_count" INTEGER NOT NULL,
    "added_count" INTEGER NOT NULL,
    "changed_count" INTEGER NOT NULL,
    "removed_count" INTEGER NOT NULL,
    "previous_version_id" UUID,
    "loaded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "screening_list_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "screening_entries" (
    "id" UUID NOT NULL,
    "entry_id" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "source_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "entity_type" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "names" JSONB NOT NULL,
    "birth_dates" JSONB NOT NULL,
    "countries" TEXT[],
    "gender" TEXT,
    "programs" TEXT[],
    "content_hash" TEXT NOT NULL,
    "added_in_version_id" UUID NOT NULL,
    "removed_in_version_id" UUID,

    CONSTRAINT "screening_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "screening_entry_tokens" (
    "key" TEXT NOT NULL,
    "entry_row_id" UUID NOT NULL,

    CONSTRAINT "screening_entry_tokens_pkey" PRIMARY KEY ("key","entry_row_id")
);

-- CreateTable
CREATE TABLE "screening_runs" (
    "id" UUID NOT NULL,
    "subject_id" UUID NOT NULL,
    "record_id" UUID,
    "trigger" TEXT NOT NULL,
    "list_version_ids" UUID[],
    "threshold" DOUBLE PRECISION NOT NULL,
    "result" TEXT NOT NULL,
    "match_count" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "screening_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "screening_hits" (
    "id" UUID NOT NULL,
    "run_id" UUID NOT NULL,
    "entry_id" TEXT NOT NULL,
    "entry_content_hash" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "entry_name" TEXT NOT NULL,
    "matched_name" TEXT NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "match" BOOLEAN NOT NULL,
    "cleared" BOOLEAN NOT NULL DEFAULT false,
    "explanation" JSONB NOT NULL,

    CONSTRAINT "screening_hits_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "screening_clearances" (
    "id" UUID NOT NULL,
    "subject_id" UUID NOT NULL,
    "entry_id" TEXT NOT NULL,
    "entry_content_hash" TEXT NOT NULL,
    "cleared_by" UUID,
    "reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "screening_clearances_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "idx_screening_list_versions_source_loaded" ON "screening_list_versions"("source", "loaded_at");

-- CreateIndex
CREATE INDEX "idx_screening_entries_entry" ON "screening_entries"("entry_id", "removed_in_version_id");

-- CreateIndex
CREATE INDEX "idx_screening_entries_source_current" ON "screening_entries"("source", "removed_in_version_id");

-- CreateIndex
CREATE INDEX "idx_screening_entries_added_in" ON "screening_entries"("added_in_version_id");

-- CreateIndex
CREATE INDEX "idx_screening_entry_tokens_entry" ON "screening_entry_tokens"("entry_row_id");

-- CreateIndex
CREATE INDEX "idx_screening_runs_subject_created" ON "screening_runs"("subject_id", "created_at");

-- CreateIndex
CREATE INDEX "idx_screening_runs_record" ON "screening_runs"("record_id");

-- CreateIndex
CREATE INDEX "idx_screening_hits_run" ON "screening_hits"("run_id");

-- CreateIndex
CREATE INDEX "idx_screening_hits_entry" ON "screening_hits"("entry_id");

-- CreateIndex
CREATE UNIQUE INDEX "screening_clearances_subject_entry_hash_key" ON "screening_clearances"("subject_id", "entry_id", "entry_content_hash");

-- AddForeignKey
ALTER TABLE "screening_entry_tokens" ADD CONSTRAINT "screening_entry_tokens_entry_row_id_fkey" FOREIGN KEY ("entry_row_id") REFERENCES "screening_entries"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "screening_hits" ADD CONSTRAINT "screening_hits_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "screening_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

