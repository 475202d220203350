// Drift between the declared graph and the traffic (GET /api/v1/graph/drift,
// docs/graph-sources.md#drift): edges observed but declared by no source
// (in the graph only because traffic showed them, or not in it at all
// because an end is not a service of the graph), and edges declared but not
// seen in the last read of the traces.
import { DECLARING_SOURCES, type ElementProvenance, type GraphSource } from "../graph/live-graph-types";
import type { LiveGraph } from "../graph/graph-change-store";
import type { DependencyKind } from "../topology/types";
import type { UnresolvedEdge } from "./plan-source-sync";
import type { GraphSourceStore, SourceRun } from "./ports";

export interface GraphDrift {
  tracesConfigured: boolean;
  observedNotDeclared: { from: string; to: string; kind: DependencyKind; inGraph: boolean; lastSeenAt: Date; requests: number | null; reason: string }[];
  declaredNotObserved: { from: string; to: string; kind: DependencyKind; declaredBy: GraphSource[]; lastSeenAt: Date | null }[];
}

export interface GraphDriftDeps {
  changes: { load(): Promise<LiveGraph> };
  store: Pick<GraphSourceStore, "lastReadRun">;
  tracesConfigured: boolean;
}

export async function graphDrift(deps: GraphDriftDeps): Promise<GraphDrift> {
  const [graph, lastTraces] = await Promise.all([deps.changes.load(), deps.store.lastReadRun("TRACES")]);
  return driftOf(graph, lastTraces, deps.tracesConfigured);
}

/**
 * Pure. Observed, not declared: an edge of the graph with a TRACES row and no
 * declaring one, and each unresolved edge of the last TRACES read. Declared,
 * not observed: only when the traces are configured and have been read; an
 * edge with a declaring row whose TRACES row is missing or older than that
 * read (so it was not in it).
 */
export function driftOf(graph: Pick<LiveGraph, "topology" | "provenance">, lastTraces: SourceRun | null, tracesConfigured: boolean): GraphDrift {
  const rows = new Map<string, ElementProvenance>(graph.provenance.filter((p) => p.kind === "EDGE").map((p) => [p.key, p]));
  const observedNotDeclared: GraphDrift["observedNotDeclared"] = [];
  const declaredNotObserved: GraphDrift["declaredNotObserved"] = [];
  for (const edge of graph.topology.dependencies) {
    const sources = rows.get(`${edge.from}->${edge.to}`)?.sources ?? [];
    const traces = sources.find((p) => p.source === "TRACES");
    const declaredBy = sources.filter((p) => DECLARING_SOURCES.includes(p.source)).map((p) => p.source);
    if (traces && declaredBy.length === 0) {
      const requests = traces.evidence?.requests;
      observedNotDeclared.push({ ...edge, inGraph: true, lastSeenAt: traces.lastSeenAt, requests: typeof requests === "number" ? requests : null, reason: "observed in traffic; no source declares it" });
    }
    const seenInLastRead = traces && lastTraces && traces.lastSeenAt.getTime() >= lastTraces.startedAt.getTime();
    if (tracesConfigured && lastTraces && declaredBy.length > 0 && !seenInLastRead) {
      declaredNotObserved.push({ ...edge, declaredBy: [...new Set(declaredBy)].sort(), lastSeenAt: traces?.lastSeenAt ?? null });
    }
  }
  for (const u of (lastTraces?.unresolved ?? []) as UnresolvedEdge[]) {
    const requests = u.evidence?.requests;
    observedNotDeclared.push({
      from: u.from,
      to: u.to,
      kind: u.kind,
      inGraph: false,
      lastSeenAt: lastTraces!.startedAt,
      requests: typeof requests === "number" ? requests : null,
      reason: `observed in traffic; ${u.missing.map((m) => `"${m}"`).join(" and ")} ${u.missing.length > 1 ? "are not services" : "is not a service"} in the graph`,
    });
  }
  const byEdge = <T extends { from: string; to: string }>(a: T, b: T) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : 0);
  return { tracesConfigured, observedNotDeclared: observedNotDeclared.sort(byEdge), declaredNotObserved: declaredNotObserved.sort(byEdge) };
}
