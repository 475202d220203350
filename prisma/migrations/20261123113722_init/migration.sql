-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Criticality" AS ENUM ('CRITICAL', 'HIGH', 'MEDIUM', 'LOW');

-- CreateEnum
CREATE TYPE "DependencyKind" AS ENUM ('SYNC_API', 'ASYNC_EVENT', 'DATA');

-- CreateEnum
CREATE TYPE "ResourceKind" AS ENUM ('DATABASE', 'CACHE', 'QUEUE', 'OTHER');

-- CreateEnum
CREATE TYPE "OperationType" AS ENUM ('DEPLOYMENT', 'ROLLBACK', 'VERIFICATION', 'REMEDIATION', 'CONFIG_CHANGE', 'MAINTENANCE');

-- CreateEnum
CREATE TYPE "OperationState" AS ENUM ('INIT', 'LOCKED', 'SAFETY_CHECK', 'IN_PROGRESS', 'PAUSED_FOR_HUMAN_REVIEW', 'COMPLETED', 'FAILED', 'ROLLED_BACK', 'CANCELLED');

-- CreateEnum
CREATE TYPE "OperationResult" AS ENUM ('SUCCESS', 'BLOCKED_BY_CONFLICT', 'BLOCKED_BY_GATE', 'PAUSED_FOR_REVIEW', 'LOCK_TIMEOUT', 'FAILED', 'ROLLED_BACK', 'CANCELLED', 'ALREADY_RUNNING');

-- CreateEnum
CREATE TYPE "ActorKind" AS ENUM ('HUMAN', 'AUTOMATION');

-- CreateEnum
CREATE TYPE "SafetyGate" AS ENUM ('ERROR_BUDGET', 'BLAST_RADIUS', 'RECENT_FAILURES', 'COOLDOWN', 'RESOURCE_CAPACITY', 'INCIDENT_RATE');

-- CreateEnum
CREATE TYPE "ConflictType" AS ENUM ('DIRECT', 'DEPENDENCY', 'DOWNSTREAM', 'UPSTREAM', 'SHARED_RESOURCE', 'CASCADE', 'TIMING');

-- CreateEnum
CREATE TYPE "ConflictSeverity" AS ENUM ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL');

-- CreateEnum
CREATE TYPE "ConflictAction" AS ENUM ('BLOCK', 'PAUSE_FOR_REVIEW', 'WARN', 'DELAY');

