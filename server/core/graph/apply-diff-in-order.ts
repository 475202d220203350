import { AppError } from "../errors";
import type { ResourceGroupSpec, ServiceSpec, TopologySpec } from "../topology/types";
import type { TopologyDiff } from "./live-graph-types";

// How a process catches its graph index up with a revision another process
// applied (docs/graph-changes.md#freshness-across-processes): the revision's
// diff is applied to the graph the index was built from, in one pass over
// lists that are already in order, instead of reading the whole graph again.
// The result is exactly what applyTopologyDiff then normalizeTopology give
// (in order, the same fields), so an index built from it is the index a whole
// read would have built; apply-diff-in-order.test.ts checks that on random
// changes. It costs one comparison per element and no sorting, which matters
// because it runs beside the conflict checks it must not slow.

/** Thrown when `before` is not in order: the caller reads the whole graph instead. */
export class GraphNotInOrder extends Error {}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byEdge = (a: { from: string; to: string }, b: { from: string; to: string }) => byString(a.from, b.from) || byString(a.to, b.to);

/**
 * `before` (services by name, edges by from then to, groups by name with
 * members in order, as a normalized topology is) with `diff` applied.
 * Refuses (CONFLICT) a diff that does not fit, like applyTopologyDiff;
 * throws GraphNotInOrder when `before` is not in order.
 */
export function applyDiffInOrder(before: TopologySpec, diff: TopologyDiff): TopologySpec {
  const misfits: string[] = [];
  const services = merge(
    before.services,
    (s) => s.name,
    byString,
    new Set(diff.services.removed.map((s) => s.name)),
    new Map(diff.services.changed.map((c) => [c.name, service({ ...c.after, name: c.name })])),
    diff.services.added.map(service).sort((a, b) => byString(a.name, b.name)),
    (what, name) => misfits.push(`service "${name}" ${what}`),
  );
  const edgeKey = (e: { from: string; to: string }) => `${e.from}->${e.to}`;
  const dependencies = merge(
    before.dependencies,
    (e) => e,
    byEdge,
    new Set(diff.edges.removed.map(edgeKey)),
    new Map(diff.edges.changed.map((c) => [edgeKey(c), { from: c.from, to: c.to, kind: c.after }])),
    diff.edges.added.map((e) => ({ from: e.from, to: e.to, kind: e.kind })).sort(byEdge),
    (what, e) => misfits.push(`edge ${edgeKey(e)} ${what}`),
    edgeKey,
  );
  const resourceGroups = applyGroups(before.resourceGroups, diff, misfits);
  if (misfits.length > 0) {
    throw new AppError("CONFLICT", `The change does not fit the graph it is applied to: ${misfits.slice(0, 10).join("; ")}${misfits.length > 10 ? "; …" : ""}`, { misfits });
  }
  return { services, dependencies, resourceGroups };
}

const service = (s: ServiceSpec): ServiceSpec => ({ name: s.name, tier: s.tier, criticality: s.criticality, team: s.team, description: s.description });

/**
 * One pass over `before` (in `compare` order): removed keys dropped, changed
 * ones replaced, `added` (in order) merged in. Unchanged elements are the same
 * objects as before.
 */
function merge<T, K>(
  before: readonly T[],
  keyOf: (item: T) => K,
  compare: (a: K, b: K) => number,
  removed: Set<string>,
  changed: Map<string, T>,
  added: T[],
  misfit: (what: string, key: K) => void,
  idOf: (key: K) => string = (key) => key as unknown as string,
): T[] {
  const out: T[] = [];
  let a = 0;
  let removedSeen = 0;
  let changedSeen = 0;
  let previous: K | undefined;
  for (const item of before) {
    const key = keyOf(item);
    if (previous !== undefined && compare(previous, key) >= 0) throw new GraphNotInOrder(`the graph held is not in order at ${idOf(key)}`);
    previous = key;
    while (a < added.length && compare(keyOf(added[a]!), key) < 0) out.push(added[a++]!);
    if (a < added.length && compare(keyOf(added[a]!), key) === 0) {
      misfit("is already in the graph (add)", key);
      a++;
    }
    const id = idOf(key);
    if (removed.has(id)) {
      removedSeen++;
      continue;
    }
    const replacement = changed.get(id);
    if (replacement !== undefined) {
      changedSeen++;
      out.push(replacement);
      continue;
    }
    out.push(item);
  }
  while (a < added.length) out.push(added[a++]!);
  if (removedSeen !== removed.size) misfit("is not in the graph (remove)", [...removed].find((id) => !before.some((item) => idOf(keyOf(item)) === id)) as K);
  if (changedSeen !== changed.size) misfit("is not in the graph (change)", keyOf([...changed.values()].find((item) => !before.some((b) => idOf(keyOf(b)) === idOf(keyOf(item))))!));
  return out;
}

/** Groups are few (tens): by name through a map, then in order. */
function applyGroups(before: readonly ResourceGroupSpec[], diff: TopologyDiff, misfits: string[]): ResourceGroupSpec[] {
  const groups = new Map(before.map((g) => [g.name, g]));
  for (const g of diff.groups.removed) {
    if (!groups.delete(g.name)) misfits.push(`resource group "${g.name}" is not in the graph (remove)`);
  }
  for (const c of diff.groups.changed) {
    const old = groups.get(c.name);
    if (!old) {
      misfits.push(`resource group "${c.name}" is not in the graph (change)`);
      continue;
    }
    const members = new Set(old.members);
    for (const m of c.membersRemoved) members.delete(m);
    for (const m of c.membersAdded) members.add(m);
    groups.set(c.name, { name: c.name, kind: c.after.kind, description: c.after.description, members: [...members].sort(byString) });
  }
  for (const g of diff.groups.added) {
    if (groups.has(g.name)) misfits.push(`resource group "${g.name}" is already in the graph (add)`);
    groups.set(g.name, { name: g.name, kind: g.kind, description: g.description, members: [...g.members].sort(byString) });
  }
  return [...groups.values()].sort((x, y) => byString(x.name, y.name));
}
