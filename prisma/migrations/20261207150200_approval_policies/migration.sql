-- Approval policies: N of M approvals by role and team (docs/approvals.md). Prisma keeps
-- scalar lists nullable; the stores read a NULL list as empty.

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "teams" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateTable
CREATE TABLE "approval_policies" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "scope" JSONB NOT NULL,
    "required_approvals" INTEGER NOT NULL,
    "from_roles" "Role"[],
    "from_teams" TEXT[],
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "approval_policies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "review_approvals" (
    "id" UUID NOT NULL,
    "review_id" UUID NOT NULL,
    "approver" TEXT NOT NULL,
    "person" TEXT NOT NULL,
    "at" TIMESTAMPTZ(6) NOT NULL,
    "approval_id" TEXT NOT NULL,
    "notes" TEXT,
    "evidence_hash" TEXT NOT NULL,
    "counted_for" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "review_approvals_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "approval_policies_name_key" ON "approval_policies"("name");

-- CreateIndex
CREATE UNIQUE INDEX "review_approvals_review_id_person_key" ON "review_approvals"("review_id", "person");

-- AddForeignKey
ALTER TABLE "review_approvals" ADD CONSTRAINT "review_approvals_review_id_fkey" FOREIGN KEY ("review_id") REFERENCES "reviews"("id") ON DELETE CASCADE ON UPDATE CASCADE;
