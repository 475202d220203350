-- AlterTable
ALTER TABLE "operations" ADD COLUMN     "execution" TEXT NOT NULL DEFAULT 'internal',
ADD COLUMN     "lease_seconds" INTEGER;

-- CreateTable
CREATE TABLE "execution_leases" (
    "operation_id" UUID NOT NULL,
    "fencing_token" BIGINT NOT NULL,
    "fences" JSONB NOT NULL DEFAULT '[]',
    "state" TEXT NOT NULL,
    "lease_seconds" INTEGER NOT NULL,
    "deadline" TIMESTAMPTZ(6),
    "granted_at" TIMESTAMPTZ(6) NOT NULL,
    "last_heartbeat_at" TIMESTAMPTZ(6),
    "heartbeats" INTEGER NOT NULL DEFAULT 0,
    "hold_reason" TEXT,
    "ended_at" TIMESTAMPTZ(6),
    "end_reason" TEXT,
    "outcome" JSONB,

    CONSTRAINT "execution_leases_pkey" PRIMARY KEY ("operation_id")
);

-- AddForeignKey
ALTER TABLE "execution_leases" ADD CONSTRAINT "execution_leases_operation_id_fkey" FOREIGN KEY ("operation_id") REFERENCES "operations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
