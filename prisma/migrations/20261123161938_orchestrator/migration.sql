-- AlterTable
ALTER TABLE "operations" ADD COLUMN     "attempt" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "conflict_check" JSONB,
ADD COLUMN     "inflight_key" TEXT,
ADD COLUMN     "lock_keys" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "not_before" TIMESTAMPTZ(6),
ADD COLUMN     "outcome" JSONB,
ADD COLUMN     "resume_approved" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "seq" BIGSERIAL NOT NULL;

-- AlterTable
ALTER TABLE "gate_results" ADD COLUMN     "skipped" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "unit" TEXT NOT NULL DEFAULT '',
ALTER COLUMN "observed" DROP NOT NULL;

-- AlterTable
ALTER TABLE "reviews" ADD COLUMN     "escalation_plan" JSONB NOT NULL DEFAULT '[]';

-- CreateTable
CREATE TABLE "operation_steps" (
    "id" UUID NOT NULL,
    "operation_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "detail" JSONB NOT NULL DEFAULT '{}',
    "started_at" TIMESTAMPTZ(6) NOT NULL,
    "ended_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "operation_steps_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deployed_versions" (
    "service" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "previous_version" TEXT,
    "operation_id" UUID NOT NULL,
    "fencing_token" BIGINT NOT NULL,
    "recorded_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "deployed_versions_pkey" PRIMARY KEY ("service")
);

-- CreateIndex
CREATE INDEX "operation_steps_operation_id_started_at_idx" ON "operation_steps"("operation_id", "started_at");

-- CreateIndex
CREATE UNIQUE INDEX "operations_inflight_key_key" ON "operations"("inflight_key");

-- AddForeignKey
ALTER TABLE "operation_steps" ADD CONSTRAINT "operation_steps_operation_id_fkey" FOREIGN KEY ("operation_id") REFERENCES "operations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
