// The one path every change to the graph goes through (docs/graph-changes.md):
// PUT /api/v1/graph, graph:import and the source refreshes all end here. In one
// transaction: the revision is checked and locked, the diff applied row by row,
// the provenance rows written, the revision bumped and one `graph.changed`
// audit event appended. Then the process's index is handed the new graph and,
// when the graph is read from Neo4j, Neo4j is given the new topology.
import type { AuditLog } from "../audit/audit-log";
import type { StoreTransaction } from "../audit/ports";
import type { AuditRecord } from "../audit/types";
import type { Clock } from "../clock";
import { AppError } from "../errors";
import { assertTopologyConsistent } from "../topology/validate-topology";
import type { TopologySpec } from "../topology/types";
import { applyTopologyDiff, isEmptyDiff } from "./diff-topology";
import { graphChangedPayload } from "./graph-change-audit";
import type { Declaration, GraphChangeStore, ProvenanceDelete, ProvenanceUpsert } from "./graph-change-store";
import { GraphIndex } from "./graph-index";
import type { InFlightConflictChange } from "./in-flight-conflict-changes";
import type { GraphSource, TopologyDiff } from "./live-graph-types";

export interface GraphChangeRequest {
  /** The revision the diff was computed against; CONFLICT if the graph has moved since. */
  baseRevision: number;
  /** The topology at `baseRevision`, when the caller has it: saves a load (its revision is checked in the transaction anyway). */
  base?: TopologySpec;
  diff: TopologyDiff;
  /**
   * Rows of removed elements are deleted with them; list here the rows to write
   * for elements that stay or arrive. `declared`: a whole document's rows (see Declaration).
   */
  provenance: { upserts: ProvenanceUpsert[]; deletes: ProvenanceDelete[]; declared?: Declaration };
  /** The new graph's index, when the caller built it already (saves building it again for the cache). */
  index?: GraphIndex;
  source: GraphSource;
  /** e.g. the file name, the catalog path, the Prometheus query, "review <id>". */
  origin: string;
  actor: string;
  /** In-flight operations whose conflicts the change alters, when the caller computed them: recorded in the audit event. */
  inFlight?: InFlightConflictChange[];
}

export interface GraphChangeApplied {
  baseRevision: number;
  /** The revision after the change (= baseRevision when the diff was empty: provenance alone does not bump it). */
  revision: number;
  diff: TopologyDiff;
  /** The graph after the change. */
  topology: TopologySpec;
  /** The `graph.changed` audit event; null when the diff was empty. */
  auditSeq: number | null;
}

export interface ApplyGraphChangeDeps {
  changes: GraphChangeStore;
  audit: Pick<AuditLog, "appendInTransaction" | "committed">;
  clock: Clock;
  /** The process's CachedGraphIndex: handed the new graph after the commit, so its checks need no reload. */
  graphIndex?: { replace(index: GraphIndex, revision: number, topology?: TopologySpec): void; invalidate(): void } | null;
  /**
   * Neo4j, when the server reads the graph from there: given the whole new
   * topology after the Postgres commit. Not atomic with Postgres: if it fails,
   * Postgres has the change and Neo4j the old graph until the next change or
   * `graph:import` (docs/graph-changes.md#neo4j).
   */
  mirror?: { replaceTopology(topology: TopologySpec): Promise<unknown> } | null;
}

/**
 * Applies `request.diff` if the graph is still at `request.baseRevision`
 * (else CONFLICT: the caller recomputes against the new graph). The diff must
 * fit the graph (applyTopologyDiff) and leave it consistent (every edge and
 * member naming a service of the graph), else nothing is written.
 */
export async function applyGraphChange(deps: ApplyGraphChangeDeps, request: GraphChangeRequest): Promise<GraphChangeApplied> {
  let base = request.base;
  if (!base) {
    const loaded = await deps.changes.load();
    if (loaded.revision !== request.baseRevision) throw revisionMoved(request.baseRevision, loaded.revision);
    base = loaded.topology;
  }
  const after = applyTopologyDiff(base, request.diff);
  assertTopologyConsistent(after);
  const changed = !isEmptyDiff(request.diff);
  const at = deps.clock.now();

  let records: AuditRecord[] = [];
  const revision = await deps.changes.transact(async (tx) => {
    const current = await deps.changes.lockRevision(tx);
    if (current !== request.baseRevision) throw revisionMoved(request.baseRevision, current);
    if (!changed) {
      // Provenance alone (a source saw the same graph again) is not a change to the graph: no revision, no event.
      await writeProvenance(deps.changes, tx, request);
      return current;
    }
    await deps.changes.applyDiff(tx, request.diff);
    await writeProvenance(deps.changes, tx, request);
    const next = current + 1;
    await deps.changes.setRevision(tx, next, at);
    // With the revision: another process catches its index up from it (docs/graph-changes.md#freshness-across-processes).
    await deps.changes.recordRevisionDiff(tx, next, request.diff);
    const payload = graphChangedPayload({ diff: request.diff, source: request.source, origin: request.origin, actor: request.actor, baseRevision: current, revision: next });
    if (request.inFlight) {
      payload.inFlight = request.inFlight.slice(0, 100).map((c) => ({ operationId: c.operationId, service: c.service, type: c.type, before: c.before.map((x) => ({ ...x })), after: c.after.map((x) => ({ ...x })) }));
      payload.inFlightCount = request.inFlight.length;
    }
    records = await deps.audit.appendInTransaction(tx, [
      {
        category: "SYSTEM_HEALTH",
        // A removal takes away what later checks relate operations through: WARNING (docs/graph-changes.md#the-audit-event).
        severity: request.diff.services.removed.length + request.diff.edges.removed.length + request.diff.groups.removed.length > 0 ? "WARNING" : "INFO",
        actor: request.actor,
        action: "graph.changed",
        correlationId: `graph-revision-${next}`,
        payload,
      },
    ]);
    return next;
  });
  deps.audit.committed(records);

  if (changed) {
    if (deps.mirror) {
      try {
        await deps.mirror.replaceTopology(after);
      } catch (error) {
        // The index reads the mirror: forget it so the next check reloads whatever the mirror holds.
        deps.graphIndex?.invalidate();
        throw new AppError("UNAVAILABLE", `The change was applied to the store (revision ${revision}) but Neo4j could not be updated: ${error instanceof Error ? error.message : String(error)}. Run graph:import or apply again to bring Neo4j up to date.`, {
          revision,
        });
      }
    }
    deps.graphIndex?.replace(request.index ?? GraphIndex.build(after), revision, after);
  }
  return { baseRevision: request.baseRevision, revision, diff: request.diff, topology: after, auditSeq: records[0]?.seq ?? null };
}

async function writeProvenance(changes: GraphChangeStore, tx: StoreTransaction, request: GraphChangeRequest): Promise<void> {
  if (request.provenance.declared) await changes.declare(tx, request.provenance.declared);
  await changes.writeProvenance(tx, request.provenance.upserts, request.provenance.deletes);
}

function revisionMoved(expected: number, actual: number): AppError {
  return new AppError("CONFLICT", `The graph changed since revision ${expected} (it is now at revision ${actual}): compute the change again against the current graph`, {
    expectedRevision: expected,
    revision: actual,
  });
}
