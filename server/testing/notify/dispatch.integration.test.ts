// The dispatcher that turns committed audit events into notifications
// (docs/notifications.md), on real Postgres and on PGlite: a first start
// begins at the head; two dispatchers running at once while writers append
// yield each event's notifications exactly once; a dispatcher that lost the
// race writes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../core/clock";
import { seedDemoUsers } from "../../core/identity/seed-demo-users";
import type { Notifier } from "../../core/notify/notifier";
import { BcryptPasswordHasher } from "../../adapters/auth/bcrypt-password-hasher";
import { openDatabase, type Database } from "../../adapters/postgres/database";
import { PostgresIdentityStore } from "../../adapters/postgres/identity-store";
import { PostgresNotificationStore } from "../../adapters/postgres/notification-store";
import { auditFixture } from "../audit";
import { startReceivers, type Receivers } from "../notify-receivers";
import { openTestStore, type StoreKind, type TestStore } from "../stores";
import { receiverChannelEnv, testNotifier } from "./notifier-fixture";

describe.each<StoreKind>(["postgres", "pglite"])("the notification dispatcher on %s", (kind) => {
  let testStore: TestStore;
  let other: Database;
  let receivers: Receivers;
  let audit: ReturnType<typeof auditFixture>;
  let first: Notifier;
  let second: Notifier;
  const errors: unknown[] = [];

  const violation = (label: string) => ({
    category: "LOCK_OPERATION" as const,
    severity: "ERROR" as const,
    actor: "system",
    action: "lock.order_violation",
    service: "payment-service",
    payload: { holderId: `holder-${label}`, held: [{ scope: "SERVICE", resource: "payment-service" }], requested: { scope: "SERVICE", resource: "api-gateway" } },
  });
  const counts = (where: string, params: unknown[] = []) =>
    testStore.db.query<{ key: string; channel: string; n: number }>(`SELECT dedup_key AS key, channel::text AS channel, count(*)::int AS n FROM notifications WHERE ${where} GROUP BY 1, 2`, params);

  beforeAll(async () => {
    testStore = await openTestStore(kind, "notify_dispatch", { poolSize: 6 });
    // Another process's connections (on PGlite, the one process's: its dispatchers interleave on one connection).
    other = testStore.url ? await openDatabase({ kind: "postgres", url: testStore.url, poolSize: 4 }) : testStore.db;
    receivers = await startReceivers();
    await seedDemoUsers({ identities: new PostgresIdentityStore(testStore.db), hasher: new BcryptPasswordHasher(4) });
    audit = auditFixture(testStore.db);
    const channelEnv = receiverChannelEnv({ httpUrl: receivers.http.url, smtpPort: receivers.smtp.port });
    first = testNotifier({ db: testStore.db, channelEnv, audit: audit.log, clock: systemClock, errors, config: { dispatchBatch: 7 } });
    second = testNotifier({ db: other, channelEnv, audit: audit.log, clock: systemClock, errors, config: { dispatchBatch: 5 } });
  });

  afterAll(async () => {
    await first?.stop();
    await second?.stop();
    await receivers?.close();
    audit?.cleanup();
    if (other && other !== testStore?.db) await other.close();
    await testStore?.close();
  });

  it("begins at the head of the log on a store's first start: history is not replayed", async () => {
    await audit.log.append(violation("before-start"));
    expect(await first.dispatch()).toBe(0);
    expect(await counts(`dedup_key LIKE 'lock_order_violation:holder-before-start:%'`)).toEqual([]);
    await audit.log.append(violation("after-start"));
    expect(await second.dispatch()).toBe(1);
    expect((await counts(`dedup_key LIKE 'lock_order_violation:holder-after-start:%'`)).map((r) => [r.channel, r.n]).sort()).toEqual([
      ["EMAIL", 1],
      ["INBOX", 4],
      ["PAGERDUTY", 1],
      ["SLACK", 1],
      ["TEAMS", 1],
    ]);
    expect(await first.dispatch()).toBe(0);
  });

  it("yields each event's notifications once when two dispatchers run at once while writers append", async () => {
    const events = 60;
    let writing = true;
    const writers = Array.from({ length: 3 }, async (_, w) => {
      for (let i = 0; i < events / 3; i++) {
        // Standalone appends (group-committed) and appends inside a caller's transaction, as the orchestrator writes them.
        if (i % 2 === 0) await audit.log.append(violation(`race-${w}-${i}`));
        else await new PostgresNotificationStore(testStore.db).transact((tx) => audit.log.appendInTransaction(tx, [violation(`race-${w}-${i}`)]));
      }
    });
    const dispatchers = [first, second, first, second].map(async (notifier) => {
      while (writing) {
        await notifier.dispatch();
        // Paced like a poll: back to back, they would keep PGlite's one connection from the writers.
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    });
    await Promise.all(writers);
    writing = false;
    await Promise.all(dispatchers);
    // Catch up with what was appended last.
    await first.dispatch();
    await second.dispatch();
    expect(await first.dispatch()).toBe(0);

    const rows = await counts(`dedup_key LIKE 'lock_order_violation:holder-race-%'`);
    const keys = new Set(rows.map((r) => r.key));
    expect(keys.size).toBe(events);
    for (const row of rows) expect(row, `${row.key} on ${row.channel}`).toMatchObject({ n: row.channel === "INBOX" ? 4 : 1 });
    expect(rows).toHaveLength(events * 5);

    // And each is delivered once, whichever process's delivery loop sends it.
    receivers.http.received.length = 0;
    await Promise.all([first.deliverDue(), second.deliverDue()]);
    await first.deliverDue();
    const slack = receivers.http.of("/slack").filter((r) => JSON.stringify(r.body).includes("holder-race-"));
    expect(slack).toHaveLength(events);
    expect(receivers.http.of("/pagerduty").filter((r) => String(r.body.dedup_key).includes("holder-race-"))).toHaveLength(events);
  });

  it("writes nothing for a batch whose cursor another dispatcher moved", async () => {
    const store = new PostgresNotificationStore(testStore.db);
    const at = await store.dispatchCursor("notifier");
    let recorded = false;
    expect(await store.advanceCursor("notifier", at - 1, at + 10, async () => void (recorded = true))).toBe(false);
    expect(recorded).toBe(false);
    expect(await store.dispatchCursor("notifier")).toBe(at);
  });

  it("had no background errors", () => {
    expect(errors).toEqual([]);
  });
});
