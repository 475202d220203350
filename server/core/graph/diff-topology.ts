// A change to the graph as data (docs/graph-changes.md#a-change-is-a-diff):
// what is added, removed and altered between two topologies. The diff is what
// an admin previews, what the store applies row by row, and what the audit
// event records. Pure.
import { AppError } from "../errors";
import type { DependencySpec, ResourceGroupSpec, ServiceSpec, TopologySpec } from "../topology/types";
import { edgeKey, type TopologyDiff } from "./live-graph-types";
import { normalizeTopology } from "./normalize-topology";

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const SERVICE_FIELDS = ["tier", "criticality", "team", "description"] as const;

export function emptyDiff(): TopologyDiff {
  return {
    services: { added: [], removed: [], changed: [] },
    edges: { added: [], removed: [], changed: [] },
    groups: { added: [], removed: [], changed: [] },
  };
}

/**
 * Everything `after` has that `before` has not, and the reverse; every list
 * sorted by name (edges by from, then to). The inputs need not be sorted:
 * only the (small) lists of the diff are, so a 1 % change to 40,000 edges
 * costs two passes, not two sorts of the whole graph. When both are in order
 * already (the stored graph always is, and so is a normalized document),
 * services and edges are compared in one merge pass, without building a map
 * and a key string per element: the diff runs in the applying process beside
 * other processes' conflict checks (docs/graph-changes.md#cost).
 */
export function diffTopology(before: TopologySpec, after: TopologySpec): TopologyDiff {
  const diff = emptyDiff();
  if (inOrder(before.services, byName) && inOrder(after.services, byName)) diffServicesInOrder(before.services, after.services, diff);
  else diffServices(before.services, after.services, diff);
  if (inOrder(before.dependencies, byEdge) && inOrder(after.dependencies, byEdge)) diffEdgesInOrder(before.dependencies, after.dependencies, diff);
  else diffEdges(before.dependencies, after.dependencies, diff);

  const group = (g: ResourceGroupSpec): ResourceGroupSpec => ({ name: g.name, kind: g.kind, description: g.description, members: [...g.members].sort(byString) });
  const groupsBefore = new Map(before.resourceGroups.map((g) => [g.name, g]));
  const groupsAfter = new Map(after.resourceGroups.map((g) => [g.name, g]));
  for (const g of after.resourceGroups) {
    const old = groupsBefore.get(g.name);
    if (!old) diff.groups.added.push(group(g));
    else {
      const fields = (["kind", "description"] as const).filter((f) => old[f] !== g[f]);
      const was = new Set(old.members);
      const is = new Set(g.members);
      const membersAdded = g.members.filter((m) => !was.has(m)).sort(byString);
      const membersRemoved = old.members.filter((m) => !is.has(m)).sort(byString);
      if (fields.length > 0 || membersAdded.length > 0 || membersRemoved.length > 0) diff.groups.changed.push({ name: g.name, before: group(old), after: group(g), membersAdded, membersRemoved, fields: [...fields] });
    }
  }
  for (const g of before.resourceGroups) if (!groupsAfter.has(g.name)) diff.groups.removed.push(group(g));

  return sortDiff(diff);
}

const byName = (a: { name: string }, b: { name: string }) => byString(a.name, b.name);
const service = (s: ServiceSpec): ServiceSpec => ({ name: s.name, tier: s.tier, criticality: s.criticality, team: s.team, description: s.description });

function inOrder<T>(list: readonly T[], compare: (a: T, b: T) => number): boolean {
  for (let i = 1; i < list.length; i++) if (compare(list[i - 1]!, list[i]!) >= 0) return false;
  return true;
}

function compareService(old: ServiceSpec, s: ServiceSpec, diff: TopologyDiff): void {
  const fields = SERVICE_FIELDS.filter((f) => old[f] !== s[f]);
  if (fields.length > 0) diff.services.changed.push({ name: s.name, before: service(old), after: service(s), fields });
}

