-- The diff of each recent graph revision (docs/graph-changes.md#freshness-across-processes):
-- written in the same transaction as the revision it produced, so another
-- process whose index is a few revisions behind applies the diffs to the graph
-- it holds instead of reading the whole graph again. Only the last revisions
-- are kept; an index further behind reads the whole graph.

-- CreateTable
CREATE TABLE "graph_revision_diffs" (
    "revision" BIGINT NOT NULL,
    "diff" JSONB NOT NULL,
    "changed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "graph_revision_diffs_pkey" PRIMARY KEY ("revision")
);
