import "server-only";
import { ZGraphChangeQuery, ZGraphChangeResult, ZGraphProvenance, type TGraphChangeResult, type TGraphProvenance } from "@/lib/api/graph-live";
import type { Container } from "../../container";
import { applyTopologyDocument, type ApplyDocumentDeps } from "../../core/graph/apply-topology-document";
import { diffTopologyDocument } from "../../core/graph/diff-topology-document";
import type { GraphChangeResult } from "../../core/graph/graph-change-result";
import { DECLARING_SOURCES, type ElementProvenance, type Provenance } from "../../core/graph/live-graph-types";
import { ZTopologyChangeBody } from "../../core/graph/topology-change-input";
import { endpoint } from "../endpoint";
import { AUTH_ERRORS, CONFLICT } from "./responses";

// Changing the graph as a whole document, and where each element came from
// (docs/graph-changes.md).

export function graphChangeDeps(container: Container): ApplyDocumentDeps {
  return {
    changes: container.graphChanges,
    audit: container.audit.log,
    clock: container.clock,
    graphIndex: container.graphIndex,
    mirror: container.graphMirror,
    conflictPolicy: () => container.policies.conflictPolicy(),
  };
}

function resultView(result: GraphChangeResult): TGraphChangeResult {
  return { ...result, diff: result.diff as TGraphChangeResult["diff"] };
}

const DOCUMENT_DESCRIPTION =
  "The body is the whole declared graph (a Topology, as GET /api/v1/graph answers). With observed=keep (default) edges only observed in traffic stay when the document leaves them out; observed=drop makes the graph exactly the document. 422 names every problem of the document.";

export const diffGraphEndpoint = endpoint({
  operationId: "diffGraph",
  method: "POST",
  path: "/api/v1/graph/diff",
  summary: "Preview a change to the dependency graph",
  description: `What putting this document would change, against the graph as stored now, and the in-flight operations whose conflicts it would alter. Writes nothing. ${DOCUMENT_DESCRIPTION}`,
  tags: ["graph"],
  access: "ADMIN",
  query: ZGraphChangeQuery,
  body: ZTopologyChangeBody,
  maxBodyBytes: (env) => Math.max(env.GRAPH_MAX_BODY_BYTES, env.API_MAX_BODY_BYTES),
  responses: { 200: { description: "The diff (applied=false, revision=null)", schema: ZGraphChangeResult }, ...AUTH_ERRORS, ...CONFLICT },
  async handler({ container, principal, query, body }) {
    const result = await diffTopologyDocument(graphChangeDeps(container), body, query, { actor: principal!.actor, role: principal!.role });
    return { status: 200, body: resultView(result) };
  },
});

export const putGraphEndpoint = endpoint({
  operationId: "putGraph",
  method: "PUT",
  path: "/api/v1/graph",
  summary: "Replace the declared dependency graph",
  description: `Applies the document in one transaction: the diff, the provenance, a new revision and one graph.changed audit event. 409 when expectedRevision is given and the graph has moved, or when the change removes services operations or incidents refer to. ${DOCUMENT_DESCRIPTION}`,
  tags: ["graph"],
  access: "ADMIN",
  query: ZGraphChangeQuery,
  body: ZTopologyChangeBody,
  maxBodyBytes: (env) => Math.max(env.GRAPH_MAX_BODY_BYTES, env.API_MAX_BODY_BYTES),
  responses: { 200: { description: "The change, applied", schema: ZGraphChangeResult }, ...AUTH_ERRORS, ...CONFLICT },
  async handler({ container, principal, query, body }) {
    const result = await applyTopologyDocument(graphChangeDeps(container), body, query, { actor: principal!.actor, role: principal!.role });
    return { status: 200, body: resultView(result) };
  },
});

export const getGraphProvenanceEndpoint = endpoint({
  operationId: "getGraphProvenance",
  method: "GET",
  path: "/api/v1/graph/provenance",
  summary: "Where each element of the graph came from",
  description: "Every service, edge and resource group with one entry per source that declared (FILE, CONSOLE, CATALOG) or observed (TRACES) it, read in one snapshot with the graph's revision.",
  tags: ["graph"],
  access: "VIEWER",
  responses: { 200: { description: "The provenance", schema: ZGraphProvenance }, ...AUTH_ERRORS },
  async handler({ container }) {
    return { status: 200, body: provenanceView(await container.graphChanges.load()) };
  },
});

function provenanceView(live: { revision: number; topology: { services: { name: string }[]; dependencies: { from: string; to: string }[]; resourceGroups: { name: string }[] }; provenance: ElementProvenance[] }): TGraphProvenance {
  const rows = new Map(live.provenance.map((p) => [`${p.kind}\u0000${p.key}`, p.sources]));
  const sourcesOf = (kind: string, key: string) => (rows.get(`${kind}\u0000${key}`) ?? []).map(provenanceRow);
  return {
    revision: live.revision,
    services: live.topology.services.map((s) => ({ name: s.name, sources: sourcesOf("SERVICE", s.name) })),
    edges: live.topology.dependencies.map((d) => {
      const sources = sourcesOf("EDGE", `${d.from}->${d.to}`);
      return { from: d.from, to: d.to, sources, declared: sources.some((s) => DECLARING_SOURCES.includes(s.source)), observed: sources.some((s) => s.source === "TRACES") };
    }),
    groups: live.topology.resourceGroups.map((g) => ({ name: g.name, sources: sourcesOf("GROUP", g.name) })),
  };
}

function provenanceRow(p: Provenance): TGraphProvenance["services"][number]["sources"][number] {
  return { source: p.source, origin: p.origin, firstSeenAt: p.firstSeenAt.toISOString(), lastSeenAt: p.lastSeenAt.toISOString(), evidence: p.evidence };
}
