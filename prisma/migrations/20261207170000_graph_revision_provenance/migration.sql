-- The dependency graph as live data (docs/graph-changes.md): every change to
-- the graph bumps one revision in the same transaction, and every element
-- (service, DEPENDS_ON edge, resource group) carries one provenance row per
-- source that declared or observed it.

-- CreateEnum
CREATE TYPE "GraphSource" AS ENUM ('FILE', 'CONSOLE', 'CATALOG', 'TRACES');

-- CreateEnum
CREATE TYPE "GraphElementKind" AS ENUM ('SERVICE', 'EDGE', 'GROUP');

-- CreateTable
CREATE TABLE "graph_revision" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "revision" BIGINT NOT NULL DEFAULT 0,
    "changed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "graph_revision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "graph_provenance" (
    "element_kind" "GraphElementKind" NOT NULL,
    "element_key" TEXT NOT NULL,
    "source" "GraphSource" NOT NULL,
    "origin" TEXT NOT NULL,
    "first_seen_at" TIMESTAMPTZ(6) NOT NULL,
    "last_seen_at" TIMESTAMPTZ(6) NOT NULL,
    "evidence" JSONB,

    CONSTRAINT "graph_provenance_pkey" PRIMARY KEY ("element_kind","element_key","source")
);

-- CreateIndex
CREATE INDEX "graph_provenance_source_idx" ON "graph_provenance"("source");

-- A whole document's rows all share its lastSeen: kept once per (source, origin) here, so
-- an apply of 50,000 declared elements does not rewrite 50,000 rows (docs/graph-changes.md#cost).
CREATE TABLE "graph_declarations" (
    "source" "GraphSource" NOT NULL,
    "origin" TEXT NOT NULL,
    "declared_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "graph_declarations_pkey" PRIMARY KEY ("source","origin")
);

-- A document refreshes last_seen_at of every element it declares (tens of thousands of rows
-- per apply): free space in each page lets those updates stay on the page (HOT, no index
-- writes), which measured ~40 % faster at 50,000 rows (docs/graph-changes.md#cost).
ALTER TABLE "graph_provenance" SET (fillfactor = 50);

-- The one row: revision 0 is the graph as it stood before revisions were counted.
INSERT INTO "graph_revision" ("id", "revision", "changed_at") VALUES (1, 0, CURRENT_TIMESTAMP);

-- What is already stored came from a file or the demo seed; when and from which
-- file was not recorded, and the rows say so rather than invent it.
INSERT INTO "graph_provenance" ("element_kind", "element_key", "source", "origin", "first_seen_at", "last_seen_at", "evidence")
SELECT 'SERVICE', s."name", 'FILE', 'before provenance was recorded', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, NULL FROM "services" s;

INSERT INTO "graph_provenance" ("element_kind", "element_key", "source", "origin", "first_seen_at", "last_seen_at", "evidence")
SELECT 'EDGE', f."name" || '->' || t."name", 'FILE', 'before provenance was recorded', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, NULL
  FROM "service_dependencies" d JOIN "services" f ON f."id" = d."from_id" JOIN "services" t ON t."id" = d."to_id";

INSERT INTO "graph_provenance" ("element_kind", "element_key", "source", "origin", "first_seen_at", "last_seen_at", "evidence")
SELECT 'GROUP', g."name", 'FILE', 'before provenance was recorded', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, NULL FROM "resource_groups" g;
