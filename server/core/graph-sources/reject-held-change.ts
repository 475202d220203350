// An admin rejects removals a source proposed (POST /api/v1/graph/changes/{id}/reject,
// docs/graph-sources.md#held-changes): the elements stay, and each gets a
// CONSOLE provenance row "kept by <admin> on review <id>", so it is no longer
// this source's alone and is not proposed again. The decision, the rows and
// the audit event commit in one transaction; the graph itself does not change.
import type { AuditLog } from "../audit/audit-log";
import type { AuditRecord } from "../audit/types";
import type { Clock } from "../clock";
import type { GraphChangeStore, ProvenanceUpsert } from "../graph/graph-change-store";
import { edgeKey, type TopologyDiff } from "../graph/live-graph-types";
import { diffSummary } from "../graph/diff-topology";
import { parseInput } from "../parse-input";
import type { TopologySpec } from "../topology/types";
import { assertMayDecide, withPending, type HeldChangeCaller } from "./approve-held-change";
import { ZRejectHeldChangeInput } from "./held-change-schemas";
import type { GraphSourceStore, HeldChange } from "./ports";

export interface RejectHeldChangeDeps {
  changes: Pick<GraphChangeStore, "load" | "lockRevision" | "writeProvenance">;
  store: GraphSourceStore;
  audit: Pick<AuditLog, "appendInTransaction" | "committed">;
  clock: Clock;
}

/** The CONSOLE rows that keep what the held change named and the graph still has. Pure. */
export function keepRows(diff: TopologyDiff, graph: TopologySpec, origin: string, now: Date): ProvenanceUpsert[] {
  const services = new Set(graph.services.map((s) => s.name));
  const edges = new Set(graph.dependencies.map(edgeKey));
  const groups = new Set(graph.resourceGroups.map((g) => g.name));
  const row = (kind: ProvenanceUpsert["kind"], key: string): ProvenanceUpsert => ({ kind, key, source: "CONSOLE", origin, seenAt: now, evidence: null });
  return [
    ...diff.services.removed.filter((s) => services.has(s.name)).map((s) => row("SERVICE", s.name)),
    ...diff.edges.removed.filter((e) => edges.has(edgeKey(e))).map((e) => row("EDGE", edgeKey(e))),
    // A group keeps its members too: declared by the console, members are no longer dropped by the source.
    ...[...diff.groups.removed, ...diff.groups.changed].filter((g) => groups.has(g.name)).map((g) => row("GROUP", g.name)),
  ];
}

export async function rejectHeldChange(deps: RejectHeldChangeDeps, id: string, input: unknown, by: HeldChangeCaller): Promise<{ held: HeldChange; kept: ProvenanceUpsert[] }> {
  assertMayDecide(by);
  const { note } = parseInput(ZRejectHeldChangeInput, input, "rejection");
  for (let attempt = 1; ; attempt++) {
    const graph = await deps.changes.load();
    let records: AuditRecord[] = [];
    const outcome = await withPending(deps.store, id, async (tx, pending) => {
      // The rows are computed from `graph`: valid only while no change has moved it since (else read it again).
      if ((await deps.changes.lockRevision(tx)) !== graph.revision && attempt < 5) return null;
      const now = deps.clock.now();
      const kept = keepRows(pending.diff, graph.topology, `kept by ${by.actor} on review ${id}`, now);
      await deps.changes.writeProvenance(tx, kept, []);
      await deps.store.decideHeld(tx, id, { status: "REJECTED", by: by.actor, at: now, note });
      records = await deps.audit.appendInTransaction(tx, [
        {
          category: "SYSTEM_HEALTH",
          severity: "INFO",
          actor: by.actor,
          action: "graph.removal_rejected",
          correlationId: `graph-held-${id}`,
          payload: { heldChangeId: id, source: pending.source, note, summary: diffSummary(pending.diff), kept: kept.map((k) => `${k.kind}:${k.key}`) },
        },
      ]);
      return { held: { ...pending, status: "REJECTED" as const, decidedBy: by.actor, decidedAt: now, note }, kept };
    });
    deps.audit.committed(records);
    if (outcome) return outcome;
  }
}
