-- AlterEnum
ALTER TYPE "OperationResult" ADD VALUE 'SUPERSEDED';

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "ConflictAction" ADD VALUE 'QUEUE';
ALTER TYPE "ConflictAction" ADD VALUE 'SUPERSEDE';

-- AlterTable
ALTER TABLE "operations" ADD COLUMN     "control" JSONB,
ADD COLUMN     "preempted_by" UUID,
ADD COLUMN     "queued_at" TIMESTAMPTZ(6),
ADD COLUMN     "resumes" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "gate_results" ADD COLUMN     "source" TEXT NOT NULL DEFAULT '';

-- AlterTable
ALTER TABLE "reviews" ADD COLUMN     "evaluated_at" TIMESTAMPTZ(6);

-- CreateTable
CREATE TABLE "notification_cursors" (
    "name" TEXT NOT NULL,
    "last_seq" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "notification_cursors_pkey" PRIMARY KEY ("name")
);