-- CreateEnum
CREATE TYPE "ReviewStatus" AS ENUM ('PENDING', 'APPROVED', 'REJECTED', 'EXPIRED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "LockScope" AS ENUM ('SYSTEM', 'SERVICE', 'INCIDENT', 'DEPLOYMENT');

-- CreateEnum
CREATE TYPE "LockMode" AS ENUM ('EXCLUSIVE', 'SHARED');

-- CreateEnum
CREATE TYPE "AuditCategory" AS ENUM ('INCIDENT_DETECTION', 'ROOT_CAUSE_ANALYSIS', 'CODE_LOCALIZATION', 'FIX_PLANNING', 'PATCH_GENERATION', 'SAFETY_GATES', 'DEPLOYMENT', 'VERIFICATION', 'ROLLBACK', 'LOCK_OPERATION', 'CONFLICT_DETECTION', 'STATE_TRANSITION', 'NOTIFICATION', 'MANUAL_INTERVENTION', 'SYSTEM_HEALTH');

-- CreateEnum
CREATE TYPE "AuditSeverity" AS ENUM ('INFO', 'WARNING', 'ERROR', 'CRITICAL');

-- CreateEnum
CREATE TYPE "NotificationChannel" AS ENUM ('SLACK', 'TEAMS', 'EMAIL', 'PAGERDUTY', 'INBOX');

-- CreateEnum
CREATE TYPE "NotificationStatus" AS ENUM ('PENDING', 'SENT', 'FAILED', 'THROTTLED');

-- CreateEnum
CREATE TYPE "IncidentStatus" AS ENUM ('OPEN', 'REMEDIATING', 'RESOLVED', 'ESCALATED', 'FAILED');

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('VIEWER', 'OPERATOR', 'APPROVER', 'ADMIN');

-- CreateTable
CREATE TABLE "services" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "tier" INTEGER NOT NULL,
    "criticality" "Criticality" NOT NULL,
    "team" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "services_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "service_dependencies" (
    "id" UUID NOT NULL,
    "from_id" UUID NOT NULL,
    "to_id" UUID NOT NULL,
    "kind" "DependencyKind" NOT NULL DEFAULT 'SYNC_API',
    "description" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "service_dependencies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "resource_groups" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "ResourceKind" NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "resource_groups_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "resource_group_members" (
    "group_id" UUID NOT NULL,
    "service_id" UUID NOT NULL,

    CONSTRAINT "resource_group_members_pkey" PRIMARY KEY ("group_id","service_id")
);

-- CreateTable
CREATE TABLE "operations" (
    "id" UUID NOT NULL,
    "type" "OperationType" NOT NULL,
    "service_id" UUID NOT NULL,
    "actor" TEXT NOT NULL,
    "actor_kind" "ActorKind" NOT NULL,
    "correlation_id" TEXT NOT NULL,
    "idempotency_key" TEXT,
    "params_hash" TEXT NOT NULL,
    "params" JSONB NOT NULL DEFAULT '{}',
    "state" "OperationState" NOT NULL DEFAULT 'INIT',
    "result" "OperationResult",
    "version" INTEGER NOT NULL DEFAULT 0,
    "priority" INTEGER NOT NULL DEFAULT 0,
    "reason" TEXT,
    "error" TEXT,
    "incident_id" UUID,
    "lease_owner" TEXT,
    "lease_expires_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,
    "started_at" TIMESTAMPTZ(6),
    "finished_at" TIMESTAMPTZ(6),

    CONSTRAINT "operations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "operation_transitions" (
    "id" UUID NOT NULL,
    "operation_id" UUID NOT NULL,
    "from_state" "OperationState",
    "to_state" "OperationState" NOT NULL,
    "version" INTEGER NOT NULL,
    "actor" TEXT NOT NULL,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "operation_transitions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gate_results" (
    "id" UUID NOT NULL,
    "operation_id" UUID NOT NULL,
    "gate" "SafetyGate" NOT NULL,
    "passed" BOOLEAN NOT NULL,
    "observed" DOUBLE PRECISION NOT NULL,
    "threshold" DOUBLE PRECISION NOT NULL,
    "reason" TEXT NOT NULL,
    "checked_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "gate_results_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "conflicts" (
    "id" UUID NOT NULL,
    "operation_id" UUID NOT NULL,
    "type" "ConflictType" NOT NULL,
    "severity" "ConflictSeverity" NOT NULL,
    "action" "ConflictAction" NOT NULL,
    "conflicting_operation_ids" TEXT[],
    "affected_services" TEXT[],
    "blast_radius" DOUBLE PRECISION NOT NULL,
    "explanation" TEXT NOT NULL,
    "recommendation" TEXT NOT NULL,
    "detected_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "conflicts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reviews" (
    "id" UUID NOT NULL,
    "operation_id" UUID NOT NULL,
    "status" "ReviewStatus" NOT NULL DEFAULT 'PENDING',
    "requested_by" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "severity" "ConflictSeverity" NOT NULL,
    "evidence" JSONB NOT NULL,
    "evidence_hash" TEXT NOT NULL,
    "decided_by" TEXT,
    "decided_at" TIMESTAMPTZ(6),
    "approval_id" TEXT,
    "notes" TEXT,
    "escalation_level" INTEGER NOT NULL DEFAULT 0,
    "next_escalation_at" TIMESTAMPTZ(6),
    "timeout_at" TIMESTAMPTZ(6),
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reviews_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "lock_leases" (
    "resource" TEXT NOT NULL,
    "holder_id" TEXT NOT NULL,
    "scope" "LockScope" NOT NULL,
    "mode" "LockMode" NOT NULL DEFAULT 'EXCLUSIVE',
    "fence_token" BIGINT NOT NULL,
    "acquired_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(6) NOT NULL,
    "metadata" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "lock_leases_pkey" PRIMARY KEY ("resource","holder_id")
);

-- CreateTable
CREATE TABLE "lock_fences" (
    "resource" TEXT NOT NULL,
    "last_token" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "lock_fences_pkey" PRIMARY KEY ("resource")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "seq" BIGINT NOT NULL,
    "category" "AuditCategory" NOT NULL,
    "severity" "AuditSeverity" NOT NULL,
    "actor" TEXT NOT NULL,
    "service" TEXT,
    "operation_id" UUID,
    "correlation_id" TEXT,
    "action" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "canonical" TEXT NOT NULL,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "audit_checkpoints" (
    "id" UUID NOT NULL,
    "seq" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "count" BIGINT NOT NULL,
    "key_id" TEXT NOT NULL,
    "signature" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_checkpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notifications" (
    "id" UUID NOT NULL,
    "channel" "NotificationChannel" NOT NULL,
    "severity" "AuditSeverity" NOT NULL,
    "template" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "status" "NotificationStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "dedup_key" TEXT,
    "recipient_id" UUID,
    "operation_id" UUID,
    "correlation_id" TEXT,
    "next_attempt_at" TIMESTAMPTZ(6),
    "sent_at" TIMESTAMPTZ(6),
    "read_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notifications_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "incidents" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "service_id" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "status" "IncidentStatus" NOT NULL DEFAULT 'OPEN',
    "severity" "AuditSeverity" NOT NULL,
    "correlation_id" TEXT NOT NULL,
    "approach" TEXT,
    "summary" JSONB NOT NULL DEFAULT '{}',
    "detected_at" TIMESTAMPTZ(6) NOT NULL,
    "resolved_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "incidents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "incident_stages" (
    "id" UUID NOT NULL,
    "incident_id" UUID NOT NULL,
    "stage" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(6) NOT NULL,
    "ended_at" TIMESTAMPTZ(6),
    "outcome" TEXT,
    "detail" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "incident_stages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "password_hash" TEXT,
    "disabled_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(6),
    "revoked_at" TIMESTAMPTZ(6),
    "expires_at" TIMESTAMPTZ(6),

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "settings" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updated_by" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "settings_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "services_name_key" ON "services"("name");

-- CreateIndex
CREATE INDEX "service_dependencies_to_id_idx" ON "service_dependencies"("to_id");

-- CreateIndex
CREATE UNIQUE INDEX "service_dependencies_from_id_to_id_key" ON "service_dependencies"("from_id", "to_id");

-- CreateIndex
CREATE UNIQUE INDEX "resource_groups_name_key" ON "resource_groups"("name");

-- CreateIndex
CREATE INDEX "resource_group_members_service_id_idx" ON "resource_group_members"("service_id");

-- CreateIndex
CREATE UNIQUE INDEX "operations_idempotency_key_key" ON "operations"("idempotency_key");

-- CreateIndex
CREATE INDEX "operations_state_idx" ON "operations"("state");

-- CreateIndex
CREATE INDEX "operations_service_id_type_params_hash_idx" ON "operations"("service_id", "type", "params_hash");

-- CreateIndex
CREATE INDEX "operations_correlation_id_idx" ON "operations"("correlation_id");

-- CreateIndex
CREATE INDEX "operations_created_at_idx" ON "operations"("created_at");

-- CreateIndex
CREATE INDEX "operations_lease_expires_at_idx" ON "operations"("lease_expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "operation_transitions_operation_id_version_key" ON "operation_transitions"("operation_id", "version");

-- CreateIndex
CREATE INDEX "gate_results_operation_id_idx" ON "gate_results"("operation_id");

-- CreateIndex
CREATE INDEX "conflicts_operation_id_idx" ON "conflicts"("operation_id");

-- CreateIndex
CREATE INDEX "conflicts_detected_at_idx" ON "conflicts"("detected_at");

-- CreateIndex
CREATE UNIQUE INDEX "reviews_approval_id_key" ON "reviews"("approval_id");

-- CreateIndex
CREATE INDEX "reviews_status_created_at_idx" ON "reviews"("status", "created_at");

-- CreateIndex
CREATE INDEX "reviews_operation_id_idx" ON "reviews"("operation_id");

-- CreateIndex
CREATE INDEX "reviews_next_escalation_at_idx" ON "reviews"("next_escalation_at");

-- CreateIndex
CREATE INDEX "lock_leases_expires_at_idx" ON "lock_leases"("expires_at");

-- CreateIndex
CREATE INDEX "lock_leases_holder_id_idx" ON "lock_leases"("holder_id");

-- CreateIndex
CREATE UNIQUE INDEX "audit_events_prev_hash_key" ON "audit_events"("prev_hash");

-- CreateIndex
CREATE UNIQUE INDEX "audit_events_hash_key" ON "audit_events"("hash");

-- CreateIndex
CREATE INDEX "audit_events_category_seq_idx" ON "audit_events"("category", "seq");

-- CreateIndex
CREATE INDEX "audit_events_actor_seq_idx" ON "audit_events"("actor", "seq");

-- CreateIndex
CREATE INDEX "audit_events_service_seq_idx" ON "audit_events"("service", "seq");

-- CreateIndex
CREATE INDEX "audit_events_operation_id_seq_idx" ON "audit_events"("operation_id", "seq");

-- CreateIndex
CREATE INDEX "audit_events_correlation_id_seq_idx" ON "audit_events"("correlation_id", "seq");

-- CreateIndex
CREATE INDEX "audit_events_severity_seq_idx" ON "audit_events"("severity", "seq");

-- CreateIndex
CREATE INDEX "audit_events_at_idx" ON "audit_events"("at");

-- CreateIndex
CREATE UNIQUE INDEX "audit_checkpoints_seq_key" ON "audit_checkpoints"("seq");

-- CreateIndex
CREATE INDEX "notifications_status_next_attempt_at_idx" ON "notifications"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "notifications_recipient_id_read_at_idx" ON "notifications"("recipient_id", "read_at");

-- CreateIndex
CREATE INDEX "notifications_dedup_key_created_at_idx" ON "notifications"("dedup_key", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "incidents_key_key" ON "incidents"("key");

-- CreateIndex
CREATE INDEX "incidents_status_detected_at_idx" ON "incidents"("status", "detected_at");

-- CreateIndex
CREATE INDEX "incidents_correlation_id_idx" ON "incidents"("correlation_id");

-- CreateIndex
CREATE INDEX "incident_stages_incident_id_started_at_idx" ON "incident_stages"("incident_id", "started_at");

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- AddForeignKey
ALTER TABLE "service_dependencies" ADD CONSTRAINT "service_dependencies_from_id_fkey" FOREIGN KEY ("from_id") REFERENCES "services"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "service_dependencies" ADD CONSTRAINT "service_dependencies_to_id_fkey" FOREIGN KEY ("to_id") REFERENCES "services"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "resource_group_members" ADD CONSTRAINT "resource_group_members_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "resource_groups"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "resource_group_members" ADD CONSTRAINT "resource_group_members_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "operations" ADD CONSTRAINT "operations_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "operations" ADD CONSTRAINT "operations_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "operation_transitions" ADD CONSTRAINT "operation_transitions_operation_id_fkey" FOREIGN KEY ("operation_id") REFERENCES "operations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "gate_results" ADD CONSTRAINT "gate_results_operation_id_fkey" FOREIGN KEY ("operation_id") REFERENCES "operations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conflicts" ADD CONSTRAINT "conflicts_operation_id_fkey" FOREIGN KEY ("operation_id") REFERENCES "operations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_operation_id_fkey" FOREIGN KEY ("operation_id") REFERENCES "operations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_recipient_id_fkey" FOREIGN KEY ("recipient_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incident_stages" ADD CONSTRAINT "incident_stages_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
