-- CreateEnum
CREATE TYPE "SecurityEventType" AS ENUM ('signature_failure', 'auth_failure', 'forbidden', 'rate_limited');

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "external_issuer" TEXT,
ADD COLUMN     "external_subject" TEXT;

-- CreateTable
CREATE TABLE "security_events" (
    "id" UUID NOT NULL,
    "type" "SecurityEventType" NOT NULL,
    "ip" TEXT,
    "user_id" UUID,
    "method" TEXT NOT NULL,
    "route" TEXT NOT NULL,
    "status" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "security_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rate_limit_buckets" (
    "key" TEXT NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "hits" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "rate_limit_buckets_pkey" PRIMARY KEY ("key","window_start")
);

-- CreateIndex
CREATE INDEX "idx_security_events_created_at" ON "security_events"("created_at");

-- CreateIndex
CREATE INDEX "idx_security_events_type_created" ON "security_events"("type", "created_at");

-- CreateIndex
CREATE INDEX "idx_rate_limit_buckets_window" ON "rate_limit_buckets"("window_start");

-- CreateIndex
CREATE UNIQUE INDEX "users_external_identity_key" ON "users"("external_issuer", "external_subject");

