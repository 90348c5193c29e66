-- CreateEnum
CREATE TYPE "UserAuditAction" AS ENUM ('created', 'role_changed', 'activated', 'deactivated');

-- AlterEnum
ALTER TYPE "SecurityEventType" ADD VALUE 'login_locked';

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "token_version" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "login_throttles" (
    "key" TEXT NOT NULL,
    "failures" INTEGER NOT NULL,
    "last_failure_at" TIMESTAMPTZ(3) NOT NULL,
    "locked_until" TIMESTAMPTZ(3),

    CONSTRAINT "login_throttles_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "user_audit_events" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "actor_id" UUID NOT NULL,
    "action" "UserAuditAction" NOT NULL,
    "from_role" "Role",
    "to_role" "Role",
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "idx_login_throttles_last_failure" ON "login_throttles"("last_failure_at");

-- CreateIndex
CREATE INDEX "idx_user_audit_events_user_created" ON "user_audit_events"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "idx_user_audit_events_created_at" ON "user_audit_events"("created_at");


-- The account audit trail is append-only, like kyc_events.
CREATE FUNCTION "user_audit_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'user_audit_events is append-only (% refused)', TG_OP;
END;
$$;
CREATE TRIGGER "user_audit_events_no_update_or_delete" BEFORE UPDATE OR DELETE ON "user_audit_events"
  FOR EACH ROW EXECUTE FUNCTION "user_audit_events_append_only"();
