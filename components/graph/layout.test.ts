import { describe, expect, it } from "vitest";
import { generateSyntheticTopology } from "@/server/core/graph/generate-synthetic-topology";
import { DEMO_TOPOLOGY } from "@/server/core/topology/demo-topology";
import { GROUP_NODE, SERVICE_NODE, groupNodeId, layoutTopology, type PositionedNode } from "./layout";

function overlaps(a: PositionedNode, b: PositionedNode): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

describe.each(["dagre", "layered"] as const)("layoutTopology (%s)", (strategy) => {
  it("places every service and resource group of the demo topology once, inside the bounds, without overlaps", () => {
    const layout = layoutTopology(DEMO_TOPOLOGY, { strategy });
    expect(layout.strategy).toBe(strategy);
    expect(layout.nodes.filter((n) => n.kind === "service").map((n) => n.name).sort()).toEqual(DEMO_TOPOLOGY.services.map((s) => s.name).sort());
    expect(layout.nodes.filter((n) => n.kind === "group").map((n) => n.id).sort()).toEqual(DEMO_TOPOLOGY.resourceGroups.map((g) => groupNodeId(g.name)).sort());
    for (const node of layout.nodes) {
      expect(node.width).toBe(node.kind === "service" ? SERVICE_NODE.width : GROUP_NODE.width);
      expect(node.x).toBeGreaterThanOrEqual(0);
      expect(node.y).toBeGreaterThanOrEqual(0);
      expect(node.x + node.width).toBeLessThanOrEqual(layout.width);
      expect(node.y + node.height).toBeLessThanOrEqual(layout.height);
    }
    for (let i = 0; i < layout.nodes.length; i++) for (let j = i + 1; j < layout.nodes.length; j++) expect(overlaps(layout.nodes[i]!, layout.nodes[j]!), `${layout.nodes[i]!.id} / ${layout.nodes[j]!.id}`).toBe(false);
  });

  it("draws left to right: a dependent sits left of what it depends on, a group right of its members", () => {
    const layout = layoutTopology(DEMO_TOPOLOGY, { strategy });
    const at = new Map(layout.nodes.map((n) => [n.id, n]));
    for (const { from, to } of DEMO_TOPOLOGY.dependencies) expect(at.get(from)!.x, `${from} → ${to}`).toBeLessThan(at.get(to)!.x);
    for (const group of DEMO_TOPOLOGY.resourceGroups) for (const member of group.members) expect(at.get(member)!.x).toBeLessThan(at.get(groupNodeId(group.name))!.x);
  });

  it("is deterministic and can leave the groups out", () => {
    expect(layoutTopology(DEMO_TOPOLOGY, { strategy })).toEqual(layoutTopology(DEMO_TOPOLOGY, { strategy }));
    expect(layoutTopology(DEMO_TOPOLOGY, { strategy, includeGroups: false }).nodes).toHaveLength(DEMO_TOPOLOGY.services.length);
  });

  it("ignores edges to unknown services, self-edges and duplicates, survives cycles, and lays out an empty graph", () => {
    const svc = (name: string) => ({ name, tier: 1, criticality: "LOW" as const, team: "t", description: "" });
    const layout = layoutTopology(
      {
        services: [svc("a"), svc("b"), svc("c")],
        dependencies: [
          { from: "a", to: "a", kind: "SYNC_API" },
          { from: "a", to: "ghost", kind: "DATA" },
          { from: "a", to: "b", kind: "SYNC_API" },
          { from: "a", to: "b", kind: "SYNC_API" },
          { from: "b", to: "c", kind: "SYNC_API" },
          { from: "c", to: "a", kind: "ASYNC_EVENT" },
        ],
        resourceGroups: [],
      },
      { strategy },
    );
    expect(layout.nodes.map((n) => n.id).sort()).toEqual(["a", "b", "c"]);
    for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) expect(overlaps(layout.nodes[i]!, layout.nodes[j]!)).toBe(false);
    expect(layoutTopology({ services: [], dependencies: [], resourceGroups: [] }, { strategy })).toEqual({ nodes: [], width: 0, height: 0, strategy });
  });
});

describe("layoutTopology's choice of strategy", () => {
  it("uses dagre for the demo topology and the layered layout at 1,000 services", () => {
    expect(layoutTopology(DEMO_TOPOLOGY).strategy).toBe("dagre");
    expect(layoutTopology(generateSyntheticTopology({ services: 1_000, dependencies: 4_000, resourceGroups: 50, seed: 7 })).strategy).toBe("layered");
  });

  // Measured, not asserted: the figures go to the test's output (and the report).
  it("lays out the demo topology and a 1,000-service synthetic graph (timings printed)", () => {
    const time = (label: string, run: () => { nodes: unknown[] }) => {
      const started = performance.now();
      const layout = run();
      console.log(`${label}: ${(performance.now() - started).toFixed(1)} ms, ${layout.nodes.length} nodes`);
      return layout;
    };
    time("demo (42 services, 3 groups), dagre", () => layoutTopology(DEMO_TOPOLOGY));
    const topology = generateSyntheticTopology({ services: 1_000, dependencies: 4_000, resourceGroups: 50, seed: 7 });
    const memberships = topology.resourceGroups.reduce((n, g) => n + g.members.length, 0);
    const big = time(`synthetic 1,000 services, ${topology.dependencies.length} dependencies, 50 groups (${memberships} memberships), layered`, () => layoutTopology(topology));
    expect(big.nodes).toHaveLength(1_050);
    time("the same without groups, layered", () => layoutTopology(topology, { includeGroups: false }));
  });

  // dagre at 1,000 services: ~7 s with longest-path ranking (minutes with network simplex); opt in with LAYOUT_BENCH=1.
  it.skipIf(!process.env.LAYOUT_BENCH)("times dagre (longest-path) on the 1,000-service graph", () => {
    const topology = generateSyntheticTopology({ services: 1_000, dependencies: 4_000, resourceGroups: 50, seed: 7 });
    const started = performance.now();
    layoutTopology(topology, { strategy: "dagre", ranker: "longest-path", includeGroups: false });
    console.log(`dagre longest-path, 1,000 services / 4,000 dependencies: ${(performance.now() - started).toFixed(0)} ms`);
  });
});