function diffServices(before: readonly ServiceSpec[], after: readonly ServiceSpec[], diff: TopologyDiff): void {
  const servicesBefore = new Map(before.map((s) => [s.name, s]));
  const servicesAfter = new Map(after.map((s) => [s.name, s]));
  for (const s of after) {
    const old = servicesBefore.get(s.name);
    if (!old) diff.services.added.push(service(s));
    else compareService(old, s, diff);
  }
  for (const s of before) if (!servicesAfter.has(s.name)) diff.services.removed.push(service(s));
}

/** Both lists by name, no name twice: one merge pass. */
function diffServicesInOrder(before: readonly ServiceSpec[], after: readonly ServiceSpec[], diff: TopologyDiff): void {
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    const order = i >= before.length ? 1 : j >= after.length ? -1 : byString(before[i]!.name, after[j]!.name);
    if (order < 0) diff.services.removed.push(service(before[i++]!));
    else if (order > 0) diff.services.added.push(service(after[j++]!));
    else compareService(before[i++]!, after[j++]!, diff);
  }
}

function diffEdges(before: readonly DependencySpec[], after: readonly DependencySpec[], diff: TopologyDiff): void {
  const edgesBefore = new Map(before.map((d) => [edgeKey(d), d]));
  const edgesAfter = new Map(after.map((d) => [edgeKey(d), d]));
  for (const d of after) {
    const old = edgesBefore.get(edgeKey(d));
    if (!old) diff.edges.added.push({ from: d.from, to: d.to, kind: d.kind });
    else if (old.kind !== d.kind) diff.edges.changed.push({ from: d.from, to: d.to, before: old.kind, after: d.kind });
  }
  for (const d of before) if (!edgesAfter.has(edgeKey(d))) diff.edges.removed.push({ from: d.from, to: d.to, kind: d.kind });
}

/** Both lists by from then to, no edge twice: one merge pass. */
function diffEdgesInOrder(before: readonly DependencySpec[], after: readonly DependencySpec[], diff: TopologyDiff): void {
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    const order = i >= before.length ? 1 : j >= after.length ? -1 : byEdge(before[i]!, after[j]!);
    if (order < 0) {
      const d = before[i++]!;
      diff.edges.removed.push({ from: d.from, to: d.to, kind: d.kind });
    } else if (order > 0) {
      const d = after[j++]!;
      diff.edges.added.push({ from: d.from, to: d.to, kind: d.kind });
    } else {
      const old = before[i++]!;
      const d = after[j++]!;
      if (old.kind !== d.kind) diff.edges.changed.push({ from: d.from, to: d.to, before: old.kind, after: d.kind });
    }
  }
}
/** Edges by `from`, then `to` (byte order, as the stores sort them). */
export const byEdge = (a: { from: string; to: string }, b: { from: string; to: string }) => byString(a.from, b.from) || byString(a.to, b.to);

/** Sorts every list of a diff in place (services and groups by name, edges by from then to) and returns it. */
export function sortDiff(diff: TopologyDiff): TopologyDiff {
  diff.services.added.sort(byName);
  diff.services.removed.sort(byName);
  diff.services.changed.sort(byName);
  diff.edges.added.sort(byEdge);
  diff.edges.removed.sort(byEdge);
  diff.edges.changed.sort(byEdge);
  diff.groups.added.sort(byName);
  diff.groups.removed.sort(byName);
  diff.groups.changed.sort(byName);
  return diff;
}

/** How many elements a diff names (each added, removed or changed service, edge or group counts once). */
export function diffSize(diff: TopologyDiff): number {
  const { added, removed, changed } = diffSummary(diff);
  return added + removed + changed;
}

export function diffSummary(diff: TopologyDiff): { added: number; removed: number; changed: number } {
  return {
    added: diff.services.added.length + diff.edges.added.length + diff.groups.added.length,
    removed: diff.services.removed.length + diff.edges.removed.length + diff.groups.removed.length,
    changed: diff.services.changed.length + diff.edges.changed.length + diff.groups.changed.length,
  };
}

export function isEmptyDiff(diff: TopologyDiff): boolean {
  return diffSize(diff) === 0;
}

/**
 * `before` with `diff` applied, normalized. Refuses (CONFLICT) a diff that
 * does not fit `before`: adding what exists, removing or changing what does
 * not, or a `before` side that differs from what is there. A diff computed
 * against another graph must be recomputed, not forced.
 */
