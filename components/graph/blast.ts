// Blast-radius highlighting and in-flight overlaps, as pure functions: the
// graph page colours nodes and edges from these, the side panel lists them.
import type { TBlastRadius } from "@/lib/api/graph";

export type BlastSet = "direct" | "shared" | "downstream" | "upstream" | "none";
export const BLAST_SETS = ["direct", "shared", "downstream", "upstream"] as const satisfies readonly BlastSet[];

export const BLAST_SET_LABEL: Record<Exclude<BlastSet, "none">, string> = {
  direct: "Direct",
  shared: "Shared resource",
  downstream: "Downstream (depends on)",
  upstream: "Upstream (depended on by)",
};

/** The services of each set of a blast radius (the API's sets are disjoint). */
export function namesInSet(radius: TBlastRadius, set: Exclude<BlastSet, "none">): string[] {
  return set === "direct" ? radius.direct : set === "shared" ? radius.sharedResource : set === "downstream" ? radius.downstream : radius.upstream;
}

/** Each affected service's set; a service in none of them is "none". Heaviest set wins if the API ever repeats a name. */
export function blastSets(radius: TBlastRadius | null | undefined): Map<string, Exclude<BlastSet, "none">> {
  const sets = new Map<string, Exclude<BlastSet, "none">>();
  if (!radius) return sets;
  for (const set of [...BLAST_SETS].reverse()) for (const name of namesInSet(radius, set)) sets.set(name, set);
  return sets;
}

export function blastSetOf(sets: ReadonlyMap<string, Exclude<BlastSet, "none">>, service: string): BlastSet {
  return sets.get(service) ?? "none";
}

/** How many of the given services fall in each set (services not in the graph are not counted). */
export function countBySet(services: readonly string[], sets: ReadonlyMap<string, Exclude<BlastSet, "none">>): Record<BlastSet, number> {
  const counts: Record<BlastSet, number> = { direct: 0, shared: 0, downstream: 0, upstream: 0, none: 0 };
  for (const name of services) counts[blastSetOf(sets, name)]++;
  return counts;
}

/** A dependency edge is part of the highlighted radius when both its ends are affected. */
export function edgeInRadius(sets: ReadonlyMap<string, unknown>, from: string, to: string): boolean {
  return sets.has(from) && sets.has(to);
}

/** A resource group is part of the highlighted radius when one of its members is changed directly. */
export function groupInRadius(sets: ReadonlyMap<string, Exclude<BlastSet, "none">>, members: readonly string[]): boolean {
  return members.some((m) => sets.get(m) === "direct");
}

export interface InFlightOperation {
  id: string;
  service: string;
  state: string;
  type: string;
}

export interface InFlightOverlap {
  /** The operation whose blast radius reaches the other's service. */
  a: InFlightOperation;
  b: InFlightOperation;
  /** How b's service relates to a's change. */
  set: Exclude<BlastSet, "none">;
}

/**
 * Pairs of in-flight operations that overlap: one's service lies in the
 * other's blast radius (the same service counts as direct). Each pair once,
 * reported from the side where the relation is heaviest. `radii` maps an
 * operation id to its blast radius; operations without one yet are skipped.
 */
export function inFlightOverlaps(operations: readonly InFlightOperation[], radii: ReadonlyMap<string, TBlastRadius>): InFlightOverlap[] {
  const rank = (set: Exclude<BlastSet, "none">) => BLAST_SETS.indexOf(set);
  const sets = new Map([...radii].map(([id, radius]) => [id, blastSets(radius)]));
  const overlaps: InFlightOverlap[] = [];
  for (let i = 0; i < operations.length; i++) {
    for (let j = i + 1; j < operations.length; j++) {
      const a = operations[i]!;
      const b = operations[j]!;
      const fromA = a.service === b.service ? "direct" : sets.get(a.id)?.get(b.service);
      const fromB = a.service === b.service ? "direct" : sets.get(b.id)?.get(a.service);
      if (fromA === undefined && fromB === undefined) continue;
      if (fromB === undefined || (fromA !== undefined && rank(fromA) <= rank(fromB))) overlaps.push({ a, b, set: fromA! });
      else overlaps.push({ a: b, b: a, set: fromB });
    }
  }
  return overlaps;
}

/** Services whose in-flight operations overlap another's blast radius: they get the red outline. */
export function servicesInOverlap(overlaps: readonly InFlightOverlap[]): Set<string> {
  const services = new Set<string>();
  for (const { a, b } of overlaps) {
    services.add(a.service);
    services.add(b.service);
  }
  return services;
}
