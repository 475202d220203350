-- Change freeze windows (docs/freezes.md): admin-defined spans, one-off or
-- recurring (an RRULE read in the window's IANA zone), that deny changes in
-- their scope or, as ALLOW windows, are the only times changes may run.
-- The FREEZE gate records its result beside the six threshold gates, and an
-- operation let through a freeze by break-glass keeps who, with which role,
-- why and when.

-- AlterEnum
ALTER TYPE "SafetyGate" ADD VALUE 'FREEZE';

-- CreateEnum
CREATE TYPE "FreezeWindowKind" AS ENUM ('ALLOW', 'DENY');

-- CreateEnum
CREATE TYPE "FreezeWindowAction" AS ENUM ('BLOCK', 'PAUSE', 'QUEUE');

-- AlterTable
ALTER TABLE "operations" ADD COLUMN     "break_glass" JSONB;

-- CreateTable
CREATE TABLE "freeze_windows" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "FreezeWindowKind" NOT NULL,
    "action" "FreezeWindowAction" NOT NULL,
    "scope" JSONB NOT NULL,
    "time_zone" TEXT NOT NULL,
    "start_local" TEXT NOT NULL,
    "duration_minutes" INTEGER NOT NULL,
    "rrule" TEXT,
    "includes_rollbacks" BOOLEAN NOT NULL DEFAULT false,
    "break_glass_role" "Role" NOT NULL DEFAULT 'APPROVER',
    "reason" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "freeze_windows_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "freeze_windows_name_key" ON "freeze_windows"("name");
