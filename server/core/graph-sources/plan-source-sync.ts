// What one source refresh does to the graph (docs/graph-sources.md#what-a-refresh-does).
// Pure: the stored graph with its provenance, what the source asserts now and
// `now` in; the change to apply at once, the removals to hold for review (or
// to apply, with GRAPH_REMOVALS=auto) and what could not be applied out.
import type { JsonValue } from "../audit/types";
import { byEdge, emptyDiff, isEmptyDiff, sortDiff } from "../graph/diff-topology";
import type { ProvenanceDelete, ProvenanceUpsert } from "../graph/graph-change-store";
import { DECLARING_SOURCES, edgeKey, type ElementProvenance, type GraphElementKind, type GraphSource, type Provenance, type SourceAssertion, type TopologyDiff } from "../graph/live-graph-types";
import type { DependencyKind, ResourceGroupSpec, ServiceSpec, TopologySpec } from "../topology/types";

export type RemovalsPolicy = "review" | "auto";

/** The stored graph as a plan reads it: its revision, topology and every element's provenance. */
export interface GraphWithProvenance {
  revision: number;
  topology: TopologySpec;
  provenance: ElementProvenance[];
}

/** An edge a source asserts between names that are not services of the graph: reported as drift, never applied. */
export interface UnresolvedEdge {
  from: string;
  to: string;
  kind: DependencyKind;
  /** The endpoints the graph has no service for. */
  missing: string[];
  origin: string;
  evidence: { [key: string]: JsonValue } | null;
}

/** Something the source said that the plan does not act on, and why. */
export interface SkippedElement {
  kind: GraphElementKind | "MEMBER";
  key: string;
  reason: string;
}

export interface ChangeSet {
  diff: TopologyDiff;
  provenance: { upserts: ProvenanceUpsert[]; deletes: ProvenanceDelete[] };
}

export interface SourceSyncPlan {
  source: GraphSource;
  baseRevision: number;
  /** Additions and changes the source asserts, and its provenance rows (lastSeen = now): applied at once. */
  apply: ChangeSet;
  /** Removals to apply at once (GRAPH_REMOVALS=auto); null when there are none or they are held. */
  remove: ChangeSet | null;
  /** Removals to hold for an admin's review (GRAPH_REMOVALS=review); null when there are none or they are applied. */
  hold: { diff: TopologyDiff; reason: string } | null;
  unresolved: UnresolvedEdge[];
  skipped: SkippedElement[];
}

export interface PlanSourceSyncInput {
  graph: GraphWithProvenance;
  assertion: SourceAssertion;
  now: Date;
  /** TRACES only: an edge not observed for this long is no longer observed (GRAPH_OBSERVED_AGE_OUT). */
  ageOutMs: number;
  removals: RemovalsPolicy;
}

const SERVICE_FIELDS = ["tier", "criticality", "team", "description"] as const satisfies readonly (keyof ServiceSpec)[];

