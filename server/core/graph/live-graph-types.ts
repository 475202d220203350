// The dependency graph as live data (docs/graph-changes.md, docs/graph-sources.md):
// where each service, edge and resource group came from, what a change to the
// graph is (a diff), and what a source says about the estate.
import type { JsonValue } from "../audit/types";
import type { DependencyKind, DependencySpec, ResourceGroupSpec, ServiceSpec, TopologySpec } from "../topology/types";

/**
 * Where an element of the graph came from. FILE (`graph:import`), CONSOLE
 * (`PUT /api/v1/graph`, the console) and CATALOG (a Backstage catalog) declare
 * it; TRACES observed it in traffic (the trace service-graph metrics).
 */
export const GRAPH_SOURCES = ["FILE", "CONSOLE", "CATALOG", "TRACES"] as const;
export type GraphSource = (typeof GRAPH_SOURCES)[number];
export const DECLARING_SOURCES: readonly GraphSource[] = ["FILE", "CONSOLE", "CATALOG"];

export const GRAPH_ELEMENT_KINDS = ["SERVICE", "EDGE", "GROUP"] as const;
export type GraphElementKind = (typeof GRAPH_ELEMENT_KINDS)[number];

/** The key of an element: a service's or group's name; an edge's `${from}->${to}`. */
export function edgeKey(edge: Pick<DependencySpec, "from" | "to">): string {
  return `${edge.from}->${edge.to}`;
}

/** One source's record of one element. */
export interface Provenance {
  source: GraphSource;
  /** Which file, catalog entity (`file:line` + entity ref), Prometheus query or person. */
  origin: string;
  firstSeenAt: Date;
  /** The last time this source declared or observed the element. */
  lastSeenAt: Date;
  /** What the source saw, e.g. `{ requests: 1234, window: "1h" }` for TRACES; null for declarations. */
  evidence: { [key: string]: JsonValue } | null;
}

export interface ElementProvenance {
  kind: GraphElementKind;
  key: string;
  sources: Provenance[];
}

/** What changes between two topologies. Lists are sorted by name (edges by from, then to). */
export interface TopologyDiff {
  services: {
    added: ServiceSpec[];
    removed: ServiceSpec[];
    changed: { name: string; before: ServiceSpec; after: ServiceSpec; fields: (keyof ServiceSpec)[] }[];
  };
  edges: {
    added: DependencySpec[];
    removed: DependencySpec[];
    changed: { from: string; to: string; before: DependencyKind; after: DependencyKind }[];
  };
  groups: {
    added: ResourceGroupSpec[];
    removed: ResourceGroupSpec[];
    changed: { name: string; before: ResourceGroupSpec; after: ResourceGroupSpec; membersAdded: string[]; membersRemoved: string[]; fields: ("kind" | "description")[] }[];
  };
}

/** The stored graph with its revision (bumped by every applied change, in the same transaction). */
export interface RevisionedTopology {
  revision: number;
  topology: TopologySpec;
}

/**
 * What one source says about the estate at one refresh: the elements it
 * declares or observes. Services and groups it mentions carry their fields;
 * a group's `members` are the members this source knows of.
 */
export interface SourceAssertion {
  source: GraphSource;
  origin: string;
  services: (ServiceSpec & { origin?: string })[];
  dependencies: (DependencySpec & { origin?: string; evidence?: { [key: string]: JsonValue } })[];
  resourceGroups: (ResourceGroupSpec & { origin?: string })[];
}

/** An edge seen in trace service-graph metrics over a window. */
export interface ObservedEdge {
  client: string;
  server: string;
  kind: DependencyKind;
  /** Requests counted over the window (`increase()` of the request counter). */
  requests: number;
  /** Failed requests over the window, when the series exist. */
  failedRequests: number | null;
}

/** A problem in a source's input, located for the person who has to fix it. */
export interface SourceProblem {
  file: string;
  line: number | null;
  /** e.g. `component:default/checkout` when known. */
  entity: string | null;
  message: string;
}
