import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_TOPOLOGY } from "../../core/topology/demo-topology";
import { graphStoreContract } from "../../testing/graph-store-contract";
import { openTestStore, type TestStore } from "../../testing/stores";
import type { Database } from "./database";
import { PostgresGraphStore } from "./postgres-graph-store";

describe.each(["postgres", "pglite"] as const)("PostgresGraphStore on %s", (kind) => {
  let store_: TestStore;
  let db: Database;
  let store: PostgresGraphStore;

  beforeAll(async () => {
    store_ = await openTestStore(kind, "graph", { poolSize: 4 });
    db = store_.db;
    store = new PostgresGraphStore(db);
  });
  afterAll(async () => {
    await store_?.close();
  });

  graphStoreContract(() => store);

  describe("with operations on record", () => {
    it("refuses to remove a service that an operation refers to, and keeps the topology", async () => {
      await store.replaceTopology(DEMO_TOPOLOGY);
      const payment = await db.prisma.service.findUniqueOrThrow({ where: { name: "payment-service" } });
      await db.prisma.operation.create({
        data: { type: "DEPLOYMENT", serviceId: payment.id, actor: "alice", actorKind: "HUMAN", correlationId: "c-1", paramsHash: "h" },
      });
      const without = { ...DEMO_TOPOLOGY, services: DEMO_TOPOLOGY.services.filter((s) => s.name !== "payment-service"), dependencies: DEMO_TOPOLOGY.dependencies.filter((d) => d.from !== "payment-service" && d.to !== "payment-service"), resourceGroups: DEMO_TOPOLOGY.resourceGroups.map((g) => ({ ...g, members: g.members.filter((m) => m !== "payment-service") })) };
      await expect(store.replaceTopology(without)).rejects.toMatchObject({ code: "CONFLICT", details: { services: ["payment-service"] } });
      expect((await store.loadSnapshot()).services).toHaveLength(42);
      // The service keeps its identity across a replacement that keeps it: the operation still points at it.
      await store.replaceTopology({ ...DEMO_TOPOLOGY, services: DEMO_TOPOLOGY.services.map((s) => (s.name === "payment-service" ? { ...s, tier: 3 } : s)) });
      expect((await db.prisma.service.findUniqueOrThrow({ where: { name: "payment-service" } })).id).toBe(payment.id);
      await db.prisma.operation.deleteMany({});
    });
  });
});