const provenanceKey = (kind: GraphElementKind, key: string) => `${kind}\u0000${key}`;
const sortedUnique = (values: Iterable<string>) => [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

function provenanceIndex(provenance: ElementProvenance[]): Map<string, Provenance[]> {
  return new Map(provenance.map((p) => [provenanceKey(p.kind, p.key), p.sources]));
}

/**
 * Plans one refresh of one source (docs/graph-sources.md#what-a-refresh-does):
 *
 * - Everything the source asserts that the graph lacks or has otherwise is
 *   added or changed at once, and the source's provenance row of each element
 *   it asserts gets lastSeen = now. Observed is weaker than declared: TRACES
 *   never changes a service or an edge another source declares.
 * - An edge with an endpoint that is not a service of the graph (nor one the
 *   same assertion adds) is not applied: it is unresolved (drift). A
 *   self-edge and a group member that is not a service are skipped.
 * - An element the source no longer asserts (TRACES: not observed for
 *   `ageOutMs`) loses this source's provenance row; if that row was its only
 *   provenance, the element is a removal: held for review, or applied with
 *   `removals: "auto"`. A service goes with the edges that touch it, unless
 *   the source still asserts such an edge or another source declares one.
 *   A group only this source declares loses the members the source no longer
 *   lists, as part of the removal.
 */
export function planSourceSync(input: PlanSourceSyncInput): SourceSyncPlan {
  const { graph, assertion, now } = input;
  const source = assertion.source;
  const observed = source === "TRACES";
  const provenance = provenanceIndex(graph.provenance);
  const sourcesOf = (kind: GraphElementKind, key: string) => provenance.get(provenanceKey(kind, key)) ?? [];
  const declaredByOther = (kind: GraphElementKind, key: string) => sourcesOf(kind, key).some((p) => p.source !== source && DECLARING_SOURCES.includes(p.source));

  const apply = emptyDiff();
  const upserts: ProvenanceUpsert[] = [];
  const deletes: ProvenanceDelete[] = [];
  const skipped: SkippedElement[] = [];
  const unresolved: UnresolvedEdge[] = [];
  const upsert = (kind: GraphElementKind, key: string, origin: string | undefined, evidence: { [key: string]: JsonValue } | null = null) =>
    upserts.push({ kind, key, source, origin: origin ?? assertion.origin, seenAt: now, evidence });

  const services = new Map(graph.topology.services.map((s) => [s.name, s]));
  const edges = new Map(graph.topology.dependencies.map((d) => [edgeKey(d), d]));
  const groups = new Map(graph.topology.resourceGroups.map((g) => [g.name, g]));

  // Services. The first assertion of a name wins; a source's duplicates are its own problem to report.
  const assertedServices = new Map<string, SourceAssertion["services"][number]>();
  for (const s of assertion.services) if (!assertedServices.has(s.name)) assertedServices.set(s.name, s);
  for (const s of assertedServices.values()) {
    const spec: ServiceSpec = { name: s.name, tier: s.tier, criticality: s.criticality, team: s.team, description: s.description };
    if (!Number.isInteger(spec.tier) || spec.tier < 1 || spec.name.trim() === "") {
      skipped.push({ kind: "SERVICE", key: s.name, reason: `not a valid service (tier must be a positive integer, got ${spec.tier})` });
      continue;
    }
    const before = services.get(s.name);
    if (!before) apply.services.added.push(spec);
    else {
      const fields = SERVICE_FIELDS.filter((f) => before[f] !== spec[f]);
      if (fields.length > 0) {
        if (observed && declaredByOther("SERVICE", s.name)) skipped.push({ kind: "SERVICE", key: s.name, reason: `declared by ${declarers(sourcesOf("SERVICE", s.name))}: traffic does not change its ${fields.join(", ")}` });
        else apply.services.changed.push({ name: s.name, before, after: spec, fields });
      }
    }
    upsert("SERVICE", s.name, s.origin);
  }
  const servicesAfter = new Set([...services.keys(), ...apply.services.added.map((s) => s.name)]);

  // Edges.
  const assertedEdges = new Map<string, SourceAssertion["dependencies"][number]>();
  for (const e of assertion.dependencies) if (!assertedEdges.has(edgeKey(e))) assertedEdges.set(edgeKey(e), e);
  for (const [key, e] of assertedEdges) {
    if (e.from === e.to) {
      skipped.push({ kind: "EDGE", key, reason: "a service calling itself is not an edge of the graph" });
      continue;
    }
    const missing = [e.from, e.to].filter((name) => !servicesAfter.has(name));
    if (missing.length > 0) {
      unresolved.push({ from: e.from, to: e.to, kind: e.kind, missing, origin: e.origin ?? assertion.origin, evidence: e.evidence ?? null });
      continue;
    }
    const before = edges.get(key);
    if (!before) apply.edges.added.push({ from: e.from, to: e.to, kind: e.kind });
    else if (before.kind !== e.kind) {
      if (observed && declaredByOther("EDGE", key)) skipped.push({ kind: "EDGE", key, reason: `declared ${before.kind} by ${declarers(sourcesOf("EDGE", key))}: traffic does not change its kind` });
      else apply.edges.changed.push({ from: e.from, to: e.to, before: before.kind, after: e.kind });
    }
    upsert("EDGE", key, e.origin, e.evidence ?? null);
  }

  // Groups: added with the members that are services; an existing group gains the members the source lists.
  const assertedGroups = new Map<string, SourceAssertion["resourceGroups"][number]>();
  for (const g of assertion.resourceGroups) if (!assertedGroups.has(g.name)) assertedGroups.set(g.name, g);
  const memberRemovals = new Map<string, string[]>();
  for (const g of assertedGroups.values()) {
    const members = sortedUnique(g.members.filter((m) => servicesAfter.has(m)));
    for (const m of sortedUnique(g.members.filter((m) => !servicesAfter.has(m)))) skipped.push({ kind: "MEMBER", key: `${g.name}/${m}`, reason: `"${m}" is not a service of the graph` });
    const spec: ResourceGroupSpec = { name: g.name, kind: g.kind, description: g.description, members };
    const before = groups.get(g.name);
    if (!before) apply.groups.added.push(spec);
    else {
      const fields = (["kind", "description"] as const).filter((f) => before[f] !== spec[f]);
      const membersAdded = members.filter((m) => !before.members.includes(m));
      // Who declared a membership is not recorded: members are dropped only from a group this source alone declares.
      const soleSource = sourcesOf("GROUP", g.name).every((p) => p.source === source);
      const dropped = soleSource ? before.members.filter((m) => !members.includes(m)) : [];
      if (dropped.length > 0) memberRemovals.set(g.name, dropped);
      if (fields.length > 0 || membersAdded.length > 0) {
        const after: ResourceGroupSpec = { name: g.name, kind: spec.kind, description: spec.description, members: sortedUnique([...before.members, ...membersAdded]) };
        apply.groups.changed.push({ name: g.name, before, after, membersAdded, membersRemoved: [], fields: [...fields] });
      }
    }
    upsert("GROUP", g.name, g.origin);
  }

  // What the source no longer asserts.
  const stale = (row: Provenance) => !observed || now.getTime() - row.lastSeenAt.getTime() >= input.ageOutMs;
  const asserted = { SERVICE: assertedServices, EDGE: assertedEdges, GROUP: assertedGroups } as const;
  const candidates = { SERVICE: new Set<string>(), EDGE: new Set<string>(), GROUP: new Set<string>() };
  for (const element of graph.provenance) {
    const row = element.sources.find((p) => p.source === source);
    if (!row || asserted[element.kind].has(element.key) || !stale(row)) continue;
    const inGraph = element.kind === "SERVICE" ? services.has(element.key) : element.kind === "EDGE" ? edges.has(element.key) : groups.has(element.key);
    if (!inGraph) {
      // A row left by an element removed some other way: nothing to review.
      deletes.push({ kind: element.kind, key: element.key, source });
    } else if (element.sources.some((p) => p.source !== source)) {
      // Another source still has it: only this source's claim goes.
      deletes.push({ kind: element.kind, key: element.key, source });
    } else {
      candidates[element.kind].add(element.key);
    }
  }

  // Rows of removed elements go with them in applyGraphChange (docs/graph-changes.md#provenance).
  const removal = emptyDiff();
  const removedEdges = new Set<string>();
  for (const key of candidates.EDGE) {
    removal.edges.removed.push(edges.get(key)!);
    removedEdges.add(key);
  }
  for (const name of candidates.SERVICE) {
    const touching = graph.topology.dependencies.filter((d) => (d.from === name || d.to === name) && !removedEdges.has(edgeKey(d)));
    const stillAsserted = [...assertedEdges.values()].filter((e) => e.from === name || e.to === name);
    if (stillAsserted.length > 0) {
      skipped.push({ kind: "SERVICE", key: name, reason: `kept: ${source} still asserts the edge ${edgeKey(stillAsserted[0]!)}` });
      continue;
    }
    const listedIn = [...assertedGroups.values()].find((g) => g.members.includes(name));
    if (listedIn) {
      skipped.push({ kind: "SERVICE", key: name, reason: `kept: ${source} still lists it in the group ${listedIn.name}` });
      continue;
    }
    const declared = touching.filter((d) => declaredByOther("EDGE", edgeKey(d)));
    if (declared.length > 0) {
      skipped.push({ kind: "SERVICE", key: name, reason: `kept: the edge ${edgeKey(declared[0]!)} is declared by ${declarers(sourcesOf("EDGE", edgeKey(declared[0]!)))}` });
      continue;
    }
    removal.services.removed.push(services.get(name)!);
    // An edge cannot outlive its endpoint: what touches the service (observed, or this source's) goes with it.
    for (const d of touching) {
      removal.edges.removed.push(d);
      removedEdges.add(edgeKey(d));
    }
  }
  const removedServices = new Set(removal.services.removed.map((s) => s.name));
  for (const name of candidates.GROUP) {
    removal.groups.removed.push(groups.get(name)!);
  }
  // Members leave their groups with their service, and from a group only this source declares when it stops listing them.
  for (const group of graph.topology.resourceGroups) {
    if (candidates.GROUP.has(group.name)) continue;
    const dropped = sortedUnique([...group.members.filter((m) => removedServices.has(m)), ...(memberRemovals.get(group.name) ?? [])]);
    if (dropped.length === 0) continue;
    const applied = apply.groups.changed.find((c) => c.name === group.name);
    const before = applied ? applied.after : group;
    const after: ResourceGroupSpec = { ...before, members: before.members.filter((m) => !dropped.includes(m)) };
    removal.groups.changed.push({ name: group.name, before, after, membersAdded: [], membersRemoved: dropped, fields: [] });
  }

  const hasRemovals = !isEmptyDiff(sortDiff(removal));
  return {
    source,
    baseRevision: graph.revision,
    apply: { diff: sortDiff(apply), provenance: { upserts, deletes } },
    remove: hasRemovals && input.removals === "auto" ? { diff: removal, provenance: { upserts: [], deletes: [] } } : null,
    hold: hasRemovals && input.removals === "review" ? { diff: removal, reason: holdReason(source, removal, input.ageOutMs) } : null,
    unresolved: unresolved.sort(byEdge),
    skipped,
  };
}

function declarers(sources: Provenance[]): string {
  return sortedUnique(sources.filter((p) => DECLARING_SOURCES.includes(p.source)).map((p) => p.source)).join(", ");
}

function holdReason(source: GraphSource, diff: TopologyDiff, ageOutMs: number): string {
  const what = [
    diff.services.removed.length ? `${diff.services.removed.length} service(s)` : null,
    diff.edges.removed.length ? `${diff.edges.removed.length} edge(s)` : null,
    diff.groups.removed.length ? `${diff.groups.removed.length} group(s)` : null,
    diff.groups.changed.length ? `members of ${diff.groups.changed.length} group(s)` : null,
  ].filter(Boolean);
  const why =
    source === "TRACES"
      ? `not observed in traffic for ${formatDuration(ageOutMs)}`
      : `no longer declared by ${source}`;
  return `${why}, and no other source has them: removing ${what.join(", ")} needs an admin's review`;
}

/** "7d", "36h", "90m", "45s": the largest whole unit. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * What of a held removal is still removable now (docs/graph-sources.md#held-changes):
 * an element still in the graph whose only provenance is still the held
 * change's source, and that source has not seen it since the change was held.
 * A service again goes with the edges that touch it, unless another source
 * declares one of them. Pure.
 */
export function planHeldRemoval(input: { graph: GraphWithProvenance; held: { source: GraphSource; createdAt: Date; diff: TopologyDiff } }): { change: ChangeSet; kept: SkippedElement[] } {
  const { graph, held } = input;
  const provenance = provenanceIndex(graph.provenance);
  const sourcesOf = (kind: GraphElementKind, key: string) => provenance.get(provenanceKey(kind, key)) ?? [];
  const kept: SkippedElement[] = [];
  const removable = (kind: GraphElementKind, key: string): boolean => {
    const sources = sourcesOf(kind, key);
    const others = sources.filter((p) => p.source !== held.source);
    if (others.length > 0) {
      kept.push({ kind, key, reason: `now also from ${sortedUnique(others.map((p) => p.source)).join(", ")}` });
      return false;
    }
    const row = sources.find((p) => p.source === held.source);
    if (row && row.lastSeenAt.getTime() > held.createdAt.getTime()) {
      kept.push({ kind, key, reason: `${held.source} has seen it again since the change was held` });
      return false;
    }
    return true;
  };
  const services = new Map(graph.topology.services.map((s) => [s.name, s]));
  const edges = new Map(graph.topology.dependencies.map((d) => [edgeKey(d), d]));
  const groups = new Map(graph.topology.resourceGroups.map((g) => [g.name, g]));
  const diff = emptyDiff();
  const removedEdges = new Set<string>();
  const heldServices = new Set(held.diff.services.removed.map((s) => s.name));
  for (const e of held.diff.edges.removed) {
    const key = edgeKey(e);
    const current = edges.get(key);
    if (!current || removedEdges.has(key)) continue;
    // An edge held only because its service went: judged with the service below.
    if ((heldServices.has(e.from) || heldServices.has(e.to)) && !sourcesOf("EDGE", key).every((p) => p.source === held.source)) continue;
    if (!removable("EDGE", key)) continue;
    diff.edges.removed.push(current);
    removedEdges.add(key);
  }
  for (const s of held.diff.services.removed) {
    const current = services.get(s.name);
    if (!current || !removable("SERVICE", s.name)) continue;
    const touching = graph.topology.dependencies.filter((d) => (d.from === s.name || d.to === s.name) && !removedEdges.has(edgeKey(d)));
    const declared = touching.filter((d) => sourcesOf("EDGE", edgeKey(d)).some((p) => p.source !== held.source && DECLARING_SOURCES.includes(p.source)));
    if (declared.length > 0) {
      kept.push({ kind: "SERVICE", key: s.name, reason: `the edge ${edgeKey(declared[0]!)} is now declared by ${declarers(sourcesOf("EDGE", edgeKey(declared[0]!)))}` });
      continue;
    }
    diff.services.removed.push(current);
    for (const d of touching) {
      diff.edges.removed.push(d);
      removedEdges.add(edgeKey(d));
    }
  }
  const removedServices = new Set(diff.services.removed.map((s) => s.name));
  for (const g of held.diff.groups.removed) {
    const current = groups.get(g.name);
    if (!current || !removable("GROUP", g.name)) continue;
    diff.groups.removed.push(current);
  }
  const removedGroups = new Set(diff.groups.removed.map((g) => g.name));
  // Members held because the source stopped listing them (not because their service was to go).
  const heldMembers = new Map(held.diff.groups.changed.map((c) => [c.name, c.membersRemoved.filter((m) => !heldServices.has(m))]));
  for (const group of graph.topology.resourceGroups) {
    if (removedGroups.has(group.name)) continue;
    const withService = group.members.filter((m) => removedServices.has(m));
    // Members the source stopped listing leave only while the group is still this source's alone.
    const listed = (heldMembers.get(group.name) ?? []).filter((m) => group.members.includes(m) && !removedServices.has(m));
    const stillSole = listed.length > 0 && sourcesOf("GROUP", group.name).every((p) => p.source === held.source);
    if (listed.length > 0 && !stillSole) kept.push({ kind: "GROUP", key: group.name, reason: `members kept: the group is now also declared by ${declarers(sourcesOf("GROUP", group.name))}` });
    const dropped = sortedUnique([...withService, ...(stillSole ? listed : [])]);
    if (dropped.length === 0) continue;
    diff.groups.changed.push({ name: group.name, before: group, after: { ...group, members: group.members.filter((m) => !dropped.includes(m)) }, membersAdded: [], membersRemoved: dropped, fields: [] });
  }
  return { change: { diff: sortDiff(diff), provenance: { upserts: [], deletes: [] } }, kept };
}

/** The same removals, in any order: a refresh that would hold what is already pending holds nothing new. */
export function sameDiff(a: TopologyDiff, b: TopologyDiff): boolean {
  return canonical(sortDiff(structuredClone(a))) === canonical(sortDiff(structuredClone(b)));
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) : v,
  );
}
