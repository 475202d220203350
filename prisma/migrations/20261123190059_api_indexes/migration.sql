-- CreateIndex
CREATE INDEX "operations_incident_id_idx" ON "operations"("incident_id");

-- CreateIndex
CREATE INDEX "incidents_detected_at_id_idx" ON "incidents"("detected_at", "id");

-- CreateIndex
CREATE INDEX "incidents_service_id_detected_at_idx" ON "incidents"("service_id", "detected_at");
