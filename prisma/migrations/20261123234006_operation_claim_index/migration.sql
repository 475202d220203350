-- DropIndex
DROP INDEX "operations_state_idx";

-- CreateIndex
CREATE INDEX "operations_claimable_idx" ON "operations"("priority", "seq") WHERE (finished_at IS NULL);

-- Room on each page for the new versions of a row: every step of an operation
-- short of the final one changes no indexed column, so with free space on the
-- page Postgres writes it as a HOT update, with no index entries.
ALTER TABLE "operations" SET (fillfactor = 70);
