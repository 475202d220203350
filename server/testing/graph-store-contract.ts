// The behaviour every GraphStore must have, run against each implementation
// (Postgres, PGlite, and Neo4j when NEO4J_URI is set). The pure GraphIndex is
// the reference the stores' traversals are checked against.
import { beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../core/errors";
import { generateSyntheticTopology } from "../core/graph/generate-synthetic-topology";
import { GraphIndex } from "../core/graph/graph-index";
import { normalizeTopology } from "../core/graph/normalize-topology";
import type { GraphStore } from "../core/graph/ports";
import type { GraphSnapshot } from "../core/graph/types";
import { DEMO_TOPOLOGY } from "../core/topology/demo-topology";

const EMPTY: GraphSnapshot = { services: [], dependencies: [], resourceGroups: [] };
const service = (name: string, tier = 2) => ({ name, tier, criticality: "HIGH" as const, team: "t", description: `${name} does things` });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).code;
  }
  throw new Error("expected an error");
}

/** `store()` returns the store under test, empty (no services) before the first test. */
export function graphStoreContract(store: () => GraphStore): void {
  describe("GraphStore contract", () => {
    beforeAll(async () => {
      await store().replaceTopology(EMPTY);
    });

    it("an empty store has an empty snapshot", async () => {
      expect(await store().loadSnapshot()).toEqual(EMPTY);
    });

    it("holds exactly the demo topology after replacing with it, in canonical order", async () => {
      const report = await store().replaceTopology(DEMO_TOPOLOGY);
      expect(report).toEqual({ services: 42, dependencies: DEMO_TOPOLOGY.dependencies.length, resourceGroups: 3, members: 9, removedServices: [] });
      expect(await store().loadSnapshot()).toEqual(normalizeTopology(DEMO_TOPOLOGY));
    });

    it("finds downstream and upstream services with their fewest hops, nearest first", async () => {
      expect(await store().findDownstream("user-service", 3)).toEqual([
        { name: "payment-service", depth: 1 },
        { name: "profile-service", depth: 1 },
        { name: "invoice-service", depth: 2 },
        { name: "media-service", depth: 2 },
        { name: "image-resizer-service", depth: 3 },
      ]);
      expect(await store().findDownstream("user-service", 1)).toEqual([
        { name: "payment-service", depth: 1 },
        { name: "profile-service", depth: 1 },
      ]);
      expect(await store().findUpstream("payment-service", 1)).toEqual([
        { name: "checkout-service", depth: 1 },
        { name: "order-service", depth: 1 },
        { name: "returns-service", depth: 1 },
        { name: "user-service", depth: 1 },
      ]);
      const upstream = await store().findUpstream("payment-service", 2);
      expect(upstream).toContainEqual({ name: "shipping-service", depth: 2 });
      expect(await store().findDownstream("image-resizer-service", 3)).toEqual([]);
    });

    it("refuses an unknown service and a depth outside 1..6", async () => {
      expect(await codeOf(store().findDownstream("no-such-service", 3))).toBe("NOT_FOUND");
      expect(await codeOf(store().findUpstream("no-such-service", 3))).toBe("NOT_FOUND");
      expect(await codeOf(store().findDownstream("user-service", 0))).toBe("VALIDATION_FAILED");
      expect(await codeOf(store().findDownstream("user-service", 7))).toBe("VALIDATION_FAILED");
    });

    it("replaces a topology: updates what changed, removes what is gone, reports the removed services", async () => {
      const next: GraphSnapshot = {
        services: [service("a", 1), service("b"), { ...service("user-service", 5), criticality: "LOW", team: "new-team" }],
        dependencies: [
          { from: "a", to: "b", kind: "ASYNC_EVENT" },
          { from: "b", to: "user-service", kind: "DATA" },
        ],
        resourceGroups: [
          { name: "postgres_primary", kind: "OTHER", description: "moved", members: ["a", "user-service"] },
          { name: "empty_group", kind: "QUEUE", description: "", members: [] },
        ],
      };
      const report = await store().replaceTopology(next);
      expect(report.services).toBe(3);
      expect(report.dependencies).toBe(2);
      expect(report.members).toBe(2);
      expect(report.removedServices).toHaveLength(41);
      expect(report.removedServices).toContain("payment-service");
      expect(report.removedServices).not.toContain("user-service");
      expect(await store().loadSnapshot()).toEqual(normalizeTopology(next));
    });

    it("accepts cycles and never returns the start service", async () => {
      await store().replaceTopology({
        services: ["a", "b", "c"].map((n) => service(n)),
        dependencies: [
          { from: "a", to: "b", kind: "SYNC_API" },
          { from: "b", to: "c", kind: "SYNC_API" },
          { from: "c", to: "a", kind: "SYNC_API" },
        ],
        resourceGroups: [],
      });
      expect(await store().findDownstream("a", 6)).toEqual([
        { name: "b", depth: 1 },
        { name: "c", depth: 2 },
      ]);
      expect(await store().findUpstream("a", 6)).toEqual([
        { name: "c", depth: 1 },
        { name: "b", depth: 2 },
      ]);
    });

    it("changes nothing when a replacement fails half way", async () => {
      const before = await store().loadSnapshot();
      // Not validated on purpose: the edge names a service the topology lacks, which the store must refuse.
      const broken: GraphSnapshot = { services: [service("x")], dependencies: [{ from: "x", to: "ghost", kind: "SYNC_API" }], resourceGroups: [] };
      await expect(store().replaceTopology(broken)).rejects.toThrow();
      expect(await store().loadSnapshot()).toEqual(before);
    });

    it("agrees with the in-memory index on a synthetic topology, both ways and at every depth", async () => {
      const topology = generateSyntheticTopology({ services: 400, dependencies: 1_600, resourceGroups: 8, seed: 11, backEdgeShare: 0.05 });
      const report = await store().replaceTopology(topology);
      expect(report.dependencies).toBe(1_600);
      expect(await store().loadSnapshot()).toEqual(normalizeTopology(topology));
      const index = GraphIndex.build(topology);
      const asList = (nodes: Int32Array, depths: Uint8Array) =>
        [...nodes].map((id, i) => ({ name: index.nameOf(id), depth: depths[i]! })).sort((a, b) => a.depth - b.depth || (a.name < b.name ? -1 : 1));
      for (const name of ["svc-000", "svc-017", "svc-150", "svc-399"]) {
        const id = index.idOf(name)!;
        for (const depth of [1, 3]) {
          const down = index.downstream(id, depth);
          const up = index.upstream(id, depth);
          expect(await store().findDownstream(name, depth)).toEqual(asList(down.nodes, down.depths));
          expect(await store().findUpstream(name, depth)).toEqual(asList(up.nodes, up.depths));
        }
      }
    });
  });
}
