import { describe, expect, it } from "vitest";
import { DEMO_TOPOLOGY } from "../topology/demo-topology";
import { findDependencyCycles } from "./find-dependency-cycles";
import type { GraphSnapshot } from "./types";

const graph = (names: string[], edges: [string, string][]): GraphSnapshot => ({
  services: names.map((name) => ({ name, tier: 1, criticality: "LOW", team: "t", description: "" })),
  dependencies: edges.map(([from, to]) => ({ from, to, kind: "SYNC_API" })),
  resourceGroups: [],
});

describe("findDependencyCycles", () => {
  it("finds none in the demo topology", () => {
    expect(findDependencyCycles(DEMO_TOPOLOGY)).toEqual([]);
  });

  it("returns each strongly connected component once, sorted", () => {
    const g = graph(["a", "b", "c", "d", "e", "f"], [["a", "b"], ["b", "c"], ["c", "a"], ["c", "d"], ["e", "f"], ["f", "e"]]);
    expect(findDependencyCycles(g)).toEqual([["a", "b", "c"], ["e", "f"]]);
  });

  it("does not overflow on a long chain closed into one big cycle", () => {
    const names = Array.from({ length: 50_000 }, (_, i) => `s${i}`);
    const edges = names.map((n, i): [string, string] => [n, names[(i + 1) % names.length]!]);
    const cycles = findDependencyCycles(graph(names, edges));
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toHaveLength(50_000);
  });
});
