import { CRITICALITIES, RESOURCE_KINDS, type DependencySpec, type ResourceGroupSpec, type ServiceSpec } from "../topology/types";
import type { GraphSnapshot } from "./types";

export interface SyntheticTopologyOptions {
  services?: number;
  dependencies?: number;
  resourceGroups?: number;
  /** Same seed, same topology: benchmarks and tests compare like with like. */
  seed?: number;
  /** Share of edges that point back up the tiers and so may close cycles (real graphs have a few). */
  backEdgeShare?: number;
  /** Members per resource group, inclusive bounds. */
  groupSize?: [min: number, max: number];
}

const TIERS = 5;

/**
 * A deterministic topology shaped like a large estate: five tiers (front doors
 * few, platform services many), edges mostly from a tier to deeper tiers with
 * a small share pointing back up, and resource groups of a few dozen services
 * each (a database or a cache is shared by a handful of teams, not by
 * thousands). Used by tests and by `npm run bench -- conflicts`.
 */
export function generateSyntheticTopology(options: SyntheticTopologyOptions = {}): GraphSnapshot {
  const serviceCount = options.services ?? 10_000;
  const edgeCount = options.dependencies ?? 40_000;
  const groupCount = options.resourceGroups ?? 50;
  const backEdgeShare = options.backEdgeShare ?? 0.01;
  const [minGroup, maxGroup] = options.groupSize ?? [10, 60];
  const random = mulberry32(options.seed ?? 1);
  const pick = (n: number) => Math.floor(random() * n);
  const width = String(serviceCount).length;

  // Tier sizes grow with depth (1:2:3:4:5), so most services sit deep in the call path.
  const tierOf = (i: number) => {
    const share = (i + 0.5) / serviceCount;
    let cumulative = 0;
    for (let t = 1; t <= TIERS; t++) {
      cumulative += t / 15;
      if (share <= cumulative) return t;
    }
    return TIERS;
  };
  const services: ServiceSpec[] = Array.from({ length: serviceCount }, (_, i) => ({
    name: `svc-${String(i).padStart(width, "0")}`,
    tier: tierOf(i),
    criticality: CRITICALITIES[pick(CRITICALITIES.length)]!,
    team: `team-${String(pick(Math.max(1, Math.ceil(serviceCount / 25)))).padStart(3, "0")}`,
    description: "",
  }));
  // Services are generated in tier order: a tier's first index bounds the deeper tiers.
  const firstOfTier: number[] = [];
  services.forEach((s, i) => (firstOfTier[s.tier] ??= i));
  firstOfTier[TIERS + 1] = serviceCount;

  const maxEdges = serviceCount * (serviceCount - 1);
  const target = Math.min(edgeCount, maxEdges);
  const seen = new Set<number>();
  const dependencies: DependencySpec[] = [];
  let attempts = 0;
  while (dependencies.length < target && attempts < target * 20) {
    attempts++;
    let from: number;
    let to: number;
    if (random() < backEdgeShare) {
      from = pick(serviceCount);
      to = pick(serviceCount);
    } else {
      // The deepest tier depends on nothing: it is the platform everything else stands on.
      from = pick(firstOfTier[TIERS] ?? serviceCount);
      const lo = firstOfTier[services[from]!.tier + 1] ?? serviceCount;
      if (lo >= serviceCount) continue;
      to = lo + pick(serviceCount - lo);
    }
    if (to === from) continue;
    const key = from * serviceCount + to;
    if (seen.has(key)) continue;
    seen.add(key);
    const roll = random();
    dependencies.push({ from: services[from]!.name, to: services[to]!.name, kind: roll < 0.7 ? "SYNC_API" : roll < 0.9 ? "ASYNC_EVENT" : "DATA" });
  }

  const resourceGroups: ResourceGroupSpec[] = Array.from({ length: groupCount }, (_, g) => {
    const kind = RESOURCE_KINDS[g % RESOURCE_KINDS.length]!;
    const size = Math.min(serviceCount, minGroup + pick(maxGroup - minGroup + 1));
    const members = new Set<string>();
    while (members.size < size) members.add(services[pick(serviceCount)]!.name);
    return { name: `${kind.toLowerCase()}-${String(g).padStart(2, "0")}`, kind, description: "", members: [...members].sort() };
  });
  return { services, dependencies, resourceGroups };
}

/** A small, fast, seedable PRNG (public domain); Math.random cannot be seeded. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
