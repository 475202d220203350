// The lock store on SQL (server/adapters/postgres/lock-store.ts and the
// interlock_lock_* functions of the lock_manager migration), against a fresh
// Postgres database and an in-memory PGlite: the rules of
// server/core/locks/ports.ts as this backend implements them, what is its own
// in its wake-ups over LISTEN/NOTIFY (the wake-up rules every backend shares
// are in server/testing/lock-store-contract.ts), and, on Postgres, what only a
// server with concurrent connections can show (races, a dropped LISTEN
// connection, a server that is not there). No test waits a fixed time and then
// checks: it waits for the condition (the database's clock past an expiry, a
// notice arriving).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../core/errors";
import type { LockAcquireRequest, LockAcquireResult, LockRevocation, LockWake } from "../../core/locks/ports";
import type { LockKey } from "../../core/locks/types";
import { openTestStore, type TestStore } from "../../testing/stores";
import { openDatabase, type Database } from "./database";
import { LOCK_REVOKED_CHANNEL, LOCK_WAKE_CHANNEL, PostgresLockStore } from "./lock-store";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let run = 0;
const fresh = (name: string): LockKey => ({ scope: "SERVICE", resource: `${name}-${++run}` });

const request = (key: LockKey, holderId: string, overrides: Partial<LockAcquireRequest> = {}): LockAcquireRequest => ({
  key,
  holderId,
  mode: "EXCLUSIVE",
  ttlMs: 30_000,
  priority: 2,
  instanceId: "instance-a",
  wait: false,
  queueTtlMs: 30_000,
  contended: false,
  waitedMs: 0,
  ...overrides,
});

function granted(result: LockAcquireResult) {
  if (!result.granted) throw new Error(`expected a grant, got a refusal: ${JSON.stringify(result, (_, v) => (typeof v === "bigint" ? v.toString() : v))}`);
  return result;
}
function refused(result: LockAcquireResult) {
  if (result.granted) throw new Error(`expected a refusal, got a grant with token ${result.fencingToken}`);
  return result;
}

