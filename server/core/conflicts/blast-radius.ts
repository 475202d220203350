import { AppError } from "../errors";
import type { GraphIndex } from "../graph/graph-index";
import type { BlastRadius } from "./types";

/** The weights (docs/specification.md#blast-radius): how much a service in each set counts towards the blast radius. */
export const BLAST_RADIUS_WEIGHTS = { direct: 1.0, sharedResource: 0.8, downstream: 0.5, upstream: 0.3 } as const;

// Set codes, lower = heavier; a service is counted once, in the heaviest set it is in.
const DIRECT = 1;
const SHARED = 2;
const DOWNSTREAM = 3;
const UPSTREAM = 4;

/**
 * The blast radius of changing `services` (ids in `index`) at once:
 * - direct: the services themselves;
 * - sharedResource: the other members of their resource groups;
 * - downstream: what they depend on within `depth` hops;
 * - upstream: what depends on them within `depth` hops;
 * score = Σ weight × |set| (docs/specification.md#blast-radius), percentage = distinct services / all services.
 * The sets are disjoint (heaviest wins), so the score never counts a service twice.
 */
export function computeBlastRadius(index: GraphIndex, services: readonly number[], depth: number): BlastRadius {
  const code = new Map<number, number>();
  const mark = (id: number, set: number) => {
    const current = code.get(id);
    if (current === undefined || set < current) code.set(id, set);
  };
  for (const id of services) mark(id, DIRECT);
  for (const id of services) {
    for (const g of index.groupsOf(id)) for (const member of index.groups[g]!.members) mark(member, SHARED);
    for (const node of index.downstream(id, depth).nodes) mark(node, DOWNSTREAM);
    for (const node of index.upstream(id, depth).nodes) mark(node, UPSTREAM);
  }
  const sets: [string[], string[], string[], string[]] = [[], [], [], []];
  for (const [id, set] of code) sets[set - 1]!.push(index.nameOf(id));
  for (const names of sets) names.sort();
  const [direct, sharedResource, downstream, upstream] = sets;
  const score =
    direct.length * BLAST_RADIUS_WEIGHTS.direct +
    sharedResource.length * BLAST_RADIUS_WEIGHTS.sharedResource +
    downstream.length * BLAST_RADIUS_WEIGHTS.downstream +
    upstream.length * BLAST_RADIUS_WEIGHTS.upstream;
  const total = index.serviceCount;
  return {
    score: round(score, 2),
    percentage: total === 0 ? 0 : round((code.size / total) * 100, 1),
    affectedCount: code.size,
    totalServices: total,
    depth,
    direct,
    sharedResource,
    downstream,
    upstream,
  };
}

/** The blast radius of changing the named services; NOT_FOUND names a service the graph does not have. */
export function blastRadiusOf(index: GraphIndex, services: readonly string[], depth: number): BlastRadius {
  const ids = services.map((name) => {
    const id = index.idOf(name);
    if (id === undefined) throw new AppError("NOT_FOUND", `Service "${name}" is not in the dependency graph`, { service: name });
    return id;
  });
  return computeBlastRadius(index, ids, depth);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
