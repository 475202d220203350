import { z } from "zod";
import { CRITICALITIES, DEPENDENCY_KINDS, RESOURCE_KINDS, type DependencySpec, type ResourceGroupSpec, type ServiceSpec } from "../topology/types";
import { findTopologyProblems } from "../topology/validate-topology";
import { normalizeTopology } from "./normalize-topology";
import type { GraphSnapshot } from "./types";
import { comparePaths, type DocumentPath } from "../document-path";

// The topology file format (YAML or JSON; documented in docs/topology.md).
// One entry per service, carrying its own edges and resource groups, the way
// a team describes its service; resource groups are declared once at the end:
//
//   services:
//     - name: user-service
//       tier: 2
//       criticality: HIGH          # CRITICAL | HIGH | MEDIUM | LOW
//       team: identity
//       description: User accounts # optional
//       dependsOn:                 # optional: this service DEPENDS_ON these
//         - payment-service        # SYNC_API unless a kind is given
//         - { service: notification-service, kind: ASYNC_EVENT }
//       resourceGroups: [postgres_primary, redis_cache]   # optional
//   resourceGroups:
//     - name: postgres_primary
//       kind: DATABASE             # DATABASE | CACHE | QUEUE | OTHER
//       description: Primary PostgreSQL cluster

const upper = (value: unknown) => (typeof value === "string" ? value.toUpperCase() : value);
const oneOf = <T extends readonly [string, ...string[]]>(values: T) => z.preprocess(upper, z.enum(values, { message: `must be one of ${values.join(", ")}` }));
const name = z.string({ message: "must be a string" }).trim().min(1, "must not be empty").max(200, "must be at most 200 characters");

export const ZTopologyDocument = z.strictObject({
  services: z.array(
    z.strictObject({
      name,
      tier: z.number({ message: "must be a number" }).int("must be a whole number").min(1, "must be at least 1"),
      criticality: oneOf(CRITICALITIES),
      team: name,
      description: z.string({ message: "must be a string" }).default(""),
      dependsOn: z.array(z.union([name, z.strictObject({ service: name, kind: oneOf(DEPENDENCY_KINDS).default("SYNC_API") })], { message: "must be a service name or { service, kind }" })).default([]),
      resourceGroups: z.array(name).default([]),
    }),
    { message: "must be a list of services" },
  ),
  resourceGroups: z.array(z.strictObject({ name, kind: oneOf(RESOURCE_KINDS), description: z.string({ message: "must be a string" }).default("") }), { message: "must be a list of resource groups" }).default([]),
});
export type TopologyDocument = z.output<typeof ZTopologyDocument>;

/**
 * The other shape a file may have: the graph as the API answers it
 * (GET /api/v1/graph: services, a list of edges, groups with their members),
 * so an SRE can fetch the graph, edit it and import it back (docs/topology.md).
 */
const ZTopologyApiDocument = z.strictObject({
  services: z.array(
    z.strictObject({
      name,
      tier: z.number({ message: "must be a number" }).int("must be a whole number").min(1, "must be at least 1"),
      criticality: oneOf(CRITICALITIES),
      team: name,
      description: z.string({ message: "must be a string" }).default(""),
    }),
    { message: "must be a list of services" },
  ),
  dependencies: z.array(z.strictObject({ from: name, to: name, kind: oneOf(DEPENDENCY_KINDS).default("SYNC_API") }), { message: "must be a list of { from, to, kind }" }),
  resourceGroups: z
    .array(z.strictObject({ name, kind: oneOf(RESOURCE_KINDS), description: z.string({ message: "must be a string" }).default(""), members: z.array(name).default([]) }), {
      message: "must be a list of resource groups",
    })
    .default([]),
});

function topologyFromApiDocument(value: unknown): DocumentParse {
  const parsed = ZTopologyApiDocument.safeParse(value);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((issue) => ({ path: issue.path.map((p) => (typeof p === "number" ? p : String(p))), problem: issue.message })) };
  }
  const topology: GraphSnapshot = parsed.data;
  // Entries of the flattened topology are entries of this document: their paths point at the text as it is.
  const problems: DocumentProblem[] = findTopologyProblems(topology).map((found) => {
    const match = /^(services|dependencies|resourceGroups)\[(\d+)\]$/.exec(found.entry);
    return { path: match ? [match[1]!, Number(match[2])] : [], problem: found.problem };
  });
  if (problems.length > 0) return { ok: false, problems: problems.sort((a, b) => comparePaths(a.path, b.path)) };
  return { ok: true, topology };
}

