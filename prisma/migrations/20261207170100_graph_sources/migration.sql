-- The graph's sources (docs/graph-sources.md): every refresh of a source
-- (a Backstage catalog, the trace service graph) is recorded as a run, and the
-- removals a source proposes wait for an admin's review as a held change.

-- CreateEnum
CREATE TYPE "GraphRunTrigger" AS ENUM ('INTERVAL', 'MANUAL', 'STARTUP');

-- CreateEnum
CREATE TYPE "GraphRunOutcome" AS ENUM ('APPLIED', 'NO_CHANGE', 'HELD', 'REFUSED', 'FAILED');

-- CreateEnum
CREATE TYPE "GraphHeldChangeStatus" AS ENUM ('PENDING', 'APPROVED', 'REJECTED', 'SUPERSEDED');

-- CreateTable
CREATE TABLE "graph_source_runs" (
    "id" UUID NOT NULL,
    "source" "GraphSource" NOT NULL,
    "trigger" "GraphRunTrigger" NOT NULL,
    "actor" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(6) NOT NULL,
    "finished_at" TIMESTAMPTZ(6),
    "outcome" "GraphRunOutcome" NOT NULL,
    "message" TEXT NOT NULL,
    "applied" JSONB,
    "revision" BIGINT,
    "held_change_id" UUID,
    "problems" JSONB NOT NULL DEFAULT '[]',
    "unresolved" JSONB NOT NULL DEFAULT '[]',
    "skipped" JSONB NOT NULL DEFAULT '[]',

    CONSTRAINT "graph_source_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "graph_held_changes" (
    "id" UUID NOT NULL,
    "source" "GraphSource" NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL,
    "base_revision" BIGINT NOT NULL,
    "reason" TEXT NOT NULL,
    "diff" JSONB NOT NULL,
    "status" "GraphHeldChangeStatus" NOT NULL DEFAULT 'PENDING',
    "decided_by" TEXT,
    "decided_at" TIMESTAMPTZ(6),
    "note" TEXT,

    CONSTRAINT "graph_held_changes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "graph_source_runs_source_started_at_idx" ON "graph_source_runs"("source", "started_at");

-- CreateIndex
CREATE INDEX "graph_held_changes_status_source_idx" ON "graph_held_changes"("status", "source");
