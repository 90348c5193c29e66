-- CreateTable
CREATE TABLE "ops_alerts" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "condition_key" TEXT,
    "details" JSONB NOT NULL,
    "occurrences" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMPTZ(3),
    "acknowledged_at" TIMESTAMPTZ(3),
    "acknowledged_by" UUID,

    CONSTRAINT "ops_alerts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ops_daily_reports" (
    "report_date" DATE NOT NULL,
    "time_zone" TEXT NOT NULL,
    "figures" JSONB NOT NULL,
    "generated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ops_daily_reports_pkey" PRIMARY KEY ("report_date")
);

-- CreateIndex
CREATE UNIQUE INDEX "ops_alerts_condition_key_key" ON "ops_alerts"("condition_key");

-- CreateIndex
CREATE INDEX "idx_ops_alerts_created_at" ON "ops_alerts"("created_at");

-- CreateIndex
CREATE INDEX "idx_ops_alerts_kind_created" ON "ops_alerts"("kind", "created_at");

