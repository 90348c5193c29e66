-- CreateEnum
CREATE TYPE "DocumentKind" AS ENUM ('front', 'back', 'selfie');

-- CreateEnum
CREATE TYPE "DocumentSource" AS ENUM ('upload', 'veriff');

-- AlterEnum
ALTER TYPE "Role" ADD VALUE 'service';

-- CreateTable
CREATE TABLE "documents" (
    "id" UUID NOT NULL,
    "owner_id" UUID NOT NULL,
    "kyc_record_id" UUID,
    "attempt" INTEGER,
    "kind" "DocumentKind" NOT NULL,
    "source" "DocumentSource" NOT NULL,
    "content_type" TEXT NOT NULL,
    "byte_size" INTEGER NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "content_hash" TEXT NOT NULL,
    "content_enc" BYTEA NOT NULL,
    "vendor_media_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "documents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "document_checks" (
    "id" UUID NOT NULL,
    "kyc_record_id" UUID NOT NULL,
    "document_id" UUID NOT NULL,
    "session_id" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "decision" TEXT NOT NULL,
    "retake" BOOLEAN NOT NULL,
    "checks" JSONB NOT NULL,
    "reason_codes" TEXT[],
    "reason" TEXT NOT NULL,
    "details_enc" BYTEA NOT NULL,
    "heat_map_enc" BYTEA NOT NULL,
    "checked_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "document_checks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "service_api_keys" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "prefix" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "service_api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "documents_vendor_media_id_key" ON "documents"("vendor_media_id");

-- CreateIndex
CREATE INDEX "idx_documents_record" ON "documents"("kyc_record_id", "created_at");

-- CreateIndex
CREATE INDEX "idx_documents_owner_hash" ON "documents"("owner_id", "content_hash");

-- CreateIndex
CREATE UNIQUE INDEX "document_checks_session_id_key" ON "document_checks"("session_id");

-- CreateIndex
CREATE INDEX "idx_document_checks_record" ON "document_checks"("kyc_record_id");

-- CreateIndex
CREATE UNIQUE INDEX "service_api_keys_key_hash_key" ON "service_api_keys"("key_hash");

-- CreateIndex
CREATE INDEX "idx_service_api_keys_user" ON "service_api_keys"("user_id");

-- AddForeignKey
ALTER TABLE "documents" ADD CONSTRAINT "documents_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "documents" ADD CONSTRAINT "documents_kyc_record_id_fkey" FOREIGN KEY ("kyc_record_id") REFERENCES "kyc_records"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "document_checks" ADD CONSTRAINT "document_checks_kyc_record_id_fkey" FOREIGN KEY ("kyc_record_id") REFERENCES "kyc_records"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "document_checks" ADD CONSTRAINT "document_checks_document_id_fkey" FOREIGN KEY ("document_id") REFERENCES "documents"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "service_api_keys" ADD CONSTRAINT "service_api_keys_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

