-- CreateEnum
CREATE TYPE "IncidentSource" AS ENUM ('ALERTMANAGER', 'API', 'CONSOLE', 'DEMO');

-- CreateEnum
CREATE TYPE "RemediationMode" AS ENUM ('DRY_RUN', 'AUTO', 'ASK');

-- AlterEnum: the demo's REMEDIATING is the MITIGATING of docs/incidents.md#states (renamed, so stored incidents keep their state)
ALTER TYPE "IncidentStatus" RENAME VALUE 'REMEDIATING' TO 'MITIGATING';
ALTER TYPE "IncidentStatus" ADD VALUE 'ACKNOWLEDGED' BEFORE 'MITIGATING';

-- AlterTable
ALTER TABLE "operations" ADD COLUMN     "source" TEXT NOT NULL DEFAULT 'API';

-- AlterTable
ALTER TABLE "incidents" ADD COLUMN     "acknowledged_at" TIMESTAMPTZ(6),
ADD COLUMN     "acknowledged_by" TEXT,
ADD COLUMN     "group_key" TEXT,
ADD COLUMN     "mitigating_at" TIMESTAMPTZ(6),
ADD COLUMN     "notes" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "open_group_key" TEXT,
ADD COLUMN     "resolved_by" TEXT,
ADD COLUMN     "source" "IncidentSource" NOT NULL DEFAULT 'API';

-- CreateTable
CREATE TABLE "incident_alerts" (
    "incident_id" UUID NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "alertname" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "labels" JSONB NOT NULL,
    "annotations" JSONB NOT NULL DEFAULT '{}',
    "starts_at" TIMESTAMPTZ(6) NOT NULL,
    "ends_at" TIMESTAMPTZ(6),
    "generator_url" TEXT,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "incident_alerts_pkey" PRIMARY KEY ("incident_id","fingerprint")
);

-- CreateTable
CREATE TABLE "remediation_rules" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "mode" "RemediationMode" NOT NULL DEFAULT 'DRY_RUN',
    "match" JSONB NOT NULL,
    "operation" JSONB NOT NULL,
    "max_per_incident" INTEGER NOT NULL,
    "max_per_hour_per_service" INTEGER NOT NULL,
    "tripped_at" TIMESTAMPTZ(6),
    "tripped_reason" TEXT,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_by" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "remediation_rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "remediation_matches" (
    "id" UUID NOT NULL,
    "rule_id" UUID NOT NULL,
    "incident_id" UUID NOT NULL,
    "service" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "at" TIMESTAMPTZ(6) NOT NULL,
    "mode" "RemediationMode" NOT NULL,
    "outcome" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "submission" JSONB NOT NULL,
    "operation_id" UUID,

    CONSTRAINT "remediation_matches_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "remediation_rules_name_key" ON "remediation_rules"("name");

-- CreateIndex
CREATE INDEX "remediation_matches_rule_id_incident_id_idx" ON "remediation_matches"("rule_id", "incident_id");

-- CreateIndex
CREATE INDEX "remediation_matches_rule_id_service_at_idx" ON "remediation_matches"("rule_id", "service", "at");

-- CreateIndex
CREATE INDEX "remediation_matches_rule_id_at_idx" ON "remediation_matches"("rule_id", "at");

-- CreateIndex
CREATE INDEX "remediation_matches_incident_id_at_idx" ON "remediation_matches"("incident_id", "at");

-- CreateIndex
CREATE UNIQUE INDEX "incidents_open_group_key_key" ON "incidents"("open_group_key");

-- CreateIndex
CREATE INDEX "incidents_source_detected_at_idx" ON "incidents"("source", "detected_at");

-- CreateIndex
CREATE INDEX "incidents_group_key_idx" ON "incidents"("group_key");

-- AddForeignKey
ALTER TABLE "incident_alerts" ADD CONSTRAINT "incident_alerts_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "remediation_matches" ADD CONSTRAINT "remediation_matches_rule_id_fkey" FOREIGN KEY ("rule_id") REFERENCES "remediation_rules"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "remediation_matches" ADD CONSTRAINT "remediation_matches_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Every incident stored before this migration was written by the demo (it was the only writer), and so were their operations.
UPDATE "incidents" SET "source" = 'DEMO';
UPDATE "operations" SET "source" = 'DEMO' WHERE "incident_id" IS NOT NULL;

-- Incident numbers (the 42 of INC-2026-0042): one sequence for every writer, so that opening
-- incidents at once never picks one number twice and never scans the table for the last one.
CREATE SEQUENCE "incident_number_seq";
SELECT setval('"incident_number_seq"', coalesce((SELECT max(substring("key" FROM 10)::int) FROM "incidents" WHERE substring("key" FROM 10) ~ '^[0-9]+$'), 0) + 1, false);
