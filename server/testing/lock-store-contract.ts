// The one contract every LockStore backend passes (Redis, Postgres, PGlite),
// exercised through the LockManager as the product uses it. Waiting managers
// are built with a 60 s re-check, so a waiter that proceeds within the test
// can only have been woken by the store: that is how these tests prove release
// wakes the next waiter instead of polling. Likewise, a revoked lease is held
// with a 60 s TTL and no renewal: a holder that stops within the test can only
// have been told by the store's revocation notice. Nothing here waits a
// fixed time and then checks: a test waits for the condition it needs (the
// store's clock past an expiry, a wake-up arriving), and "nothing else
// arrived" is checked behind a marker sent after everything that could.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEventInput } from "../core/audit/types";
import { AppError } from "../core/errors";
import { forceReleaseLock } from "../core/locks/force-release-lock";
import type { Lease } from "../core/locks/lease";
import { listLocks, listStaleLocks } from "../core/locks/list-locks";
import { LockManager, type LockManagerConfig, type LockManagerDeps, type LockOrderViolationReport } from "../core/locks/lock-manager";
import { lockStatistics } from "../core/locks/lock-statistics";
import type { LockAcquireRequest, LockAcquireResult, LockRevocation, LockStore, LockWake } from "../core/locks/ports";
import type { LockKey } from "../core/locks/types";

