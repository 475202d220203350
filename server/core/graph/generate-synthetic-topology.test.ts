import { describe, expect, it } from "vitest";
import { findTopologyProblems } from "../topology/validate-topology";
import { findDependencyCycles } from "./find-dependency-cycles";
import { generateSyntheticTopology } from "./generate-synthetic-topology";

describe("generateSyntheticTopology", () => {
  it("makes the benchmark's 10,000 services, 40,000 distinct edges and 50 groups, consistent", () => {
    const topology = generateSyntheticTopology();
    expect(topology.services).toHaveLength(10_000);
    expect(topology.dependencies).toHaveLength(40_000);
    expect(topology.resourceGroups).toHaveLength(50);
    expect(findTopologyProblems(topology)).toEqual([]);
    for (const group of topology.resourceGroups) {
      expect(group.members.length).toBeGreaterThanOrEqual(10);
      expect(group.members.length).toBeLessThanOrEqual(60);
    }
  });

  it("is deterministic for a seed and differs between seeds", () => {
    const options = { services: 500, dependencies: 2_000, resourceGroups: 5 };
    expect(generateSyntheticTopology({ ...options, seed: 9 })).toEqual(generateSyntheticTopology({ ...options, seed: 9 }));
    expect(generateSyntheticTopology({ ...options, seed: 9 }).dependencies).not.toEqual(generateSyntheticTopology({ ...options, seed: 10 }).dependencies);
  });

  it("points edges deeper except for the back-edge share, so cycles exist only when asked for", () => {
    const acyclic = generateSyntheticTopology({ services: 1_000, dependencies: 4_000, backEdgeShare: 0, seed: 5 });
    const tier = new Map(acyclic.services.map((s) => [s.name, s.tier]));
    expect(acyclic.dependencies.every((d) => tier.get(d.to)! > tier.get(d.from)!)).toBe(true);
    expect(findDependencyCycles(acyclic)).toEqual([]);
    expect(findDependencyCycles(generateSyntheticTopology({ services: 1_000, dependencies: 4_000, backEdgeShare: 0.05, seed: 5 })).length).toBeGreaterThan(0);
  });

  it("copes with tiny graphs", () => {
    const tiny = generateSyntheticTopology({ services: 3, dependencies: 10, resourceGroups: 1, groupSize: [1, 2] });
    expect(tiny.services).toHaveLength(3);
    expect(findTopologyProblems(tiny)).toEqual([]);
  });
});
