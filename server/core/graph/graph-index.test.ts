import { describe, expect, it } from "vitest";
import { DEMO_TOPOLOGY } from "../topology/demo-topology";
import { generateSyntheticTopology } from "./generate-synthetic-topology";
import { GraphIndex, indexSnapshot } from "./graph-index";
import type { GraphSnapshot } from "./types";

const service = (name: string) => ({ name, tier: 1, criticality: "LOW" as const, team: "t", description: "" });
const edge = (from: string, to: string) => ({ from, to, kind: "SYNC_API" as const });

/** Plain breadth-first search over the edge list: slow, obviously right, the reference. */
function reference(topology: GraphSnapshot, start: string, depth: number, direction: "down" | "up"): Map<string, number> {
  const found = new Map<string, number>();
  let frontier = [start];
  for (let level = 1; level <= depth; level++) {
    const next: string[] = [];
    for (const node of frontier) {
      for (const e of topology.dependencies) {
        const [near, far] = direction === "down" ? [e.from, e.to] : [e.to, e.from];
        if (near !== node || far === start || found.has(far)) continue;
        found.set(far, level);
        next.push(far);
      }
    }
    frontier = next;
  }
  return found;
}

describe("GraphIndex", () => {
  const index = GraphIndex.build(DEMO_TOPOLOGY);
  const reach = (r: { nodes: Int32Array; depths: Uint8Array }) => new Map([...r.nodes].map((id, i) => [index.nameOf(id), r.depths[i]!]));

  it("answers direct neighbours both ways", () => {
    const user = index.idOf("user-service")!;
    expect([...index.dependsOn(user)].map((id) => index.nameOf(id)).sort()).toEqual(["payment-service", "profile-service"]);
    expect([...index.dependedOnBy(index.idOf("payment-service")!)].map((id) => index.nameOf(id)).sort()).toEqual(["checkout-service", "order-service", "returns-service", "user-service"]);
    expect(index.idOf("nope")).toBeUndefined();
  });

  it("finds the same services at the same fewest hops as a plain search, both ways", () => {
    for (const name of ["user-service", "payment-service", "api-gateway", "config-service"]) {
      for (const depth of [1, 2, 3, 6]) {
        const id = index.idOf(name)!;
        expect(reach(index.downstream(id, depth))).toEqual(reference(DEMO_TOPOLOGY, name, depth, "down"));
        expect(reach(index.upstream(id, depth))).toEqual(reference(DEMO_TOPOLOGY, name, depth, "up"));
      }
    }
  });

  it("agrees with the plain search on a synthetic graph with cycles", () => {
    const topology = generateSyntheticTopology({ services: 300, dependencies: 1_200, resourceGroups: 5, seed: 3, backEdgeShare: 0.1 });
    const big = GraphIndex.build(topology);
    for (const name of ["svc-000", "svc-123", "svc-299"]) {
      const id = big.idOf(name)!;
      const asMap = (r: { nodes: Int32Array; depths: Uint8Array }) => new Map([...r.nodes].map((n, i) => [big.nameOf(n), r.depths[i]!]));
      expect(asMap(big.downstream(id, 3))).toEqual(reference(topology, name, 3, "down"));
      expect(asMap(big.upstream(id, 3))).toEqual(reference(topology, name, 3, "up"));
    }
  });

  it("returns remembered answers that later walks do not disturb", () => {
    const id = index.idOf("api-gateway")!;
    const first = index.downstream(id, 3);
    const copy = [...first.nodes];
    index.upstream(index.idOf("config-service")!, 6);
    index.downstream(index.idOf("checkout-service")!, 2);
    expect(index.downstream(id, 3)).toBe(first);
    expect([...first.nodes]).toEqual(copy);
  });

  it("finds a shortest path along the edges, or none within the depth", () => {
    const name = (ids: number[] | null) => ids?.map((id) => index.nameOf(id)) ?? null;
    expect(name(index.path(index.idOf("shipping-service")!, index.idOf("invoice-service")!, 3))).toEqual(["shipping-service", "order-service", "payment-service", "invoice-service"]);
    expect(index.path(index.idOf("shipping-service")!, index.idOf("invoice-service")!, 2)).toBeNull();
    expect(index.path(index.idOf("invoice-service")!, index.idOf("payment-service")!, 6)).toBeNull();
  });

  it("indexes resource groups by member", () => {
    const user = index.idOf("user-service")!;
    expect(index.groupsOf(user).map((g) => index.groups[g]!.name).sort()).toEqual(["postgres_primary", "redis_cache"]);
    expect(index.groupsOf(index.idOf("sms-service")!)).toEqual([]);
  });

  it("ignores self-edges and edges to unknown services in a hand-made snapshot", () => {
    const odd = GraphIndex.build({ services: [service("a"), service("b")], dependencies: [edge("a", "a"), edge("a", "ghost"), edge("a", "b")], resourceGroups: [] });
    expect([...odd.downstream(odd.idOf("a")!, 3).nodes].map((id) => odd.nameOf(id))).toEqual(["b"]);
  });

  it("indexSnapshot builds once per snapshot object", () => {
    const snapshot = { ...DEMO_TOPOLOGY };
    expect(indexSnapshot(snapshot)).toBe(indexSnapshot(snapshot));
    expect(indexSnapshot({ ...DEMO_TOPOLOGY })).not.toBe(indexSnapshot(snapshot));
  });
});

describe("an index built by another copy of the module", () => {
  it("is still recognised as an index (the server bundles its start-up code apart from its routes)", async () => {
    const { vi } = await import("vitest");
    vi.resetModules();
    const other = await import("./graph-index");
    expect(other.GraphIndex).not.toBe(GraphIndex);
    const foreign = other.GraphIndex.build(DEMO_TOPOLOGY);
    expect(foreign instanceof GraphIndex).toBe(true);
    expect({} instanceof GraphIndex).toBe(false);
    // A conflict check of this copy uses the foreign index as it is, instead of re-indexing it as a snapshot.
    const { detectConflicts } = await import("../conflicts/detect-conflicts");
    const { DEFAULT_CONFLICT_POLICY } = await import("../conflicts/policy");
    const check = detectConflicts({
      candidate: { id: "c", type: "DEPLOYMENT", service: "payment-service", actor: "a", createdAt: new Date(0), params: {}, seq: 1n },
      inFlight: [],
      recentlyFinished: [],
      graph: foreign,
      policy: DEFAULT_CONFLICT_POLICY,
      now: new Date(0),
    });
    expect(check.blastRadius.totalServices).toBe(DEMO_TOPOLOGY.services.length);
  });
});
