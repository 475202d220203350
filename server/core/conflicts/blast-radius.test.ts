import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { GraphIndex } from "../graph/graph-index";
import type { GraphSnapshot } from "../graph/types";
import { DEMO_TOPOLOGY } from "../topology/demo-topology";
import { BLAST_RADIUS_WEIGHTS, blastRadiusOf } from "./blast-radius";

const service = (name: string) => ({ name, tier: 2, criticality: "HIGH" as const, team: "t", description: "" });
const edge = (from: string, to: string) => ({ from, to, kind: "SYNC_API" as const });

// x → d1 → d2 → d3 → d4; u1 → x, u2 → u1; x and s share a cache; s → d1 (s is also upstream of d1, not of x).
const GRAPH: GraphSnapshot = {
  services: ["x", "d1", "d2", "d3", "d4", "u1", "u2", "s", "lonely"].map(service),
  dependencies: [edge("x", "d1"), edge("d1", "d2"), edge("d2", "d3"), edge("d3", "d4"), edge("u1", "x"), edge("u2", "u1"), edge("s", "d1")],
  resourceGroups: [{ name: "cache", kind: "CACHE", description: "", members: ["x", "s"] }],
};
const index = GraphIndex.build(GRAPH);

describe("blast radius", () => {
  it("applies the documented weights to disjoint sets within the depth", () => {
    const radius = blastRadiusOf(index, ["x"], 3);
    expect(radius).toMatchObject({ direct: ["x"], sharedResource: ["s"], downstream: ["d1", "d2", "d3"], upstream: ["u1", "u2"], affectedCount: 7, totalServices: 9, depth: 3 });
    expect(radius.score).toBeCloseTo(1 * 1.0 + 1 * 0.8 + 3 * 0.5 + 2 * 0.3, 10);
    expect(radius.percentage).toBe(77.8);
    expect(BLAST_RADIUS_WEIGHTS).toEqual({ direct: 1.0, sharedResource: 0.8, downstream: 0.5, upstream: 0.3 });
  });

  it("follows the configured depth", () => {
    expect(blastRadiusOf(index, ["x"], 1)).toMatchObject({ downstream: ["d1"], upstream: ["u1"] });
    expect(blastRadiusOf(index, ["x"], 4).downstream).toEqual(["d1", "d2", "d3", "d4"]);
  });

  it("counts a service once, in its heaviest set", () => {
    // Over x and d1 together: d1 is direct (not downstream of x), s is shared (not upstream of d1).
    const radius = blastRadiusOf(index, ["x", "d1"], 3);
    expect(radius.direct).toEqual(["d1", "x"]);
    expect(radius.sharedResource).toEqual(["s"]);
    expect(radius.upstream).toEqual(["u1", "u2"]);
    expect(radius.downstream).toEqual(["d2", "d3", "d4"]);
  });

  it("of a service with no neighbours is the service itself", () => {
    expect(blastRadiusOf(index, ["lonely"], 3)).toMatchObject({ score: 1, affectedCount: 1, percentage: 11.1, sharedResource: [], downstream: [], upstream: [] });
  });

  it("names an unknown service", () => {
    expect(() => blastRadiusOf(index, ["nope"], 3)).toThrow(AppError);
  });

  it("on the demo topology, payment-service alone reaches invoice downstream and its callers upstream", () => {
    const radius = blastRadiusOf(GraphIndex.build(DEMO_TOPOLOGY), ["payment-service"], 3);
    expect(radius.downstream).toEqual(["invoice-service"]);
    expect(radius.sharedResource).toEqual(["order-service", "user-service"]);
    expect(radius.upstream).toEqual(expect.arrayContaining(["checkout-service", "returns-service", "shipping-service", "api-gateway"]));
    expect(radius.totalServices).toBe(42);
  });
});