export function applyTopologyDiff(before: TopologySpec, diff: TopologyDiff): TopologySpec {
  const misfits: string[] = [];
  const services = new Map(before.services.map((s) => [s.name, s]));
  for (const s of diff.services.removed) {
    if (!services.has(s.name)) misfits.push(`service "${s.name}" is not in the graph (remove)`);
    services.delete(s.name);
  }
  for (const c of diff.services.changed) {
    const old = services.get(c.name);
    if (!old || !sameService(old, c.before)) misfits.push(`service "${c.name}" is not as the diff saw it (change)`);
    services.set(c.name, { ...c.after, name: c.name });
  }
  for (const s of diff.services.added) {
    if (services.has(s.name)) misfits.push(`service "${s.name}" is already in the graph (add)`);
    services.set(s.name, s);
  }

  const edges = new Map(before.dependencies.map((d) => [edgeKey(d), d]));
  for (const d of diff.edges.removed) {
    if (!edges.has(edgeKey(d))) misfits.push(`edge ${edgeKey(d)} is not in the graph (remove)`);
    edges.delete(edgeKey(d));
  }
  for (const c of diff.edges.changed) {
    const old = edges.get(edgeKey(c));
    if (!old || old.kind !== c.before) misfits.push(`edge ${edgeKey(c)} is not as the diff saw it (change)`);
    edges.set(edgeKey(c), { from: c.from, to: c.to, kind: c.after });
  }
  for (const d of diff.edges.added) {
    if (edges.has(edgeKey(d))) misfits.push(`edge ${edgeKey(d)} is already in the graph (add)`);
    edges.set(edgeKey(d), d);
  }

  const groups = new Map(before.resourceGroups.map((g) => [g.name, g]));
  for (const g of diff.groups.removed) {
    if (!groups.has(g.name)) misfits.push(`resource group "${g.name}" is not in the graph (remove)`);
    groups.delete(g.name);
  }
  for (const c of diff.groups.changed) {
    const old = groups.get(c.name);
    if (!old || old.kind !== c.before.kind || old.description !== c.before.description) misfits.push(`resource group "${c.name}" is not as the diff saw it (change)`);
    const members = new Set(old?.members ?? []);
    for (const m of c.membersRemoved) {
      if (!members.has(m)) misfits.push(`"${m}" is not a member of "${c.name}" (remove)`);
      members.delete(m);
    }
    for (const m of c.membersAdded) {
      if (members.has(m)) misfits.push(`"${m}" is already a member of "${c.name}" (add)`);
      members.add(m);
    }
    groups.set(c.name, { name: c.name, kind: c.after.kind, description: c.after.description, members: [...members] });
  }
  for (const g of diff.groups.added) {
    if (groups.has(g.name)) misfits.push(`resource group "${g.name}" is already in the graph (add)`);
    groups.set(g.name, g);
  }

  if (misfits.length > 0) {
    throw new AppError("CONFLICT", `The change does not fit the graph it is applied to: ${misfits.slice(0, 10).join("; ")}${misfits.length > 10 ? "; …" : ""}`, { misfits });
  }
  return normalizeTopology({ services: [...services.values()], dependencies: [...edges.values()], resourceGroups: [...groups.values()] });
}

function sameService(a: ServiceSpec, b: ServiceSpec): boolean {
  return SERVICE_FIELDS.every((f) => a[f] === b[f]);
}

/**
 * The first `limit` elements of a diff, in the order services, edges, groups
 * and within each added, removed, changed: what an audit event keeps of a
 * diff too large to record whole.
 */
export function truncateDiff(diff: TopologyDiff, limit: number): TopologyDiff {
  let left = limit;
  const take = <T>(list: T[]): T[] => {
    const kept = list.slice(0, Math.max(0, left));
    left -= kept.length;
    return kept;
  };
  return {
    services: { added: take(diff.services.added), removed: take(diff.services.removed), changed: take(diff.services.changed) },
    edges: { added: take(diff.edges.added), removed: take(diff.edges.removed), changed: take(diff.edges.changed) },
    groups: { added: take(diff.groups.added), removed: take(diff.groups.removed), changed: take(diff.groups.changed) },
  };
}
