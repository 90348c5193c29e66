-- AlterEnum
ALTER TYPE "SecurityEventType" ADD VALUE 'registration_conflict';

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "UserAuditAction" ADD VALUE 'username_changed';
ALTER TYPE "UserAuditAction" ADD VALUE 'email_removed';

-- AlterTable
ALTER TABLE "user_audit_events" ADD COLUMN     "actor_provider" TEXT,
ALTER COLUMN "actor_id" DROP NOT NULL;

