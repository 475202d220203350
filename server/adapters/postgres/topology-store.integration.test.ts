import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_TOPOLOGY } from "../../core/topology/demo-topology";
import { listServices } from "../../core/topology/list-services";
import { seedDemoTopology } from "../../core/topology/seed-demo-topology";
import { createTestDatabase, type TestDatabase } from "../../testing/postgres";
import { openTestStore, type TestStore } from "../../testing/stores";
import { openDatabase, type Database } from "./database";
import { applyMigrations } from "./migrate";
import { PrismaMarkerStore, PrismaTopologyStore } from "./topology-store";

const now = new Date("2026-11-23T10:00:00Z");
const stores = (db: Database) => ({ topology: new PrismaTopologyStore(db.prisma), markers: new PrismaMarkerStore(db.prisma), now });

describe.each(["postgres", "pglite"] as const)("demo topology seed on %s", (kind) => {
  let store_: TestStore;
  let db: Database;

  beforeAll(async () => {
    store_ = await openTestStore(kind, "topology", { poolSize: 4 });
    db = store_.db;
  });
  afterAll(async () => {
    await store_?.close();
  });

  it("seeds every service, edge and resource group on first start", async () => {
    const outcome = await seedDemoTopology(stores(db));
    expect(outcome).toEqual({
      seeded: true,
      created: {
        services: DEMO_TOPOLOGY.services.length,
        dependencies: DEMO_TOPOLOGY.dependencies.length,
        resourceGroups: DEMO_TOPOLOGY.resourceGroups.length,
        members: DEMO_TOPOLOGY.resourceGroups.reduce((n, g) => n + g.members.length, 0),
      },
    });
  });

  it("reads the services back with their edges and groups, as the overview shows them", async () => {
    const { services, totals } = await listServices({ topology: new PrismaTopologyStore(db.prisma) });
    expect(totals.services).toBe(42);
    expect(totals.dependencies).toBe(DEMO_TOPOLOGY.dependencies.length);
    const payment = services.find((s) => s.name === "payment-service");
    expect(payment).toMatchObject({
      tier: 2,
      criticality: "CRITICAL",
      dependsOn: ["invoice-service"],
      resourceGroups: ["postgres_primary"],
    });
    expect(payment?.dependedOnBy).toEqual(expect.arrayContaining(["user-service", "order-service"]));
    // ordered by tier, then name
    const order = services.map((s) => [s.tier, s.name] as const);
    expect(order).toEqual([...order].sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1])));
  });

  it("does nothing on the next start, and leaves an operator's deletion alone", async () => {
    await db.prisma.service.delete({ where: { name: "metrics-gateway" } });
    expect(await seedDemoTopology(stores(db))).toEqual({ seeded: false, reason: "already-seeded" });
    expect(await db.prisma.service.count()).toBe(41);
  });
});

describe("replicas seeding together (postgres)", () => {
  let testDb: TestDatabase;
  const handles: Database[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase("topology_race");
    for (let i = 0; i < 3; i++) handles.push(await openDatabase({ kind: "postgres", url: testDb.url, poolSize: 3 }));
    await applyMigrations(handles[0]!);
  });
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.close()));
    await testDb.drop();
  });

  it("never duplicates a row", async () => {
    await Promise.all(handles.map((h) => seedDemoTopology(stores(h))));
    const prisma = handles[0]!.prisma;
    expect(await prisma.service.count()).toBe(42);
    expect(await prisma.serviceDependency.count()).toBe(DEMO_TOPOLOGY.dependencies.length);
    expect(await prisma.resourceGroupMember.count()).toBe(9);
    expect(await prisma.setting.count({ where: { key: "seed.demo-topology" } })).toBe(1);
  });
});

describe("embedded store on disk", () => {
  it("keeps the seeded topology across a restart and does not seed again", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-seed-"));
    try {
      const first = await openDatabase({ kind: "pglite", dataDir: dir });
      await applyMigrations(first);
      expect((await seedDemoTopology(stores(first))).seeded).toBe(true);
      await first.close();
      const second = await openDatabase({ kind: "pglite", dataDir: dir });
      expect((await seedDemoTopology(stores(second))).seeded).toBe(false);
      expect(await second.prisma.service.count()).toBe(42);
      await second.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