async function until(probe: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

describe.each(["postgres", "pglite"] as const)("PostgresLockStore on %s", (kind) => {
  let testStore: TestStore;
  let db: Database;
  let store: PostgresLockStore;

  const waitersOf = async (key: LockKey) => (await store.snapshot()).locks.find((l) => l.key.scope === key.scope && l.key.resource === key.resource)?.waiters ?? [];
  /** Waits until the database's clock, the one the lock functions use, is past `ms`. */
  const databaseTimePasses = (ms: number) => until(async () => (await store.snapshot()).at.getTime() > ms, `the database's clock passes ${ms}`);
  const listen = async (instanceId: string) => {
    const wakes: LockWake[] = [];
    const stop = await store.subscribe(instanceId, (wake) => wakes.push(wake));
    return { wakes, stop };
  };

  beforeAll(async () => {
    testStore = await openTestStore(kind, "lock_store", { poolSize: 24 });
    db = testStore.db;
    store = new PostgresLockStore(db);
  });
  afterAll(async () => {
    await store?.close();
    await testStore?.close();
  });

  it("reports its backend from the database", () => {
    expect(store.backend).toBe(kind);
  });

  describe("grants", () => {
    it("grants an exclusive lock to one holder and refuses the next, naming the holder and when it expires", async () => {
      const key = fresh("exclusive");
      const first = granted(await store.acquire(request(key, "op-1", { ttlMs: 10_000 })));
      expect(first).toMatchObject({ mode: "EXCLUSIVE", reentrant: false });
      expect(first.expiresAt.getTime() - first.acquiredAt.getTime()).toBeGreaterThanOrEqual(9_999);
      expect(first.expiresAt.getTime() - first.acquiredAt.getTime()).toBeLessThanOrEqual(10_001);
      const before = (await store.snapshot()).at.getTime();
      const second = refused(await store.acquire(request(key, "op-2")));
      const after = (await store.snapshot()).at.getTime();
      expect(second.blockers).toEqual([{ holderId: "op-1", mode: "EXCLUSIVE", fencingToken: first.fencingToken, acquiredAt: first.acquiredAt, expiresAt: first.expiresAt }]);
      expect(second.ahead).toEqual([]);
      // The time left to the blocker's expiry on the database's clock, read between the two snapshots (1 ms for rounding).
      expect(second.nextExpiryInMs).toBeGreaterThanOrEqual(first.expiresAt.getTime() - after - 1);
      expect(second.nextExpiryInMs).toBeLessThanOrEqual(first.expiresAt.getTime() - before + 1);
      // wait: false leaves no trace in the queue
      expect(await waitersOf(key)).toEqual([]);
      expect(refused(await store.acquire(request(key, "op-1x", { mode: "SHARED" }))).blockers.map((b) => b.holderId)).toEqual(["op-1"]);
    });

    it("lets SHARED holders in together and refuses EXCLUSIVE while any of them holds", async () => {
      const key = fresh("shared");
      const a = granted(await store.acquire(request(key, "r1", { mode: "SHARED" })));
      const b = granted(await store.acquire(request(key, "r2", { mode: "SHARED" })));
      expect(b.fencingToken > a.fencingToken).toBe(true);
      const writer = refused(await store.acquire(request(key, "w")));
      expect(writer.blockers.map((h) => [h.holderId, h.mode])).toEqual([
        ["r1", "SHARED"],
        ["r2", "SHARED"],
      ]);
      expect(await store.release(key, "r1", a.fencingToken)).toBe(true);
      refused(await store.acquire(request(key, "w")));
      expect(await store.release(key, "r2", b.fencingToken)).toBe(true);
      granted(await store.acquire(request(key, "w")));
    });

    it("a SHARED request behind a waiting EXCLUSIVE one waits too, blocked by the waiter alone", async () => {
      const key = fresh("no-starve");
      const reader = granted(await store.acquire(request(key, "reader", { mode: "SHARED" })));
      refused(await store.acquire(request(key, "writer", { wait: true })));
      const late = refused(await store.acquire(request(key, "reader-2", { mode: "SHARED", wait: true })));
      expect(late.blockers).toEqual([]);
      expect(late.nextExpiryInMs).toBeNull();
      expect(late.ahead).toMatchObject([{ holderId: "writer", mode: "EXCLUSIVE", priority: 2, instanceId: "instance-a" }]);
      await store.release(key, "reader", reader.fencingToken);
      // The writer goes first; the reader behind it still waits.
      refused(await store.acquire(request(key, "reader-2", { mode: "SHARED", wait: true })));
      const writer = granted(await store.acquire(request(key, "writer", { wait: true })));
      expect(refused(await store.acquire(request(key, "reader-2", { mode: "SHARED", wait: true }))).blockers.map((b) => b.holderId)).toEqual(["writer"]);
      await store.release(key, "writer", writer.fencingToken);
      granted(await store.acquire(request(key, "reader-2", { mode: "SHARED", wait: true })));
      expect(await waitersOf(key)).toEqual([]);
    });

    it("SHARED waiters behind SHARED waiters proceed together once the exclusive holder leaves", async () => {
      const key = fresh("shared-run");
      const held = granted(await store.acquire(request(key, "holder")));
      refused(await store.acquire(request(key, "s1", { mode: "SHARED", wait: true })));
      const s2 = refused(await store.acquire(request(key, "s2", { mode: "SHARED", wait: true })));
      // s1 ahead of s2 is a SHARED waiter: reported, but it is the holder that blocks.
      expect(s2.ahead.map((w) => w.holderId)).toEqual(["s1"]);
      expect(s2.blockers.map((b) => b.holderId)).toEqual(["holder"]);
      await store.release(key, "holder", held.fencingToken);
      granted(await store.acquire(request(key, "s2", { mode: "SHARED", wait: true })));
      granted(await store.acquire(request(key, "s1", { mode: "SHARED", wait: true })));
    });

    it("serves a more urgent class first and FIFO within a class", async () => {
      const key = fresh("priority");
      const held = granted(await store.acquire(request(key, "holder")));
      refused(await store.acquire(request(key, "normal-1", { wait: true, priority: 2 })));
      refused(await store.acquire(request(key, "normal-2", { wait: true, priority: 2 })));
      refused(await store.acquire(request(key, "low", { wait: true, priority: 3 })));
      const critical = refused(await store.acquire(request(key, "critical", { wait: true, priority: 0 })));
      expect(critical.ahead).toEqual([]);
      const normal2 = refused(await store.acquire(request(key, "normal-2", { wait: true, priority: 2 })));
      expect(normal2.ahead.map((w) => w.holderId)).toEqual(["critical", "normal-1"]);
      // Not queued: it would go behind every waiter of its class or a more urgent one.
      expect(refused(await store.acquire(request(key, "probe", { priority: 2 }))).ahead.map((w) => w.holderId)).toEqual(["critical", "normal-1", "normal-2"]);
      expect((await waitersOf(key)).map((w) => w.holderId)).toEqual(["critical", "normal-1", "normal-2", "low"]);
      await store.release(key, "holder", held.fencingToken);

      const order: string[] = [];
      for (let round = 0; round < 4; round++) {
        for (const [id, priority] of [["low", 3], ["normal-2", 2], ["normal-1", 2], ["critical", 0]] as const) {
          if (order.includes(id)) continue;
          const result = await store.acquire(request(key, id, { wait: true, priority }));
          if (result.granted) {
            order.push(id);
            await store.release(key, id, result.fencingToken);
            break;
          }
        }
      }
      expect(order).toEqual(["critical", "normal-1", "normal-2", "low"]);
    });

    it("re-acquiring a held lock returns the same lease, extended, in the mode held", async () => {
      const key = fresh("reentrant");
      const first = granted(await store.acquire(request(key, "op-1", { mode: "SHARED", ttlMs: 1_000 })));
      const again = granted(await store.acquire(request(key, "op-1", { mode: "EXCLUSIVE", ttlMs: 20_000 })));
      expect(again).toMatchObject({ reentrant: true, mode: "SHARED", fencingToken: first.fencingToken, acquiredAt: first.acquiredAt });
      expect(again.expiresAt.getTime()).toBeGreaterThan(first.expiresAt.getTime());
      // A shorter ttl never shortens the lease.
      const third = granted(await store.acquire(request(key, "op-1", { mode: "SHARED", ttlMs: 100 })));
      expect(third.expiresAt).toEqual(again.expiresAt);
      expect(third.fencingToken).toBe(first.fencingToken);
      expect(await store.release(key, "op-1", first.fencingToken)).toBe(true);
      expect((await store.statistics()).find((s) => s.key.resource === key.resource)).toMatchObject({ acquisitions: 1, releases: 1 });
    });

    it("fencing tokens strictly increase per lock across grants, releases and modes", async () => {
      const key = fresh("tokens");
      const tokens: bigint[] = [];
      for (let i = 0; i < 5; i++) {
        const lease = granted(await store.acquire(request(key, `op-${i}`, { mode: i % 2 ? "SHARED" : "EXCLUSIVE" })));
        tokens.push(lease.fencingToken);
        await store.release(key, `op-${i}`, lease.fencingToken);
      }
      const a = granted(await store.acquire(request(key, "s-a", { mode: "SHARED" })));
      const b = granted(await store.acquire(request(key, "s-b", { mode: "SHARED" })));
      tokens.push(a.fencingToken, b.fencingToken);
      await store.forceRelease(key, null);
      tokens.push(granted(await store.acquire(request(key, "last"))).fencingToken);
      for (let i = 1; i < tokens.length; i++) expect(tokens[i]).toBe(tokens[i - 1]! + 1n);
    });

    it("the same resource name in two scopes is two locks", async () => {
      const resource = `twin-${++run}`;
      const service: LockKey = { scope: "SERVICE", resource };
      const system: LockKey = { scope: "SYSTEM", resource };
      const a = granted(await store.acquire(request(service, "op-1")));
      const b = granted(await store.acquire(request(system, "op-2")));
      expect(a.fencingToken).toBe(1n);
      expect(b.fencingToken).toBe(1n);
      const { locks } = await store.snapshot();
      expect(locks.filter((l) => l.key.resource === resource).map((l) => [l.key.scope, l.holders[0]?.holderId])).toEqual([
        ["SYSTEM", "op-2"],
        ["SERVICE", "op-1"],
      ]);
      expect(await store.release(system, "op-1", a.fencingToken)).toBe(false);
      expect(await store.release(service, "op-1", a.fencingToken)).toBe(true);
      expect(await store.release(system, "op-2", b.fencingToken)).toBe(true);
    });

    it("refuses malformed requests before reaching the database", async () => {
      const key = fresh("invalid");
      for (const overrides of [{ priority: -1 }, { priority: 1.5 }, { ttlMs: 0 }, { queueTtlMs: Number.NaN }] as Partial<LockAcquireRequest>[]) {
        const error = await store.acquire(request(key, "op-1", overrides)).catch((e: unknown) => e);
        expect((error as AppError).code).toBe("VALIDATION_FAILED");
      }
      const badScope = await store.acquire(request({ scope: "GALAXY" as LockKey["scope"], resource: "x" }, "op-1")).catch((e: unknown) => e);
      expect((badScope as AppError).code).toBe("VALIDATION_FAILED");
      expect(await waitersOf(key)).toEqual([]);
    });
  });

  describe("leases", () => {
    it("treats a lease past its expiry as gone: not reported, extended or released; the next grant gets a higher token", async () => {
      const key = fresh("expiry");
      const lease = granted(await store.acquire(request(key, "op-slow", { ttlMs: 50 })));
      await databaseTimePasses(lease.expiresAt.getTime());
      expect((await store.snapshot()).locks.find((l) => l.key.resource === key.resource)).toBeUndefined();
      expect(await store.extend(key, "op-slow", lease.fencingToken, 1_000)).toBeNull();
      expect(await store.release(key, "op-slow", lease.fencingToken)).toBe(false);
      const next = granted(await store.acquire(request(key, "op-next")));
      expect(next.reentrant).toBe(false);
      expect(next.fencingToken > lease.fencingToken).toBe(true);
      // The expired row was deleted by the calls that found it.
      const rows = await db.query<{ holder_id: string }>(`SELECT holder_id FROM lock_leases WHERE scope = 'SERVICE' AND resource = $1`, [key.resource]);
      expect(rows.map((r) => r.holder_id)).toEqual(["op-next"]);
    });

    it("an expired holder asking again gets a new lease, not a reentrant one", async () => {
      const key = fresh("expired-reentry");
      const lease = granted(await store.acquire(request(key, "op-1", { ttlMs: 30 })));
      await databaseTimePasses(lease.expiresAt.getTime());
      const again = granted(await store.acquire(request(key, "op-1")));
      expect(again.reentrant).toBe(false);
      expect(again.fencingToken).toBe(lease.fencingToken + 1n);
    });

    it("extends a live lease to now + ttl, only for its holder and token", async () => {
      const key = fresh("extend");
      const lease = granted(await store.acquire(request(key, "op-1", { ttlMs: 200 })));
      expect(await store.extend(key, "op-1", lease.fencingToken + 1n, 10_000)).toBeNull();
      expect(await store.extend(key, "op-2", lease.fencingToken, 10_000)).toBeNull();
      expect(await store.extend(fresh("never-taken"), "op-1", lease.fencingToken, 10_000)).toBeNull();
      const extended = await store.extend(key, "op-1", lease.fencingToken, 10_000);
      expect(extended!.expiresAt.getTime()).toBeGreaterThan(lease.expiresAt.getTime());
      await databaseTimePasses(lease.expiresAt.getTime());
      expect(refused(await store.acquire(request(key, "op-2"))).blockers[0]).toMatchObject({ holderId: "op-1", expiresAt: extended!.expiresAt });
      expect(await store.release(key, "op-1", lease.fencingToken)).toBe(true);
    });

    it("releases only with the holder's own token, and only once", async () => {
      const key = fresh("wrong-token");
      const lease = granted(await store.acquire(request(key, "op-1")));
      expect(await store.release(key, "op-1", lease.fencingToken - 1n)).toBe(false);
      expect(await store.release(key, "op-1", lease.fencingToken + 1n)).toBe(false);
      expect(await store.release(key, "op-2", lease.fencingToken)).toBe(false);
      expect(await store.release(fresh("never-taken"), "op-1", lease.fencingToken)).toBe(false);
      refused(await store.acquire(request(key, "op-2")));
      expect(await store.release(key, "op-1", lease.fencingToken)).toBe(true);
      expect(await store.release(key, "op-1", lease.fencingToken)).toBe(false);
    });
  });

  describe("queue", () => {
    it("drops a waiter that stops asking after queueTtlMs, and keeps the place of one that asks again in time", async () => {
      const key = fresh("queue-ttl");
      const held = granted(await store.acquire(request(key, "holder")));
      refused(await store.acquire(request(key, "dead", { wait: true, queueTtlMs: 100 })));
      refused(await store.acquire(request(key, "alive", { wait: true, queueTtlMs: 60_000 })));
      refused(await store.acquire(request(key, "late", { wait: true, queueTtlMs: 60_000 })));
      await until(async () => (await waitersOf(key)).map((w) => w.holderId).join() === "alive,late", "the dead waiter's place lapses");
      // Asking again keeps the place and sets the deadline anew (here a short one).
      expect(refused(await store.acquire(request(key, "alive", { wait: true, queueTtlMs: 100 }))).ahead).toEqual([]);
      const late = refused(await store.acquire(request(key, "late", { wait: true, queueTtlMs: 60_000 })));
      expect(late.ahead.map((w) => w.holderId)).toEqual(["alive"]);
      await store.release(key, "holder", held.fencingToken);
      // "alive" stopped asking: its new deadline, not the first one, is what ends its place.
      await until(async () => (await waitersOf(key)).map((w) => w.holderId).join() === "late", "the refreshed place lapses");
      granted(await store.acquire(request(key, "late", { wait: true })));
      expect(await waitersOf(key)).toEqual([]);
      const rows = await db.query(`SELECT holder_id FROM lock_waiters WHERE scope = 'SERVICE' AND resource = $1`, [key.resource]);
      expect(rows).toEqual([]);
    });

    it("a waiter keeps its place and class when it asks again with another priority", async () => {
      const key = fresh("keep-place");
      granted(await store.acquire(request(key, "holder")));
      refused(await store.acquire(request(key, "first", { wait: true, priority: 2 })));
      refused(await store.acquire(request(key, "second", { wait: true, priority: 2 })));
      refused(await store.acquire(request(key, "second", { wait: true, priority: 0 })));
      expect((await waitersOf(key)).map((w) => [w.holderId, w.priority])).toEqual([
        ["first", 2],
        ["second", 2],
      ]);
    });

    it("cancelWait leaves the queue and lets whoever was behind through", async () => {
      const key = fresh("cancel");
      const held = granted(await store.acquire(request(key, "holder")));
      refused(await store.acquire(request(key, "first", { wait: true })));
      refused(await store.acquire(request(key, "second", { wait: true })));
      await store.cancelWait(key, "first");
      await store.cancelWait(key, "nobody");
      await store.cancelWait(fresh("never-taken"), "first");
      expect((await waitersOf(key)).map((w) => w.holderId)).toEqual(["second"]);
      await store.release(key, "holder", held.fencingToken);
      granted(await store.acquire(request(key, "second", { wait: true })));
    });
  });

  describe("wake-ups", () => {
    it("wakes every admitted waiter even when their ids outgrow one NOTIFY payload (8000 bytes)", async () => {
      const key = fresh("wake-many");
      const a = await listen("many");
      try {
        const held = granted(await store.acquire(request(key, "holder")));
        const ids = Array.from({ length: 150 }, (_, i) => `reader-${String(i).padStart(3, "0")}-${"x".repeat(60)}`);
        for (const id of ids) refused(await store.acquire(request(key, id, { mode: "SHARED", wait: true, instanceId: "many" })));
        await store.release(key, "holder", held.fencingToken);
        await until(() => a.wakes.flatMap((w) => w.holderIds).length === ids.length, "every reader is woken");
        expect(a.wakes.length).toBeGreaterThan(1);
        expect(a.wakes.flatMap((w) => w.holderIds)).toEqual(ids);
      } finally {
        await a.stop();
      }
    });

    it("ignores NOTIFYs on its channel that are not wake-ups", async () => {
      const key = fresh("wake-junk");
      const a = await listen("junk");
      try {
        await db.query("SELECT pg_notify($1, $2)", [LOCK_WAKE_CHANNEL, "not json"]);
        await db.query("SELECT pg_notify($1, $2)", [LOCK_WAKE_CHANNEL, JSON.stringify({ instanceId: "junk", scope: "GALAXY", resource: "x", holderIds: [] })]);
        await store.wake("junk", { key, holderIds: ["ok"] });
        await until(() => a.wakes.length === 1, "the real wake-up arrives");
        expect(a.wakes).toEqual([{ key, holderIds: ["ok"] }]);
      } finally {
        await a.stop();
      }
    });
  });

  describe("revocations", () => {
    const hear = async () => {
      const heard: LockRevocation[] = [];
      const stop = await store.onRevoked((r) => heard.push(r));
      return { heard, stop };
    };

    it("force release NOTIFYs one notice per removed lease, with its token and reason, to every listener", async () => {
      const key = fresh("revoked");
      const a = await hear();
      const b = await hear();
      try {
        const r1 = granted(await store.acquire(request(key, "r1", { mode: "SHARED" })));
        const r2 = granted(await store.acquire(request(key, "r2", { mode: "SHARED" })));
        expect(await store.forceRelease(key, "nobody", "no one to revoke")).toEqual([]);
        await store.forceRelease(key, null, "preempted by rollback op-9");
        const expected = [r1, r2].map((r, i) => ({ key, holderId: `r${i + 1}`, fencingToken: r.fencingToken, reason: "preempted by rollback op-9" }));
        await until(() => a.heard.length === 2 && b.heard.length === 2, "both notices reach both listeners");
        expect(a.heard).toEqual(expected);
        expect(b.heard).toEqual(expected);
        // No reason: null; the three-argument function (a replica of the previous release) announces too.
        const r3 = granted(await store.acquire(request(key, "r3")));
        await store.forceRelease(key, "r3");
        const r4 = granted(await store.acquire(request(key, "r4")));
        await db.query("SELECT interlock_lock_force_release($1, $2, $3)", [key.scope, key.resource, "r4"]);
        await until(() => a.heard.length === 4, "the reasonless notices arrive");
        expect(a.heard.slice(2)).toEqual([
          { key, holderId: "r3", fencingToken: r3.fencingToken, reason: null },
          { key, holderId: "r4", fencingToken: r4.fencingToken, reason: null },
        ]);
      } finally {
        await a.stop();
        await b.stop();
      }
    });

    it("announces only what commits: a force release rolled back sends nothing and the lease stays", async () => {
      const key = fresh("revoked-rollback");
      const marker = fresh("revoked-marker");
      const a = await hear();
      try {
        const lease = granted(await store.acquire(request(key, "op-1")));
        await db
          .withSession((session) =>
            session.transaction(async (tx) => {
              await tx.query("SELECT interlock_lock_force_release($1, $2, $3, $4)", [key.scope, key.resource, "op-1", "changed my mind"]);
              throw new Error("roll back");
            }),
          )
          .catch((error: Error) => expect(error.message).toBe("roll back"));
        granted(await store.acquire(request(marker, "op-marker")));
        await store.forceRelease(marker, null);
        await until(() => a.heard.length > 0, "the marker's notice arrives (after anything sent before it)");
        expect(a.heard.map((r) => r.key.resource)).toEqual([marker.resource]);
        expect(await store.extend(key, "op-1", lease.fencingToken, 30_000)).not.toBeNull();
      } finally {
        await a.stop();
      }
    });

    it("a notice too long for NOTIFY goes without its reason, or not at all; the force release itself never fails for it", async () => {
      const key = fresh("revoked-long");
      const a = await hear();
      try {
        const long = granted(await store.acquire(request(key, "h".repeat(7_200), { mode: "SHARED" })));
        await store.forceRelease(key, "h".repeat(7_200), "é".repeat(1_000)); // 2000 bytes of reason: over 8000 with it
        await until(() => a.heard.length === 1, "the notice without its reason arrives");
        expect(a.heard[0]).toMatchObject({ holderId: "h".repeat(7_200), fencingToken: long.fencingToken, reason: null });
        granted(await store.acquire(request(key, "x".repeat(8_100))));
        expect(await store.forceRelease(key, "x".repeat(8_100), "absurd")).toHaveLength(1);
        // Cut at 1000 characters by the function as well, whoever calls it.
        granted(await store.acquire(request(key, "op-3")));
        await db.query("SELECT interlock_lock_force_release($1, $2, $3, $4)", [key.scope, key.resource, "op-3", "r".repeat(5_000)]);
        await until(() => a.heard.length === 2, "the next notice arrives");
        expect(a.heard[1]).toMatchObject({ holderId: "op-3", reason: "r".repeat(1_000) });
      } finally {
        await a.stop();
      }
    });

    it("ignores NOTIFYs on its channel that are not notices", async () => {
      const key = fresh("revoked-junk");
      const a = await hear();
      try {
        await db.query("SELECT pg_notify($1, $2)", [LOCK_REVOKED_CHANNEL, "not json"]);
        await db.query("SELECT pg_notify($1, $2)", [LOCK_REVOKED_CHANNEL, JSON.stringify({ scope: "GALAXY", resource: "x", holderId: "a", token: "1" })]);
        await db.query("SELECT pg_notify($1, $2)", [LOCK_REVOKED_CHANNEL, JSON.stringify({ scope: "SERVICE", resource: "x", holderId: "a", token: 1 })]);
        const lease = granted(await store.acquire(request(key, "op-1")));
        await store.forceRelease(key, "op-1", "stuck");
        await until(() => a.heard.length === 1, "the real notice arrives");
        expect(a.heard).toEqual([{ key, holderId: "op-1", fencingToken: lease.fencingToken, reason: "stuck" }]);
      } finally {
        await a.stop();
      }
    });
  });

  describe("operators' views", () => {
    it("snapshots every lock with a live holder or waiter, holders by token and waiters in queue order, at the database's time", async () => {
      const key = fresh("snapshot");
      const idle = fresh("snapshot-idle");
      const lease = granted(await store.acquire(request(key, "holder", { ttlMs: 60_000 })));
      refused(await store.acquire(request(key, "w-normal", { wait: true, priority: 2, instanceId: "inst-1" })));
      refused(await store.acquire(request(key, "w-high", { wait: true, priority: 1, mode: "SHARED", instanceId: "inst-2" })));
      const idleLease = granted(await store.acquire(request(idle, "gone")));
      await store.release(idle, "gone", idleLease.fencingToken);

      const before = Date.now();
      const { at, locks } = await store.snapshot();
      expect(Math.abs(at.getTime() - before)).toBeLessThan(60_000);
      expect(locks.find((l) => l.key.resource === idle.resource)).toBeUndefined();
      const lock = locks.find((l) => l.key.resource === key.resource)!;
      expect(lock.key).toEqual(key);
      expect(lock.holders).toEqual([{ holderId: "holder", mode: "EXCLUSIVE", fencingToken: lease.fencingToken, acquiredAt: lease.acquiredAt, expiresAt: lease.expiresAt }]);
      expect(lock.waiters).toMatchObject([
        { holderId: "w-high", mode: "SHARED", priority: 1, instanceId: "inst-2" },
        { holderId: "w-normal", mode: "EXCLUSIVE", priority: 2, instanceId: "inst-1" },
      ]);
      expect(lock.waiters[0]!.enqueuedAt.getTime()).toBeLessThanOrEqual(at.getTime());
      expect(lock.waiters[0]!.enqueuedAt.getTime()).toBeGreaterThanOrEqual(lease.acquiredAt.getTime());
      expect(lock.holders[0]!.acquiredAt.getTime()).toBeLessThanOrEqual(at.getTime());
      // A lock with waiters only is listed too.
      await store.forceRelease(key, null);
      expect((await store.snapshot()).locks.find((l) => l.key.resource === key.resource)).toMatchObject({ holders: [], waiters: [{ holderId: "w-high" }, { holderId: "w-normal" }] });
    });

    it("counts acquisitions, contentions, wait and hold times per lock; reentrant grants and refusals do not count", async () => {
      const key = fresh("stats");
      const first = granted(await store.acquire(request(key, "op-1")));
      refused(await store.acquire(request(key, "op-2", { wait: true })));
      await databaseTimePasses(first.acquiredAt.getTime() + 50);
      await store.release(key, "op-1", first.fencingToken);
      const second = granted(await store.acquire(request(key, "op-2", { wait: true, contended: true, waitedMs: 70 })));
      granted(await store.acquire(request(key, "op-2", { contended: true, waitedMs: 500 }))); // reentrant: not counted
      await databaseTimePasses(second.acquiredAt.getTime() + 10);
      await store.release(key, "op-2", second.fencingToken);
      const stats = (await store.statistics()).find((s) => s.key.resource === key.resource)!;
      expect(stats.key).toEqual(key);
      expect(stats).toMatchObject({ acquisitions: 2, contentions: 1, totalWaitMs: 70, maxWaitMs: 70, releases: 2 });
      expect(stats.maxHoldMs).toBeGreaterThanOrEqual(50);
      expect(stats.totalHoldMs).toBeGreaterThanOrEqual(stats.maxHoldMs + 10);
    });
  });

  if (kind === "postgres") {
    describe("concurrency (postgres)", () => {
      it("of 20 concurrent attempts on a free lock exactly one is granted, and the others see it as the blocker", async () => {
        const key = fresh("race");
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.acquire(request(key, `racer-${i}`))));
        const winners = results.filter((r) => r.granted);
        expect(winners).toHaveLength(1);
        const winner = granted(winners[0]!);
        expect(winner.fencingToken).toBe(1n);
        const holder = (await store.snapshot()).locks.find((l) => l.key.resource === key.resource)!.holders[0]!;
        for (const r of results) if (!r.granted) expect(r.blockers.map((b) => b.holderId)).toEqual([holder.holderId]);
      });

      it("20 concurrent waiters queue exactly once each, and hand the lock on one at a time with ever-growing tokens", async () => {
        const key = fresh("handoff");
        const first = granted(await store.acquire(request(key, "holder")));
        await Promise.all(Array.from({ length: 20 }, (_, i) => store.acquire(request(key, `w-${i}`, { wait: true }))));
        expect(await waitersOf(key)).toHaveLength(20);
        await store.release(key, "holder", first.fencingToken);
        const tokens = [first.fencingToken];
        const remaining = new Set(Array.from({ length: 20 }, (_, i) => `w-${i}`));
        while (remaining.size > 0) {
          // Everyone asks at once; the rule admits only the head of the queue.
          const results = await Promise.all([...remaining].map(async (id) => [id, await store.acquire(request(key, id, { wait: true }))] as const));
          const won = results.filter(([, r]) => r.granted);
          expect(won).toHaveLength(1);
          const [id, result] = won[0]!;
          const lease = granted(result);
          tokens.push(lease.fencingToken);
          remaining.delete(id);
          expect(await store.release(key, id, lease.fencingToken)).toBe(true);
        }
        for (let i = 1; i < tokens.length; i++) expect(tokens[i]).toBe(tokens[i - 1]! + 1n);
      });

      it("never grants an exclusive lock twice under concurrent acquire/release loops", async () => {
        const key = fresh("mutex");
        let inside = 0;
        let overlaps = 0;
        let grants = 0;
        await Promise.all(
          Array.from({ length: 16 }, async (_, worker) => {
            for (let i = 0; i < 15; i++) {
              const result = await store.acquire(request(key, `worker-${worker}`));
              if (!result.granted) continue;
              grants++;
              if (++inside > 1) overlaps++;
              await sleep(1);
              inside--;
              expect(await store.release(key, `worker-${worker}`, result.fencingToken)).toBe(true);
            }
          }),
        );
        expect(overlaps).toBe(0);
        expect(grants).toBeGreaterThan(0);
        expect((await store.statistics()).find((s) => s.key.resource === key.resource)).toMatchObject({ acquisitions: grants, releases: grants });
      });
    });

    describe("the LISTEN connection (postgres)", () => {
      const listeners = () =>
        db.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()`);

      it("reconnects and listens again after the connection drops", async () => {
        const key = fresh("reconnect");
        const a = await listen("reconnect");
        try {
          const [before] = await listeners();
          expect(before).toBeDefined();
          await db.query("SELECT pg_terminate_backend($1)", [before!.pid]);
          await until(async () => {
            await store.wake("reconnect", { key, holderIds: ["after"] });
            await sleep(20);
            return a.wakes.length > 0;
          }, "a wake-up arrives on the new connection", 15_000);
          expect(a.wakes[0]).toEqual({ key, holderIds: ["after"] });
        } finally {
          await a.stop();
        }
      });

      it("one connection per database, closed with the last listener", async () => {
        const other = new PostgresLockStore(db);
        const stop = await other.subscribe("x", () => {});
        await (await listen("y")).stop();
        expect(await listeners()).toHaveLength(1);
        await stop();
        await other.close();
        await store.close();
        await until(async () => (await listeners()).length === 0, "the LISTEN connection is gone");
        store = new PostgresLockStore(db);
      });
    });

    describe("connections (postgres)", () => {
      it("closing the database ends its LISTEN connection, even under a store that was not closed", async () => {
        const listening = async () =>
          (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'`))[0]!.n;
        const before = await listening();
        // Trust auth: the location (password hidden) is the URL itself.
        const second = await openDatabase({ kind: "postgres", url: db.location, poolSize: 1 });
        const other = new PostgresLockStore(second);
        await other.subscribe("elsewhere", () => {});
        expect(await listening()).toBe(before + 1);
        await second.close();
        await until(async () => (await listening()) === before, "the second database's LISTEN connection is gone");
      });
    });

    describe("an unreachable Postgres", () => {
      it("fails each call with UNAVAILABLE naming where it looked, instead of a driver error", { timeout: 30_000 }, async () => {
        const down = await openDatabase({ kind: "postgres", url: "postgresql://postgres@127.0.0.1:1/interlock", poolSize: 1 });
        const broken = new PostgresLockStore(down);
        try {
          for (const attempt of [
            () => broken.acquire(request(fresh("down"), "op-1")),
            () => broken.release(fresh("down"), "op-1", 1n),
            () => broken.snapshot(),
            () => broken.statistics(),
            () => broken.subscribe("i", () => {}),
            () => broken.wake("i", { key: fresh("down"), holderIds: [] }),
          ]) {
            const error = await attempt().catch((e: unknown) => e);
            expect(error).toBeInstanceOf(AppError);
            expect((error as AppError).code).toBe("UNAVAILABLE");
            expect((error as AppError).message).toContain("127.0.0.1:1");
          }
        } finally {
          await broken.close();
          await down.close();
        }
      });
    });
  }
});
