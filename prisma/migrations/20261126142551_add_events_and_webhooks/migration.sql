-- CreateEnum
CREATE TYPE "WebhookSubscriptionStatus" AS ENUM ('active', 'paused');

-- CreateEnum
CREATE TYPE "WebhookDeliveryStatus" AS ENUM ('pending', 'succeeded', 'failed');

-- CreateEnum
CREATE TYPE "WebhookAttemptOutcome" AS ENUM ('delivered', 'http_error', 'timeout', 'network_error', 'refused_address');

-- AlterTable
ALTER TABLE "outbox_events" ADD COLUMN     "dispatched_at" TIMESTAMPTZ(3),
ADD COLUMN     "position" BIGSERIAL NOT NULL,
ADD COLUMN     "quarantined_at" TIMESTAMPTZ(3),
ADD COLUMN     "subject_seq" INTEGER;

-- Rows written before this migration (hand-written; no data is lost): a subject is the
-- verification, the rows of one subject are numbered in the order they were written, the
-- publication order is the writing order, and rows the previous notifier already delivered
-- (published_at) are not sent to webhook subscribers a second time.
UPDATE "outbox_events" SET "subject" = "kyc_record_id"::text
 WHERE "kyc_record_id" IS NOT NULL AND "subject" IS DISTINCT FROM "kyc_record_id"::text;
WITH "ordered" AS (
  SELECT "id",
         row_number() OVER (ORDER BY "created_at", "id") AS "n",
         row_number() OVER (PARTITION BY "subject" ORDER BY "created_at", "id") AS "seq"
    FROM "outbox_events"
)
UPDATE "outbox_events" AS "o"
   SET "position" = "ordered"."n",
       "subject_seq" = CASE WHEN "o"."subject" IS NULL THEN NULL ELSE "ordered"."seq" END
  FROM "ordered"
 WHERE "o"."id" = "ordered"."id";
SELECT setval('outbox_events_position_seq', coalesce((SELECT max("position") FROM "outbox_events"), 0) + 1, false);
UPDATE "outbox_events" SET "dispatched_at" = "published_at" WHERE "published_at" IS NOT NULL;

-- CreateTable
CREATE TABLE "webhook_subscriptions" (
    "id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "event_types" TEXT[],
    "description" TEXT,
    "secret_enc" TEXT NOT NULL,
    "status" "WebhookSubscriptionStatus" NOT NULL DEFAULT 'active',
    "managed_by" TEXT,
    "created_by" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "webhook_subscriptions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL,
    "subscription_id" UUID NOT NULL,
    "outbox_event_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "status" "WebhookDeliveryStatus" NOT NULL DEFAULT 'pending',
    "generation" INTEGER NOT NULL DEFAULT 1,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_status_code" INTEGER,
    "last_attempt_at" TIMESTAMPTZ(3),
    "next_attempt_at" TIMESTAMPTZ(3),
    "workflow_started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_delivery_attempts" (
    "id" UUID NOT NULL,
    "delivery_id" UUID NOT NULL,
    "trigger" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "latency_ms" INTEGER NOT NULL,
    "outcome" "WebhookAttemptOutcome" NOT NULL,
    "response_status" INTEGER,
    "error_code" TEXT,

    CONSTRAINT "webhook_delivery_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "webhook_subscriptions_managed_by_key" ON "webhook_subscriptions"("managed_by");

-- CreateIndex
CREATE INDEX "idx_webhook_subscriptions_created_at" ON "webhook_subscriptions"("created_at");

-- CreateIndex
CREATE INDEX "idx_webhook_deliveries_subscription_created" ON "webhook_deliveries"("subscription_id", "created_at");

-- CreateIndex
CREATE INDEX "idx_webhook_deliveries_status_started" ON "webhook_deliveries"("status", "workflow_started_at");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_deliveries_subscription_event_key" ON "webhook_deliveries"("subscription_id", "outbox_event_id");

-- CreateIndex
CREATE INDEX "idx_webhook_delivery_attempts_delivery" ON "webhook_delivery_attempts"("delivery_id", "started_at");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_events_position_key" ON "outbox_events"("position");

-- CreateIndex
CREATE INDEX "idx_outbox_unpublished_position" ON "outbox_events"("published_at", "position");

-- CreateIndex
CREATE INDEX "idx_outbox_undispatched_position" ON "outbox_events"("dispatched_at", "position");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_events_subject_seq_key" ON "outbox_events"("subject", "subject_seq");

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_subscription_id_fkey" FOREIGN KEY ("subscription_id") REFERENCES "webhook_subscriptions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_outbox_event_id_fkey" FOREIGN KEY ("outbox_event_id") REFERENCES "outbox_events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_delivery_attempts" ADD CONSTRAINT "webhook_delivery_attempts_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "webhook_deliveries"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Migration-only objects (prisma/migration-only-objects.txt; hand-written).
-- Every outbox insert: the writers of one subject take turns until they commit (a transaction-
-- scoped advisory lock), so subject_seq counts 1, 2, 3, ... without gaps and `position`, taken
-- after the lock, orders a subject's events the way they were numbered; the relay listening on
-- channel outbox_events is woken when the transaction commits.
CREATE FUNCTION "outbox_events_sequence"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."subject" IS NOT NULL THEN
    PERFORM pg_advisory_xact_lock(hashtextextended('outbox_events:' || NEW."subject", 0));
    SELECT coalesce(max("subject_seq"), 0) + 1 INTO NEW."subject_seq" FROM "outbox_events" WHERE "subject" = NEW."subject";
  ELSE
    NEW."subject_seq" := NULL;
  END IF;
  NEW."position" := nextval('outbox_events_position_seq');
  PERFORM pg_notify('outbox_events', '');
  RETURN NEW;
END
$$;

CREATE TRIGGER "outbox_events_before_insert" BEFORE INSERT ON "outbox_events"
  FOR EACH ROW EXECUTE FUNCTION "outbox_events_sequence"();