export type { DocumentPath };

export interface DocumentProblem {
  /** Where in the document: ["services", 3, "dependsOn", 0]. */
  path: DocumentPath;
  problem: string;
}

export type DocumentParse = { ok: true; topology: GraphSnapshot } | { ok: false; problems: DocumentProblem[] };

/**
 * A parsed YAML/JSON value to a topology, or every problem with the path of
 * the entry that has it: bad field types (zod), then duplicate names, edges
 * to unknown services, unknown resource groups (findTopologyProblems, mapped
 * back from the flattened topology to the service entry that wrote them).
 * Cycles are not problems. A document with a `dependencies` list is read in
 * the API's shape instead (ZTopologyApiDocument).
 */
export function topologyFromDocument(value: unknown): DocumentParse {
  if (value !== null && typeof value === "object" && !Array.isArray(value) && "dependencies" in value) return topologyFromApiDocument(value);
  const parsed = ZTopologyDocument.safeParse(value);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((issue) => ({ path: issue.path.map((p) => (typeof p === "number" ? p : String(p))), problem: issue.message })) };
  }
  const document = parsed.data;
  const problems: DocumentProblem[] = [];
  const services: ServiceSpec[] = [];
  const dependencies: DependencySpec[] = [];
  const dependencyOrigin: DocumentPath[] = [];
  const declared = new Map<string, ResourceGroupSpec>();
  const groups: ResourceGroupSpec[] = document.resourceGroups.map((g) => ({ name: g.name, kind: g.kind, description: g.description, members: [] }));
  for (const g of groups) if (!declared.has(g.name)) declared.set(g.name, g);

  document.services.forEach((entry, i) => {
    services.push({ name: entry.name, tier: entry.tier, criticality: entry.criticality, team: entry.team, description: entry.description });
    entry.dependsOn.forEach((dep, j) => {
      dependencies.push(typeof dep === "string" ? { from: entry.name, to: dep, kind: "SYNC_API" } : { from: entry.name, to: dep.service, kind: dep.kind });
      dependencyOrigin.push(["services", i, "dependsOn", j]);
    });
    entry.resourceGroups.forEach((groupName, j) => {
      const group = declared.get(groupName);
      if (!group) problems.push({ path: ["services", i, "resourceGroups", j], problem: `unknown resource group "${groupName}" (declare it under resourceGroups)` });
      else if (group.members.includes(entry.name)) problems.push({ path: ["services", i, "resourceGroups", j], problem: `"${groupName}" is listed twice` });
      else group.members.push(entry.name);
    });
  });

  const topology: GraphSnapshot = { services, dependencies, resourceGroups: groups };
  for (const found of findTopologyProblems(topology)) {
    const match = /^(services|dependencies|resourceGroups)\[(\d+)\]$/.exec(found.entry);
    const at = match ? Number(match[2]) : -1;
    const path: DocumentPath = !match ? [] : match[1] === "dependencies" ? (dependencyOrigin[at] ?? []) : [match[1]!, at];
    problems.push({ path, problem: found.problem });
  }
  if (problems.length > 0) return { ok: false, problems: problems.sort((a, b) => comparePaths(a.path, b.path)) };
  return { ok: true, topology };
}

/** A topology as a document: services by tier then name, each with its edges and groups. */
export function documentFromTopology(topology: GraphSnapshot): TopologyDocument {
  const normal = normalizeTopology(topology);
  const edges = new Map<string, DependencySpec[]>();
  for (const d of normal.dependencies) edges.set(d.from, [...(edges.get(d.from) ?? []), d]);
  const memberships = new Map<string, string[]>();
  for (const g of normal.resourceGroups) for (const m of g.members) memberships.set(m, [...(memberships.get(m) ?? []), g.name]);
  const services = [...normal.services].sort((a, b) => a.tier - b.tier || (a.name < b.name ? -1 : 1));
  return {
    services: services.map((s) => ({
      ...s,
      dependsOn: (edges.get(s.name) ?? []).map((d) => (d.kind === "SYNC_API" ? d.to : { service: d.to, kind: d.kind })),
      resourceGroups: memberships.get(s.name) ?? [],
    })),
    resourceGroups: normal.resourceGroups.map(({ name, kind, description }) => ({ name, kind, description })),
  };
}
