import { describe, expect, it } from "vitest";
import type { TBlastRadius } from "@/lib/api/graph";
import { blastSetOf, blastSets, countBySet, edgeInRadius, groupInRadius, inFlightOverlaps, servicesInOverlap } from "./blast";

const radius = (service: string, sets: Partial<Pick<TBlastRadius, "direct" | "sharedResource" | "downstream" | "upstream">>): TBlastRadius => ({
  subject: { service, operationId: null },
  score: 0,
  percentage: 0,
  affectedCount: 0,
  totalServices: 10,
  depth: 3,
  direct: [service],
  sharedResource: [],
  downstream: [],
  upstream: [],
  ...sets,
});

describe("blast sets", () => {
  const r = radius("payment", { sharedResource: ["order", "user"], downstream: ["invoice"], upstream: ["checkout", "gateway"] });

  it("maps each affected service to its set and everything else to none", () => {
    const sets = blastSets(r);
    expect(blastSetOf(sets, "payment")).toBe("direct");
    expect(blastSetOf(sets, "order")).toBe("shared");
    expect(blastSetOf(sets, "invoice")).toBe("downstream");
    expect(blastSetOf(sets, "gateway")).toBe("upstream");
    expect(blastSetOf(sets, "search")).toBe("none");
    expect(blastSets(null).size).toBe(0);
  });

  it("keeps the heaviest set when a name repeats", () => {
    expect(blastSetOf(blastSets(radius("a", { upstream: ["a", "b"], downstream: ["b"] })), "a")).toBe("direct");
    expect(blastSetOf(blastSets(radius("a", { upstream: ["b"], downstream: ["b"] })), "b")).toBe("downstream");
  });

  it("counts the services of the graph per set", () => {
    expect(countBySet(["payment", "order", "user", "invoice", "checkout", "gateway", "search", "media"], blastSets(r))).toEqual({ direct: 1, shared: 2, downstream: 1, upstream: 2, none: 2 });
  });

  it("highlights an edge when both ends are affected, a group when a member changes directly", () => {
    const sets = blastSets(r);
    expect(edgeInRadius(sets, "checkout", "payment")).toBe(true);
    expect(edgeInRadius(sets, "search", "payment")).toBe(false);
    expect(groupInRadius(sets, ["payment", "user"])).toBe(true);
    expect(groupInRadius(sets, ["order", "user"])).toBe(false);
  });
});

describe("inFlightOverlaps", () => {
  const op = (id: string, service: string) => ({ id, service, state: "IN_PROGRESS", type: "DEPLOYMENT" });

  it("pairs operations when one's service is in the other's blast radius, from the heavier side", () => {
    const ops = [op("1", "user"), op("2", "payment"), op("3", "search")];
    const radii = new Map([
      ["1", radius("user", { downstream: ["payment"] })],
      ["2", radius("payment", { sharedResource: ["user"] })],
      ["3", radius("search", { downstream: ["catalog"] })],
    ]);
    const overlaps = inFlightOverlaps(ops, radii);
    expect(overlaps).toEqual([{ a: ops[1], b: ops[0], set: "shared" }]);
    expect([...servicesInOverlap(overlaps)].sort()).toEqual(["payment", "user"]);
  });

  it("treats two operations on one service as a direct overlap, even before their radii load", () => {
    expect(inFlightOverlaps([op("1", "a"), op("2", "a")], new Map())).toEqual([{ a: op("1", "a"), b: op("2", "a"), set: "direct" }]);
  });

  it("finds nothing for unrelated operations or operations without a radius", () => {
    expect(inFlightOverlaps([op("1", "a"), op("2", "b")], new Map())).toEqual([]);
    expect(inFlightOverlaps([op("1", "a"), op("2", "b")], new Map([["1", radius("a", { upstream: ["c"] })]]))).toEqual([]);
  });
});
