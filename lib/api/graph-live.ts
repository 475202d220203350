import { z } from "zod";
import { ZTopology } from "./graph";

// The live graph's API shapes (docs/graph-changes.md, docs/graph-sources.md).
// Shared by the endpoints (server/http/api/graph*.ts) and the console.

const ZCriticality = z.enum(["CRITICAL", "HIGH", "MEDIUM", "LOW"]);
const ZDependencyKind = z.enum(["SYNC_API", "ASYNC_EVENT", "DATA"]);
const ZResourceKind = z.enum(["DATABASE", "CACHE", "QUEUE", "OTHER"]);
const ZService = z.object({ name: z.string(), tier: z.number().int(), criticality: ZCriticality, team: z.string(), description: z.string() });
const ZEdge = z.object({ from: z.string(), to: z.string(), kind: ZDependencyKind });
const ZGroup = z.object({ name: z.string(), kind: ZResourceKind, description: z.string(), members: z.array(z.string()) });

export const ZGraphSource = z.enum(["FILE", "CONSOLE", "CATALOG", "TRACES"]).meta({
  description: "FILE (graph:import), CONSOLE (PUT /api/v1/graph) and CATALOG (Backstage) declare an element; TRACES observed it in traffic",
});

export const ZTopologyDiff = z
  .object({
    services: z.object({
      added: z.array(ZService),
      removed: z.array(ZService),
      changed: z.array(z.object({ name: z.string(), before: ZService, after: ZService, fields: z.array(z.string()) })),
    }),
    edges: z.object({
      added: z.array(ZEdge),
      removed: z.array(ZEdge),
      changed: z.array(z.object({ from: z.string(), to: z.string(), before: ZDependencyKind, after: ZDependencyKind })),
    }),
    groups: z.object({
      added: z.array(ZGroup),
      removed: z.array(ZGroup),
      changed: z.array(
        z.object({ name: z.string(), before: ZGroup, after: ZGroup, membersAdded: z.array(z.string()), membersRemoved: z.array(z.string()), fields: z.array(z.string()) }),
      ),
    }),
  })
  .meta({ id: "TopologyDiff", description: "What changes: services, DEPENDS_ON edges and resource groups added, removed and altered" });

/** Query of POST /api/v1/graph/diff and PUT /api/v1/graph; the body is a Topology document. */
export const ZGraphChangeQuery = z.strictObject({
  source: z.enum(["CONSOLE", "FILE"]).default("CONSOLE").meta({ description: "Who declares the document: CONSOLE (default) or FILE (graph:import)" }),
  origin: z.string().trim().min(1).max(200).optional().meta({ description: "Where the document came from, e.g. the file name; defaults to the caller" }),
  observed: z.enum(["keep", "drop"]).default("keep").meta({ description: "keep (default): edges only observed in traffic stay although the document leaves them out; drop: the graph becomes exactly the document" }),
  expectedRevision: z.coerce.number().int().min(0).optional().meta({ description: "Refuse with 409 if the graph is no longer at this revision (diff, then apply exactly that diff)" }),
});

export const ZInFlightConflictChange = z.object({
  operationId: z.string(),
  service: z.string(),
  type: z.string(),
  before: z.array(z.object({ type: z.string(), with: z.string().nullable(), action: z.string() })),
  after: z.array(z.object({ type: z.string(), with: z.string().nullable(), action: z.string() })),
});

export const ZGraphChangeResult = z
  .object({
    baseRevision: z.number().int().meta({ description: "The revision the diff was computed against" }),
    revision: z.number().int().nullable().meta({ description: "The revision after the apply; null for a diff" }),
    applied: z.boolean(),
    diff: ZTopologyDiff,
    summary: z.object({ added: z.number().int(), removed: z.number().int(), changed: z.number().int() }),
    keptObserved: z.array(ZEdge).meta({ description: "Edges only observed in traffic that stay although the document leaves them out" }),
    inFlight: z.array(ZInFlightConflictChange).meta({ description: "In-flight operations whose conflicts differ between the old graph and the new" }),
    cycles: z.array(z.array(z.string())),
  })
  .meta({ id: "GraphChangeResult" });

export const ZProvenance = z.object({
  source: ZGraphSource,
  origin: z.string(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  evidence: z.record(z.string(), z.unknown()).nullable(),
});

export const ZGraphProvenance = z
  .object({
    revision: z.number().int(),
    services: z.array(z.object({ name: z.string(), sources: z.array(ZProvenance) })),
    edges: z.array(z.object({ from: z.string(), to: z.string(), sources: z.array(ZProvenance), declared: z.boolean(), observed: z.boolean() })),
    groups: z.array(z.object({ name: z.string(), sources: z.array(ZProvenance) })),
  })
  .meta({ id: "GraphProvenance" });

export const ZSourceProblem = z.object({ file: z.string(), line: z.number().int().nullable(), entity: z.string().nullable(), message: z.string() });

export const ZSourceRun = z.object({
  id: z.string(),
  source: ZGraphSource,
  trigger: z.enum(["INTERVAL", "MANUAL", "STARTUP"]),
  actor: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  outcome: z.enum(["APPLIED", "NO_CHANGE", "HELD", "REFUSED", "FAILED"]),
  message: z.string(),
  applied: ZTopologyDiff.nullable(),
  revision: z.number().int().nullable(),
  heldChangeId: z.string().nullable(),
  problems: z.array(ZSourceProblem),
});

export const ZHeldChange = z
  .object({
    id: z.string(),
    source: ZGraphSource,
    createdAt: z.string(),
    reason: z.string(),
    diff: ZTopologyDiff,
    status: z.enum(["PENDING", "APPROVED", "REJECTED", "SUPERSEDED"]),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    note: z.string().nullable(),
  })
  .meta({ id: "HeldGraphChange", description: "Removals a source proposed and an admin must approve (docs/graph-sources.md#held-changes)" });

export const ZGraphSources = z
  .object({
    revision: z.number().int(),
    refreshIntervalSeconds: z.number().int().nullable(),
    removals: z.enum(["review", "auto"]),
    sources: z.array(
      z.object({
        source: ZGraphSource,
        configured: z.boolean(),
        description: z.string().meta({ description: "What it reads, e.g. the catalog paths or the Prometheus URL, window and threshold" }),
        lastRun: ZSourceRun.nullable(),
      }),
    ),
    held: z.array(ZHeldChange),
  })
  .meta({ id: "GraphSources" });

export const ZGraphDrift = z
  .object({
    tracesConfigured: z.boolean(),
    observedNotDeclared: z.array(z.object({ from: z.string(), to: z.string(), kind: ZDependencyKind, inGraph: z.boolean(), lastSeenAt: z.string(), requests: z.number().nullable(), reason: z.string() })),
    declaredNotObserved: z.array(z.object({ from: z.string(), to: z.string(), kind: ZDependencyKind, declaredBy: z.array(ZGraphSource), lastSeenAt: z.string().nullable() })),
  })
  .meta({ id: "GraphDrift", description: "Edges seen in traffic but not declared, and declared but not seen (docs/graph-sources.md#drift)" });

export { ZTopology };
export type TTopologyDiff = z.infer<typeof ZTopologyDiff>;
export type TGraphChangeResult = z.infer<typeof ZGraphChangeResult>;
export type TGraphProvenance = z.infer<typeof ZGraphProvenance>;
export type TGraphSources = z.infer<typeof ZGraphSources>;
export type TSourceRun = z.infer<typeof ZSourceRun>;
export type THeldChange = z.infer<typeof ZHeldChange>;
export type TGraphDrift = z.infer<typeof ZGraphDrift>;
