import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AuditEventInput } from "../../core/audit/types";
import { auditFixture } from "../../testing/audit";
import { openTestStore, type TestStore } from "../../testing/stores";
import type { Database } from "./database";
import { runInTransaction } from "./transactions";

const event = (i: number, extra: Partial<AuditEventInput> = {}): AuditEventInput => ({
  category: "LOCK_OPERATION",
  severity: "INFO",
  actor: i % 2 ? "alice@example.com" : "auto-healer",
  service: i % 3 ? "payment-service" : "user-service",
  correlationId: `corr-${i % 4}`,
  action: "lock.acquired",
  payload: { i, resource: "payment-service", ttlSeconds: 300 },
  ...extra,
});

describe.each(["postgres", "pglite"] as const)("audit chain on %s", (kind) => {
  let store_: TestStore;
  let db: Database;
  let fx: ReturnType<typeof auditFixture>;

  beforeAll(async () => {
    store_ = await openTestStore(kind, "audit", { poolSize: 8 });
    db = store_.db;
  });
  beforeEach(async () => {
    await db.withSession((s) => s.exec(`TRUNCATE audit_events, audit_checkpoints`));
    fx = auditFixture(db);
  });
  afterEach(async () => {
    await fx.log.settle();
    fx.cleanup();
  });
  afterAll(async () => {
    await store_?.close();
  });

  it("round trip: nested JSON, unicode and microsecond timestamps verify clean after being read back", async () => {
    const payload = {
      nested: { z: [1, 2.5, { deep: true, nothing: null }], a: "first" },
      unicode: "Zürich — 東京 — 🚀 — \u2028 line separator — \"quoted\" \\ backslash",
      big: 1e21,
      small: 0.000001,
      negative: -42,
    };
    const [record] = await fx.log.appendMany([event(1, { payload })]);
    expect(record!.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    const page = await fx.store.query({ limit: 10 });
    expect(page.events[0]).toEqual(record);
    expect(page.events[0]!.payload).toEqual(payload);
    expect(await fx.verify()).toMatchObject({ valid: true, checked: 1, firstBadSeq: null });
  });

  it("links every event to the one before, from the genesis hash", async () => {
    const records = await fx.log.appendMany(Array.from({ length: 20 }, (_, i) => event(i)));
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(records[0]!.prevHash).toBe("0".repeat(64));
    for (let i = 1; i < records.length; i++) expect(records[i]!.prevHash).toBe(records[i - 1]!.hash);
    expect(await fx.verify()).toMatchObject({ valid: true, checked: 20, lastSeq: 20 });
  });

  it("an event written in the caller's transaction commits with it, or not at all", async () => {
    await fx.log.append(event(0));
    await expect(
      runInTransaction(db, async (tx, prisma) => {
        await fx.log.appendInTransaction(tx, [event(1, { action: "operation.state-changed", category: "STATE_TRANSITION" })]);
        await prisma.setting.create({ data: { key: "rolled-back", value: {}, updatedBy: "test" } });
        throw new Error("the status change failed");
      }),
    ).rejects.toThrow("the status change failed");
    expect((await fx.store.query({ limit: 10 })).events).toHaveLength(1);
    expect(await db.prisma.setting.findUnique({ where: { key: "rolled-back" } })).toBeNull();

    await runInTransaction(db, async (tx, prisma) => {
      await fx.log.appendInTransaction(tx, [event(2, { category: "STATE_TRANSITION" })]);
      await prisma.setting.create({ data: { key: "committed", value: {}, updatedBy: "test" } });
    });
    expect((await fx.store.query({ limit: 10 })).events.map((e) => e.seq)).toEqual([2, 1]);
    expect(await fx.verify()).toMatchObject({ valid: true, checked: 2 });
  });

  it("refuses an event it could not keep faithfully, and writes nothing", async () => {
    await expect(fx.log.append({ ...event(1), operationId: "op-123" })).rejects.toThrow(/operationId "op-123" is not a UUID/);
    await expect(fx.log.append({ ...event(1), category: "GOSSIP" as never })).rejects.toThrow(/category "GOSSIP"/);
    expect((await fx.store.counts()).total).toBe(0);
  });

  it("queries by each filter, newest first, with keyset pages", async () => {
    await fx.log.appendMany(Array.from({ length: 30 }, (_, i) => event(i, i === 7 ? { severity: "CRITICAL", category: "CONFLICT_DETECTION" } : {})));
    const first = await fx.store.query({ limit: 12 });
    expect(first.events.map((e) => e.seq)).toEqual(Array.from({ length: 12 }, (_, i) => 30 - i));
    const second = await fx.store.query({ limit: 12, beforeSeq: first.nextBeforeSeq! });
    expect(second.events[0]!.seq).toBe(18);
    const third = await fx.store.query({ limit: 12, beforeSeq: second.nextBeforeSeq! });
    expect(third.events).toHaveLength(6);
    expect(third.nextBeforeSeq).toBeNull();

    expect((await fx.store.query({ limit: 50, severity: "CRITICAL" })).events.map((e) => e.seq)).toEqual([8]);
    expect((await fx.store.query({ limit: 50, category: "CONFLICT_DETECTION" })).events).toHaveLength(1);
    expect((await fx.store.query({ limit: 50, actor: "auto-healer" })).events).toHaveLength(15);
    expect((await fx.store.query({ limit: 50, service: "user-service" })).events).toHaveLength(10);
    expect((await fx.store.query({ limit: 50, correlationId: "corr-1" })).events.every((e) => e.correlationId === "corr-1")).toBe(true);
    expect((await fx.store.query({ limit: 50, from: new Date(Date.now() + 60_000) })).events).toHaveLength(0);

    const counts = await fx.store.counts();
    expect(counts).toMatchObject({ total: 30, uniqueActors: 2, uniqueServices: 2 });
    expect(counts.bySeverity).toEqual({ INFO: 29, CRITICAL: 1 });
  });

  it("takes signed checkpoints every N events, in the table and in the file", async () => {
    // A delay longer than the test: only the count brings a checkpoint on.
    const fixture = auditFixture(db, { checkpointEvery: 10, checkpointDelayMs: 3_600_000 });
    try {
      // Waiting for the log to be idle after each append lets every background checkpoint
      // finish before the next event, so the cadence is exact: every 10th event.
      for (let i = 0; i < 25; i++) {
        await fixture.log.append(event(i));
        await fixture.log.idle();
      }
      await fixture.log.checkpoint();
      const inTable = await fixture.store.listCheckpoints();
      expect(inTable.map((c) => c.seq)).toEqual([10, 20, 25]);
      expect(await fixture.sink.readAll()).toEqual(inTable);
      expect(inTable.every((c) => c.count === c.seq)).toBe(true);
      expect(await fixture.verify()).toMatchObject({ valid: true, checkpoints: 3 });
    } finally {
      await fixture.log.settle();
      fixture.cleanup();
    }
  });
});
