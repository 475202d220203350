-- Stop the line (docs/freezes.md#stop-the-line): a halt called by an approver
-- holds back every new change in its scope until someone lifts it. A lifted
-- halt stays as the record of who called it, why, and who lifted it. Halts
-- that an open incident holds are not stored: they are derived from the
-- incident and the incident settings.

-- CreateEnum
CREATE TYPE "HaltAction" AS ENUM ('BLOCK', 'QUEUE');

-- CreateTable
CREATE TABLE "halts" (
    "id" UUID NOT NULL,
    "scope" JSONB NOT NULL,
    "action" "HaltAction" NOT NULL DEFAULT 'BLOCK',
    "reason" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "includes_rollbacks" BOOLEAN NOT NULL DEFAULT false,
    "break_glass_role" "Role" NOT NULL DEFAULT 'APPROVER',
    "lifted_at" TIMESTAMPTZ(6),
    "lifted_by" TEXT,
    "lift_reason" TEXT,

    CONSTRAINT "halts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "halts_lifted_at_created_at_idx" ON "halts"("lifted_at", "created_at");
