// What a whole-document apply (PUT /api/v1/graph, graph:import) makes the graph
// (docs/graph-changes.md#a-document-is-the-whole-declared-graph). Pure.
import type { DependencySpec, TopologySpec } from "../topology/types";
import type { Declaration, ProvenanceDelete, ProvenanceUpsert } from "./graph-change-store";
import { edgeKey, type ElementProvenance, type GraphSource } from "./live-graph-types";
import { normalizeTopology } from "./normalize-topology";

export type ObservedMode = "keep" | "drop";

export interface DocumentTarget {
  target: TopologySpec;
  /** Edges only observed in traffic that stay although the document leaves them out (observed=keep). */
  keptObserved: DependencySpec[];
}

/**
 * The document is the whole declared graph. With observed=keep, an edge of the
 * current graph whose only provenance is TRACES stays when the document leaves
 * it out and both its ends are services of the document: traffic showed it, and
 * a file written before it was seen should not erase it. With observed=drop the
 * graph becomes exactly the document.
 */
export function documentTarget(document: TopologySpec, current: { topology: TopologySpec; provenance: ElementProvenance[] }, observed: ObservedMode): DocumentTarget {
  const doc = normalizeTopology(document);
  if (observed === "drop") return { target: doc, keptObserved: [] };
  // Only the provenance of edges matters here; a load may hand only those whose every source is TRACES.
  const onlyObserved = new Set(
    current.provenance.filter((p) => p.kind === "EDGE" && p.sources.length > 0 && p.sources.every((s) => s.source === "TRACES")).map((p) => p.key),
  );
  if (onlyObserved.size === 0) return { target: doc, keptObserved: [] };
  const services = new Set(doc.services.map((s) => s.name));
  const declared = new Set(doc.dependencies.map(edgeKey));
  const keptObserved = normalizeTopology({
    services: [],
    resourceGroups: [],
    dependencies: current.topology.dependencies.filter((d) => onlyObserved.has(edgeKey(d)) && !declared.has(edgeKey(d)) && services.has(d.from) && services.has(d.to)),
  }).dependencies;
  if (keptObserved.length === 0) return { target: doc, keptObserved };
  return { target: normalizeTopology({ ...doc, dependencies: [...doc.dependencies, ...keptObserved] }), keptObserved };
}

/**
 * The provenance a document writes: one row of its source for every element
 * it declares (origin, lastSeen = now; firstSeen kept when the row exists).
 * Rows of removed elements go with the elements (the store deletes them); a
 * kept-observed edge has only TRACES rows, so no declared row is left to drop.
 */
export function documentDeclaration(document: TopologySpec, source: GraphSource, origin: string, now: Date): Declaration {
  return {
    source,
    origin,
    seenAt: now,
    elements: [
      ...document.services.map((s) => ({ kind: "SERVICE" as const, key: s.name })),
      ...document.dependencies.map((d) => ({ kind: "EDGE" as const, key: edgeKey(d) })),
      ...document.resourceGroups.map((g) => ({ kind: "GROUP" as const, key: g.name })),
    ],
  };
}

/**
 * The same rows as `documentDeclaration`, one upsert per element: for callers
 * that build a GraphChangeRequest by hand (tests, small documents).
 */
export function documentProvenance(document: TopologySpec, source: GraphSource, origin: string, now: Date): { upserts: ProvenanceUpsert[]; deletes: ProvenanceDelete[] } {
  return {
    upserts: documentDeclaration(document, source, origin, now).elements.map((e) => ({ ...e, source, origin, seenAt: now, evidence: null })),
    deletes: [],
  };
}
