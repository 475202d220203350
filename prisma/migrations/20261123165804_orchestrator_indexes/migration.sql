-- DropIndex
DROP INDEX "operations_service_id_type_params_hash_idx";

-- DropIndex
DROP INDEX "operations_lease_expires_at_idx";

-- DropIndex
DROP INDEX "audit_events_at_idx";

-- CreateIndex
CREATE INDEX "operations_service_id_finished_at_idx" ON "operations"("service_id", "finished_at");

-- CreateIndex
CREATE INDEX "audit_events_at_idx" ON "audit_events" USING BRIN ("at");
