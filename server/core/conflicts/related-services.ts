import type { GraphIndex } from "../graph/graph-index";

/**
 * Every service whose in-flight operation could be in conflict with an
 * operation on `service`, by the seven definitions of ./types.ts: itself, what
 * it reaches downstream and upstream within `depth`, its resource-group
 * co-members, and the other dependencies of its direct dependents (CASCADE).
 * TIMING only looks one edge away, inside this set. The orchestrator loads
 * only these services' operations instead of every operation in flight, so a
 * check costs what the neighbourhood costs, not what the whole estate does.
 * Unknown services give just the name itself.
 */
export function relatedServices(index: GraphIndex, service: string, depth: number): string[] {
  const x = index.idOf(service);
  if (x === undefined) return [service];
  const ids = new Set<number>([x]);
  for (const y of index.downstream(x, depth).nodes) ids.add(y);
  for (const y of index.upstream(x, depth).nodes) ids.add(y);
  for (const g of index.groupsOf(x)) for (const member of index.groups[g]!.members) ids.add(member);
  for (const z of index.dependedOnBy(x)) for (const y of index.dependsOn(z)) ids.add(y);
  return [...ids].map((id) => index.nameOf(id));
}