export interface LockStoreFixture {
  store: LockStore;
  /** Another store on the same backend, with connections of its own (as another process has); closed by close(). */
  another?(): Promise<LockStore>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

/** Settles-tracking wrapper: lets a test assert that a wait is still pending. */
function track<T>(promise: Promise<T>) {
  const state = { settled: false, value: undefined as T | undefined, error: undefined as unknown };
  const done = promise.then(
    (value) => {
      state.settled = true;
      state.value = value;
      return value;
    },
    (error) => {
      state.settled = true;
      state.error = error;
      throw error;
    },
  );
  done.catch(() => {});
  return Object.assign(state, { done });
}

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

export function describeLockStoreContract(label: string, open: () => Promise<LockStoreFixture>): void {
  describe(`LockStore contract: ${label}`, () => {
    let fixture: LockStoreFixture;
    let store: LockStore;
    const managers: LockManager[] = [];
    let run = 0;
    const fresh = (resource: string): LockKey => ({ scope: "SERVICE", resource: `${resource}-${++run}-${Math.random().toString(36).slice(2, 8)}` });
    const manager = async (config: Partial<LockManagerConfig> = {}, deps: Omit<LockManagerDeps, "store" | "config"> & { store?: LockStore } = {}) => {
      const m = await LockManager.start({ store, ...deps, config: { recheckMs: 60_000, ...config } });
      managers.push(m);
      return m;
    };
    /** A store standing for another process: its own connections when the backend can have them. */
    const otherProcessStore = async () => (fixture.another ? fixture.another() : store);
    const queued = (key: LockKey, count: number) =>
      eventually(async () => {
        const { locks } = await store.snapshot();
        const lock = locks.find((l) => l.key.scope === key.scope && l.key.resource === key.resource);
        return (lock?.waiters.length ?? 0) >= count ? lock : null;
      }, `${count} waiter(s) are queued on ${key.resource}`);
    const lockOf = async (key: LockKey) => (await store.snapshot()).locks.find((l) => l.key.scope === key.scope && l.key.resource === key.resource);
    const waitersOf = async (key: LockKey) => (await lockOf(key))?.waiters ?? [];
    /** Waits until the store's own clock (the one its expiries use) is past `ms`. */
    const storeTimePasses = (ms: number) => eventually(async () => (await store.snapshot()).at.getTime() > ms, `the store's clock passes ${new Date(ms).toISOString()}`);
    /** The wake-ups one instance receives, markers included. */
    const listen = async (instanceId: string) => {
      const wakes: LockWake[] = [];
      const stop = await store.subscribe(instanceId, (wake) => wakes.push(wake));
      return { instanceId, wakes, stop };
    };
    /**
     * Every wake-up an instance got from what the test did so far on `key`: a
     * marker wake-up for the same lock sent now arrives after them (one
     * channel, in order), so once it is there nothing sent before it is still
     * on its way. Markers left out. The marker names the lock under test
     * because only wake-ups about one lock are ordered on every backend: a
     * Redis Cluster publishes each lock's from the master serving it, and
     * orders messages from different masters in no particular way.
     */
    const settled = async (listener: { instanceId: string; wakes: LockWake[] }, key: LockKey) => {
      const marker = `marker-${Math.random().toString(36).slice(2)}`;
      await store.wake(listener.instanceId, { key, holderIds: [marker] });
      await eventually(async () => listener.wakes.some((w) => w.holderIds.includes(marker)), `the marker reaches ${listener.instanceId}`);
      return listener.wakes.filter((w) => !w.holderIds.some((id) => id.startsWith("marker-")));
    };

    beforeAll(async () => {
      fixture = await open();
      store = fixture.store;
    });
    afterAll(async () => {
      for (const m of managers) await m.close();
      await fixture?.close();
    });

    it("grants an exclusive lock to one holder at a time, with a fencing token that only grows", async () => {
      const m = await manager();
      const key = fresh("exclusive");
      const first = await m.acquire("op-1", key);
      expect(await m.tryAcquire("op-2", key)).toBeNull();
      expect(await first.release()).toBe(true);
      const tokens = [first.fencingToken];
      for (let i = 2; i <= 12; i++) {
        const lease = await m.acquire(`op-${i}`, key);
        tokens.push(lease.fencingToken);
        await lease.release();
      }
      for (let i = 1; i < tokens.length; i++) expect(tokens[i]! > tokens[i - 1]!).toBe(true);
    });

    it("releases only with the holder's token, and never twice", async () => {
      const m = await manager();
      const key = fresh("token");
      const lease = await m.acquire("op-1", key);
      expect(await store.release(key, "op-1", lease.fencingToken - 1n)).toBe(false);
      expect(await store.release(key, "op-2", lease.fencingToken)).toBe(false);
      expect(await m.tryAcquire("op-2", key)).toBeNull();
      expect(await lease.release()).toBe(true);
      expect(await store.release(key, "op-1", lease.fencingToken)).toBe(false);
    });

    it("lets several SHARED holders in together; EXCLUSIVE waits for all of them, and a later SHARED waits behind it", async () => {
      const holders = await manager();
      const waiters = await manager();
      const key = fresh("shared");
      const v1 = await holders.acquire("verify-1", key, { mode: "SHARED" });
      const v2 = await holders.acquire("verify-2", key, { mode: "SHARED" });
      expect(v2.fencingToken > v1.fencingToken).toBe(true);
      const order: string[] = [];
      const deploy = track(waiters.acquire("deploy", key).then((l) => (order.push("deploy"), l)));
      await queued(key, 1);
      const late = track(waiters.acquire("verify-3", key, { mode: "SHARED" }).then((l) => (order.push("verify-3"), l)));
      await queued(key, 2);
      await v1.release();
      // verify-2 still holds: the store has granted deploy nothing.
      expect((await lockOf(key))?.holders.map((h) => h.holderId)).toEqual(["verify-2"]);
      expect(deploy.settled).toBe(false);
      await v2.release();
      const deployLease = await deploy.done;
      // deploy holds alone; verify-3 still waits behind it.
      expect(await lockOf(key)).toMatchObject({ holders: [{ holderId: "deploy" }], waiters: [{ holderId: "verify-3" }] });
      expect(late.settled).toBe(false);
      await deployLease.release();
      const lateLease = await late.done;
      expect(order).toEqual(["deploy", "verify-3"]);
      expect(lateLease.fencingToken > deployLease.fencingToken).toBe(true);
      await lateLease.release();
    });

    it("serves a more urgent class first and FIFO within a class, each woken by the release before it", async () => {
      const holder = await manager();
      const waiters = await manager();
      const key = fresh("priority");
      const held = await holder.acquire("deploy-0", key);
      const order: string[] = [];
      const take = (id: string, priority: "CRITICAL" | "NORMAL") =>
        track(
          waiters.acquire(id, key, { priority }).then(async (lease) => {
            order.push(id);
            await sleep(20);
            await lease.release();
            return lease;
          }),
        );
      const a = take("deploy-1", "NORMAL");
      await queued(key, 1);
      const b = take("deploy-2", "NORMAL");
      await queued(key, 2);
      const r = take("rollback", "CRITICAL");
      await queued(key, 3);
      await held.release();
      await Promise.all([a.done, b.done, r.done]);
      expect(order).toEqual(["rollback", "deploy-1", "deploy-2"]);
    });

    it("re-acquiring a held lock returns the same lease instead of deadlocking; the last release frees it", async () => {
      const m = await manager();
      const key = fresh("reentrant");
      const first = await m.acquire("op-1", key);
      const again = await m.acquire("op-1", key, { waitTimeoutMs: 200 });
      expect(again).toBe(first);
      expect(again.fencingToken).toBe(first.fencingToken);
      await again.release();
      expect(await m.tryAcquire("op-2", key)).toBeNull();
      await first.release();
      const next = await m.tryAcquire("op-2", key);
      expect(next).not.toBeNull();
      await next!.release();
    });

    it("refuses out-of-order acquisition, naming the lock held and the lock asked for; acquireAll takes canonical order", async () => {
      const m = await manager();
      const suffix = `${++run}`;
      const db: LockKey = { scope: "SYSTEM", resource: `postgres-db-${suffix}` };
      const payment: LockKey = { scope: "SERVICE", resource: `payment-service-${suffix}` };
      const user: LockKey = { scope: "SERVICE", resource: `user-service-${suffix}` };
      const held = await m.acquire("op-1", user);
      const backwards = await rejection(m.acquire("op-1", db));
      expect(backwards.code).toBe("LOCK_ORDER_VIOLATION");
      expect(backwards.details).toMatchObject({ held: user, requested: db });
      expect(backwards.message).toContain(`SERVICE lock on ${user.resource}`);
      expect(backwards.message).toContain(`SYSTEM lock on ${db.resource}`);
      const alphabetical = await rejection(m.acquire("op-1", payment));
      expect(alphabetical.code).toBe("LOCK_ORDER_VIOLATION");
      expect(alphabetical.message).toContain("alphabetical");
      await held.release();
      const all = await m.acquireAll("op-1", [user, db, payment]);
      expect(all.map((l) => l.key)).toEqual([db, payment, user]);
      expect(m.heldBy("op-1").map((l) => l.key)).toEqual([db, payment, user]);
      await m.releaseAll("op-1");
      expect(m.heldBy("op-1")).toEqual([]);
    });

    it("times out with LOCK_TIMEOUT naming the holder, and leaves the queue", async () => {
      const m = await manager();
      const key = fresh("timeout");
      const held = await m.acquire("op-holder", key);
      const error = await rejection(m.acquire("op-waiter", key, { waitTimeoutMs: 250 }));
      expect(error.code).toBe("LOCK_TIMEOUT");
      expect(error.message).toContain("op-holder");
      expect(error.details).toMatchObject({ key, holders: [{ holderId: "op-holder", fencingToken: held.fencingToken.toString() }] });
      const { locks } = await store.snapshot();
      expect(locks.find((l) => l.key.resource === key.resource)?.waiters ?? []).toEqual([]);
      await held.release();
    });

    it("refuses to upgrade SHARED to EXCLUSIVE in place", async () => {
      const m = await manager();
      const key = fresh("upgrade");
      const shared = await m.acquire("op-1", key, { mode: "SHARED" });
      const error = await rejection(m.acquire("op-1", key, { mode: "EXCLUSIVE" }));
      expect(error.code).toBe("CONFLICT");
      expect(error.message).toContain("SHARED");
      await shared.release();
    });

    it("rejects malformed requests with VALIDATION_FAILED and changes nothing", async () => {
      const m = await manager();
      const error = await rejection(m.acquire("op-1", { scope: "GALAXY" as LockKey["scope"], resource: "" }));
      expect(error.code).toBe("VALIDATION_FAILED");
      expect(error.message).toContain("scope");
      expect(error.message).toContain("resource");
      expect((await rejection(m.acquire("", fresh("v")))).code).toBe("VALIDATION_FAILED");
    });

    it("a lease that runs out is reported invalid, signals its holder, and is granted to the next holder with a higher token", async () => {
      const m = await manager();
      const key = fresh("expiry");
      const lease = await m.acquire("op-slow", key, { ttlMs: 200, autoExtend: false });
      expect(lease.isValid()).toBe(true);
      const lost = new Promise<unknown>((resolve) => lease.signal.addEventListener("abort", () => resolve(lease.signal.reason)));
      const reason = await lost;
      expect(reason).toBeInstanceOf(AppError);
      expect((reason as AppError).code).toBe("LOCK_LOST");
      expect(lease.isValid()).toBe(false);
      expect(() => lease.assertValid()).toThrow(/no longer holds/);
      // The store's expiry is at most the drift margin later than the holder's: the wait covers it.
      const next = await m.acquire("op-next", key, { waitTimeoutMs: 10_000 });
      expect(next.fencingToken > lease.fencingToken).toBe(true);
      expect(await store.extend(key, "op-slow", lease.fencingToken, 1_000)).toBeNull();
      expect(await store.release(key, "op-slow", lease.fencingToken)).toBe(false);
      await next.release();
    });

    it("renews a lease while work runs", async () => {
      const m = await manager();
      const key = fresh("renew");
      const lease = await m.acquire("op-long", key, { ttlMs: 1_500 });
      // Past the first lease's end on the store's clock: only renewal keeps it.
      await storeTimePasses(lease.expiresAt.getTime());
      expect(lease.isValid()).toBe(true);
      expect((await lockOf(key))?.holders).toMatchObject([{ holderId: "op-long", fencingToken: lease.fencingToken }]);
      expect(lease.signal.aborted).toBe(false);
      expect(await m.tryAcquire("op-other", key)).toBeNull();
      await lease.release();
    });

    it("a waiter that stops asking (its process died) drops out of the queue", async () => {
      const m = await manager();
      const key = fresh("dead-waiter");
      const held = await m.acquire("op-holder", key);
      const refused = await store.acquire({ key, holderId: "op-dead", mode: "EXCLUSIVE", ttlMs: 60_000, priority: 0, instanceId: "gone", wait: true, queueTtlMs: 200, contended: false, waitedMs: 0 });
      expect(refused.granted).toBe(false);
      await held.release();
      // Behind the dead waiter at first; free once its place expires.
      expect(await m.tryAcquire("op-late", key)).toBeNull();
      await eventually(async () => (await waitersOf(key)).length === 0, "the dead waiter's place expires");
      const lease = await m.tryAcquire("op-late", key);
      expect(lease).not.toBeNull();
      await lease!.release();
    });

    it("an aborted wait leaves the queue", async () => {
      const m = await manager();
      const key = fresh("abort");
      const held = await m.acquire("op-holder", key);
      const controller = new AbortController();
      const waiting = track(m.acquire("op-waiter", key, { signal: controller.signal }));
      await queued(key, 1);
      controller.abort(new Error("operator cancelled"));
      await expect(waiting.done).rejects.toThrow("operator cancelled");
      const { locks } = await store.snapshot();
      expect(locks.find((l) => l.key.resource === key.resource)?.waiters ?? []).toEqual([]);
      await held.release();
    });

    it("force release by an operator is audited with the reason; the holder's lease is lost and the next holder gets a higher token", async () => {
      const m = await manager();
      const key = fresh("force");
      const events: AuditEventInput[] = [];
      const lease = await m.acquire("op-stuck", key, { ttlMs: 300 });
      const lost = new Promise<void>((resolve) => lease.signal.addEventListener("abort", () => resolve()));
      const missingReason = await rejection(forceReleaseLock({ store, audit: { append: async (e) => void events.push(e) } }, { key, actor: "alice", reason: "" }));
      expect(missingReason.code).toBe("VALIDATION_FAILED");
      expect(events).toEqual([]);
      const released = await forceReleaseLock({ store, audit: { append: async (e) => void events.push(e) } }, { key, actor: "alice", reason: "holder crashed during INC-42" });
      expect(released.map((h) => [h.holderId, h.fencingToken])).toEqual([["op-stuck", lease.fencingToken]]);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ category: "LOCK_OPERATION", actor: "alice", action: "lock.force_released", payload: { reason: "holder crashed during INC-42", resource: key.resource } });
      await lost;
      expect(lease.isValid()).toBe(false);
      const next = await m.acquire("op-next", key, { waitTimeoutMs: 1_000 });
      expect(next.fencingToken > lease.fencingToken).toBe(true);
      await next.release();
    });

    it("lists locks with holders, waiters, ages and TTLs, and finds stale ones", async () => {
      const m = await manager();
      const waiterManager = await manager();
      const key = fresh("listing");
      const held = await m.acquire("op-holder", key, { ttlMs: 120_000 });
      const waiting = track(waiterManager.acquire("op-waiter", key, { priority: "HIGH" }));
      await queued(key, 1);
      await storeTimePasses(held.acquiredAt.getTime() + 100);
      const { locks } = await listLocks(store);
      const view = locks.find((l) => l.key.resource === key.resource)!;
      expect(view.holders).toMatchObject([{ holderId: "op-holder", mode: "EXCLUSIVE", fencingToken: held.fencingToken.toString() }]);
      expect(view.holders[0]!.ageMs).toBeGreaterThanOrEqual(100);
      expect(view.holders[0]!.ttlLeftMs).toBeGreaterThan(100_000);
      expect(view.waiters).toMatchObject([{ holderId: "op-waiter", mode: "EXCLUSIVE", priority: 1 }]);
      expect((await listStaleLocks(store, 50)).locks.some((l) => l.key.resource === key.resource)).toBe(true);
      expect((await listStaleLocks(store, 60_000)).locks.some((l) => l.key.resource === key.resource)).toBe(false);
      await held.release();
      await (await waiting.done).release();
    });

    it("keeps per-lock statistics: acquisitions, contentions, wait and hold times", async () => {
      const m = await manager();
      const other = await manager();
      const key = fresh("stats");
      const held = await m.acquire("op-1", key);
      const waiting = track(other.acquire("op-2", key));
      const [queuedWaiter] = (await queued(key, 1)).waiters;
      // The wait began before the store queued it; hold began before that.
      await storeTimePasses(queuedWaiter!.enqueuedAt.getTime() + 50);
      await held.release();
      await (await waiting.done).release();
      const stats = (await lockStatistics(store)).find((s) => s.key.resource === key.resource)!;
      expect(stats.acquisitions).toBe(2);
      expect(stats.contentions).toBe(1);
      expect(stats.releases).toBe(2);
      expect(stats.maxWaitMs).toBeGreaterThanOrEqual(50);
      expect(stats.contentionRate).toBe(0.5);
      expect(stats.maxHoldMs).toBeGreaterThanOrEqual(50);
    });

    it("a cycle of two holders refuses exactly one with DEADLOCK_DETECTED; the other proceeds", async () => {
      const a = await manager({ enforceOrder: false });
      const b = await manager({ enforceOrder: false });
      const r1 = fresh("cycle-a");
      const r2 = fresh("cycle-b");
      const heldA = await a.acquire("op-a", r1);
      const heldB = await b.acquire("op-b", r2);
      const waitA = track(a.acquire("op-a", r2, { waitTimeoutMs: 20_000 }));
      await queued(r2, 1);
      const waitB = track(b.acquire("op-b", r1, { waitTimeoutMs: 20_000 }));
      const outcomes = await Promise.allSettled([waitA.done, waitB.done].map((p, i) => p.catch(async (error) => {
        // The victim gives up what it holds, as a caller does, so the survivor can finish.
        await (i === 0 ? heldA : heldB).release();
        throw error;
      })));
      const refused = outcomes.filter((o) => o.status === "rejected");
      expect(refused).toHaveLength(1);
      const error = (refused[0] as PromiseRejectedResult).reason as AppError;
      expect(error.code).toBe("DEADLOCK_DETECTED");
      expect(error.details).toMatchObject({ victim: "op-b" });
      expect(error.message).toContain("op-a");
      const won = (outcomes.find((o) => o.status === "fulfilled") as PromiseFulfilledResult<Lease>).value;
      await won.release();
      await heldA.release();
    });

    it("a cycle of three holders refuses exactly one", async () => {
      const managersOf = [await manager({ enforceOrder: false }), await manager({ enforceOrder: false }), await manager({ enforceOrder: false })];
      const keys = [fresh("tri-0"), fresh("tri-1"), fresh("tri-2")];
      const held = await Promise.all(managersOf.map((m, i) => m.acquire(`op-${i}`, keys[i]!)));
      // Each holder does what a caller does: a victim gives up what it holds; a
      // winner finishes its work and releases both locks, letting the next one go.
      const waits = managersOf.map((m, i) => {
        const wanted = keys[(i + 1) % 3]!;
        return m.acquire(`op-${i}`, wanted, { waitTimeoutMs: 20_000 }).then(
          async (lease) => {
            await lease.release();
            await held[i]!.release();
            return lease;
          },
          async (error) => {
            await held[i]!.release();
            throw error;
          },
        );
      });
      const outcomes = await Promise.allSettled(waits);
      const refused = outcomes.filter((o) => o.status === "rejected");
      expect(refused).toHaveLength(1);
      expect(((refused[0] as PromiseRejectedResult).reason as AppError).code).toBe("DEADLOCK_DETECTED");
    });
    it("refusing an out-of-order acquisition reports it to onOrderViolation (for the audit trail); a failing hook changes nothing", async () => {
      const reports: LockOrderViolationReport[] = [];
      const failures: string[] = [];
      let failing = false;
      const m = await manager({}, {
        onOrderViolation: (violation) => {
          reports.push(violation);
          if (failing) throw new Error("audit log unreachable");
        },
        onBackgroundError: (error, context) => failures.push(`${context}: ${(error as Error).message}`),
      });
      const suffix = `${++run}`;
      const db: LockKey = { scope: "SYSTEM", resource: `postgres-db-${suffix}` };
      const user: LockKey = { scope: "SERVICE", resource: `user-service-${suffix}` };
      const held = await m.acquire("op-order", user);
      expect((await rejection(m.acquire("op-order", db))).code).toBe("LOCK_ORDER_VIOLATION");
      expect(reports).toEqual([{ holderId: "op-order", held: [user], requested: db }]);
      failing = true;
      expect((await rejection(m.acquire("op-order", db))).code).toBe("LOCK_ORDER_VIOLATION");
      expect(reports).toHaveLength(2);
      expect(failures).toEqual(["reporting a lock order violation: audit log unreachable"]);
      // A correct order is not reported.
      await held.release();
      for (const lease of (await m.acquireAll("op-order", [user, db])).reverse()) await lease.release();
      expect(reports).toHaveLength(2);
    });

    it("announces every lease it force-releases to every process listening, with its token and reason, until they stop", async () => {
      const other = await otherProcessStore();
      const here: LockRevocation[] = [];
      const there: LockRevocation[] = [];
      const stopHere = await store.onRevoked((r) => here.push(r));
      const stopThere = await other.onRevoked((r) => there.push(r));
      try {
        const m = await manager();
        const key = fresh("announce");
        const r1 = await m.acquire("reader-1", key, { mode: "SHARED", ttlMs: 60_000 });
        const r2 = await m.acquire("reader-2", key, { mode: "SHARED", ttlMs: 60_000 });
        expect(await other.forceRelease(key, "nobody", "nothing to revoke")).toEqual([]);
        await other.forceRelease(key, null, "preempted by rollback op-9");
        const expected = [r1, r2].map((l) => ({ key, holderId: l.holderId, fencingToken: l.fencingToken, reason: "preempted by rollback op-9" }));
        const mine = (list: LockRevocation[]) => list.filter((r) => r.key.resource === key.resource).sort((a, b) => (a.fencingToken < b.fencingToken ? -1 : 1));
        await eventually(async () => mine(here).length >= 2 && mine(there).length >= 2, "both listeners heard both revocations", 5_000);
        expect(mine(here)).toEqual(expected);
        expect(mine(there)).toEqual(expected);
        // No reason given: null, not an empty string.
        const lease = await m.acquire("op-plain", key, { ttlMs: 60_000 });
        await store.forceRelease(key, "op-plain");
        await eventually(async () => mine(there).length >= 3, "the reasonless revocation arrives", 5_000);
        expect(mine(there)[2]).toEqual({ key, holderId: "op-plain", fencingToken: lease.fencingToken, reason: null });
      } finally {
        await stopHere();
        await stopThere();
      }
      const key = fresh("after-stop");
      const m = await manager();
      const late = await m.acquire("op-late", key, { ttlMs: 60_000 });
      const lost = new Promise<void>((resolve) => late.signal.addEventListener("abort", () => resolve(), { once: true }));
      await store.forceRelease(key, null);
      await lost; // the manager's own subscription still hears it...
      expect([...here, ...there].some((r) => r.key.resource === key.resource)).toBe(false); // ...the stopped ones do not
    });

    it("a revoked holder knows at once: a force release from another process aborts its lease, naming who and why, long before renewal would", async () => {
      const holder = await manager();
      const adminStore = await otherProcessStore();
      const key = fresh("revoked");
      const bystanderKey = fresh("bystander");
      const ttlMs = 60_000;
      // Not renewed at all, so only the notice can end it within the test (its validity timer runs for ~57 s).
      const lease = await holder.acquire("op-revoked", key, { ttlMs, autoExtend: false });
      const bystander = await holder.acquire("op-bystander", bystanderKey, { ttlMs });
      const aborted = new Promise<true>((resolve) => lease.signal.addEventListener("abort", () => resolve(true), { once: true }));
      const events: AuditEventInput[] = [];
      await forceReleaseLock({ store: adminStore, audit: { append: async (e) => void events.push(e) } }, { key, actor: "alice", reason: "hung during INC-7" });
      expect(await Promise.race([aborted, sleep(15_000).then(() => false)]), "the lease's signal aborted").toBe(true);
      expect(lease.isValid()).toBe(false);
      const reason = lease.signal.reason as AppError;
      expect(reason).toBeInstanceOf(AppError);
      expect(reason.code).toBe("LOCK_LOST");
      expect(reason.message).toContain("revoked");
      expect(reason.message).toContain("force-released by alice: hung during INC-7");
      expect(() => lease.assertValid()).toThrow(/no longer holds/);
      expect(holder.heldBy("op-revoked")).toEqual([]);
      // Only that lease: the same process's other lease stays held.
      expect(bystander.isValid()).toBe(true);
      expect(bystander.signal.aborted).toBe(false);
      const next = await holder.acquire("op-next", key, { waitTimeoutMs: 2_000, ttlMs });
      expect(next.fencingToken > lease.fencingToken).toBe(true);
      expect(await lease.release()).toBe(false);
      await next.release();
      await bystander.release();
    });

    it("revokes only the lease named: another holder's, or an earlier grant's, notice leaves a lease alone", async () => {
      const holder = await manager();
      const key = fresh("targeted");
      const kept = await holder.acquire("reader-kept", key, { mode: "SHARED", ttlMs: 60_000 });
      const gone = await holder.acquire("reader-gone", key, { mode: "SHARED", ttlMs: 60_000 });
      const goneLost = new Promise<void>((resolve) => gone.signal.addEventListener("abort", () => resolve(), { once: true }));
      await store.forceRelease(key, "reader-gone", "revoked by a test");
      await goneLost;
      expect((gone.signal.reason as AppError).message).toContain("revoked by a test");
      expect(kept.isValid()).toBe(true);
      // The same holder takes the lock again (a new token): the earlier grant's revocation does not carry over to it.
      const again = await holder.acquire("reader-gone", key, { mode: "SHARED", ttlMs: 60_000 });
      expect(again).not.toBe(gone);
      expect(again.fencingToken > gone.fencingToken).toBe(true);
      const other = await otherProcessStore();
      const heard: LockRevocation[] = [];
      const stop = await other.onRevoked((r) => heard.push(r));
      try {
        // A revocation of another lease of the same lock, as a marker that every notice sent before it has arrived
        // (notices about one lock arrive in order; a Redis Cluster orders those of different locks in no particular way).
        const markerLease = await holder.acquire("op-marker", key, { mode: "SHARED", ttlMs: 60_000 });
        await store.forceRelease(key, "op-marker");
        await eventually(async () => heard.some((r) => r.holderId === "op-marker"), "the marker's revocation arrives", 5_000);
        await eventually(async () => !markerLease.isValid(), "the holder hears the marker's revocation", 5_000);
      } finally {
        await stop();
      }
      expect(again.isValid()).toBe(true);
      expect(kept.isValid()).toBe(true);
      await again.release();
      await kept.release();
    });

    describe("wake-ups, from the store itself", () => {
      it("a release wakes, per instance, exactly the waiters the grant rule now admits", async () => {
        const key = fresh("wake-release");
        const a = await listen(`wake-a-${run}`);
        const b = await listen(`wake-b-${run}`);
        try {
          const held = granted(await store.acquire(request(key, "holder")));
          refused(await store.acquire(request(key, "s1", { mode: "SHARED", wait: true, instanceId: a.instanceId })));
          refused(await store.acquire(request(key, "s2", { mode: "SHARED", wait: true, instanceId: b.instanceId })));
          refused(await store.acquire(request(key, "s3", { mode: "SHARED", wait: true, instanceId: a.instanceId })));
          refused(await store.acquire(request(key, "e4", { wait: true, instanceId: b.instanceId })));
          refused(await store.acquire(request(key, "s5", { mode: "SHARED", wait: true, instanceId: b.instanceId })));
          expect(a.wakes).toEqual([]);
          expect(await store.release(key, "holder", held.fencingToken)).toBe(true);
          expect(await settled(a, key)).toEqual([{ key, holderIds: ["s1", "s3"] }]);
          expect(await settled(b, key)).toEqual([{ key, holderIds: ["s2"] }]);
        } finally {
          await a.stop();
          await b.stop();
        }
      });

      it("a release behind which an EXCLUSIVE waiter heads the queue wakes it alone, and only once no one holds the lock", async () => {
        const key = fresh("wake-exclusive");
        const a = await listen(`wake-x-${run}`);
        try {
          const r1 = granted(await store.acquire(request(key, "r1", { mode: "SHARED" })));
          const r2 = granted(await store.acquire(request(key, "r2", { mode: "SHARED" })));
          refused(await store.acquire(request(key, "writer", { wait: true, instanceId: a.instanceId })));
          refused(await store.acquire(request(key, "reader", { mode: "SHARED", wait: true, instanceId: a.instanceId })));
          await store.release(key, "r1", r1.fencingToken);
          expect(await settled(a, key)).toEqual([]);
          await store.release(key, "r2", r2.fencingToken);
          expect(await settled(a, key)).toEqual([{ key, holderIds: ["writer"] }]);
        } finally {
          await a.stop();
        }
      });

      it("leaving the queue wakes the waiter it was blocking", async () => {
        const key = fresh("wake-cancel");
        const a = await listen(`cancel-a-${run}`);
        try {
          granted(await store.acquire(request(key, "reader", { mode: "SHARED" })));
          refused(await store.acquire(request(key, "writer", { wait: true, instanceId: "cancel-b" })));
          refused(await store.acquire(request(key, "reader-2", { mode: "SHARED", wait: true, instanceId: a.instanceId })));
          await store.cancelWait(key, "writer");
          expect(await settled(a, key)).toEqual([{ key, holderIds: ["reader-2"] }]);
          expect((await waitersOf(key)).map((w) => w.holderId)).toEqual(["reader-2"]);
          granted(await store.acquire(request(key, "reader-2", { mode: "SHARED", wait: true, instanceId: a.instanceId })));
        } finally {
          await a.stop();
        }
      });

      it("pruning an expired waiter wakes the one behind it; a lease that merely runs out wakes no one", async () => {
        const key = fresh("wake-prune");
        const a = await listen(`prune-a-${run}`);
        try {
          granted(await store.acquire(request(key, "holder", { ttlMs: 60 })));
          refused(await store.acquire(request(key, "dead", { wait: true, queueTtlMs: 100, instanceId: "prune-dead" })));
          refused(await store.acquire(request(key, "next", { wait: true, instanceId: a.instanceId })));
          // Both the lease and the dead waiter's place have run out on the store's clock...
          await eventually(async () => {
            const lock = await lockOf(key);
            return lock?.holders.length === 0 && lock.waiters.map((w) => w.holderId).join() === "next";
          }, "the lease and the dead waiter's place run out");
          // ...which by itself wakes no one.
          expect(await settled(a, key)).toEqual([]);
          // Any call touching the lock prunes both, and "next" may now go.
          await store.cancelWait(key, "nobody");
          expect(await settled(a, key)).toEqual([{ key, holderIds: ["next"] }]);
        } finally {
          await a.stop();
        }
      });

      it("delivers wake() to the instance's subscribers until they unsubscribe", async () => {
        const key = fresh("wake-direct");
        const instanceId = `direct-${run}`;
        const first: LockWake[] = [];
        const second: LockWake[] = [];
        const stopFirst = await store.subscribe(instanceId, (wake) => first.push(wake));
        const stopSecond = await store.subscribe(instanceId, (wake) => second.push(wake));
        await store.wake(instanceId, { key, holderIds: ["victim"] });
        await store.wake(`someone-else-${run}`, { key, holderIds: ["other"] });
        await eventually(async () => first.length === 1 && second.length === 1, "the wake-up arrives");
        expect(first).toEqual([{ key, holderIds: ["victim"] }]);
        await stopFirst();
        await stopFirst();
        await store.wake(instanceId, { key, holderIds: ["again"] });
        // The second subscriber hearing it is the marker: the first, stopped, heard nothing more.
        expect(await settled({ instanceId, wakes: second }, key)).toEqual([
          { key, holderIds: ["victim"] },
          { key, holderIds: ["again"] },
        ]);
        expect(first).toHaveLength(1);
        await stopSecond();
      });

      it("force release removes the live leases it is asked to, returns them and wakes the queue", async () => {
        const key = fresh("force-wake");
        const a = await listen(`force-a-${run}`);
        try {
          const r1 = granted(await store.acquire(request(key, "r1", { mode: "SHARED" })));
          const r2 = granted(await store.acquire(request(key, "r2", { mode: "SHARED" })));
          refused(await store.acquire(request(key, "writer", { wait: true, instanceId: a.instanceId })));
          expect(await store.forceRelease(key, "nobody")).toEqual([]);
          expect(await store.forceRelease(fresh("never-taken"), null)).toEqual([]);
          const one = await store.forceRelease(key, "r1");
          expect(one).toEqual([{ holderId: "r1", mode: "SHARED", fencingToken: r1.fencingToken, acquiredAt: r1.acquiredAt, expiresAt: r1.expiresAt }]);
          expect(await settled(a, key)).toEqual([]);
          const rest = await store.forceRelease(key, null);
          expect(rest.map((h) => [h.holderId, h.fencingToken])).toEqual([["r2", r2.fencingToken]]);
          expect(await settled(a, key)).toEqual([{ key, holderIds: ["writer"] }]);
          expect(await store.release(key, "r2", r2.fencingToken)).toBe(false);
          expect((await store.statistics()).find((s) => s.key.resource === key.resource)).toMatchObject({ acquisitions: 2, releases: 2 });
        } finally {
          await a.stop();
        }
      });
    });
  });
}
