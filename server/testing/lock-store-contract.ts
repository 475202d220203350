// The one contract every LockStore backend passes (Redis, Postgres, PGlite),
// exercised through the LockManager as the product uses it. Waiting managers
// are built with a 60 s re-check, so a waiter that proceeds within the test
// can only have been woken by the store: that is how these tests prove release
// wakes the next waiter instead of polling.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEventInput } from "../core/audit/types";
import { AppError } from "../core/errors";
import { forceReleaseLock } from "../core/locks/force-release-lock";
import type { Lease } from "../core/locks/lease";
import { listLocks, listStaleLocks } from "../core/locks/list-locks";
import { LockManager, type LockManagerConfig } from "../core/locks/lock-manager";
import { lockStatistics } from "../core/locks/lock-statistics";
import type { LockStore } from "../core/locks/ports";
import type { LockKey } from "../core/locks/types";

export interface LockStoreFixture {
  store: LockStore;
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

export function describeLockStoreContract(label: string, open: () => Promise<LockStoreFixture>): void {
  describe(`LockStore contract: ${label}`, () => {
    let fixture: LockStoreFixture;
    let store: LockStore;
    const managers: LockManager[] = [];
    let run = 0;
    const fresh = (resource: string): LockKey => ({ scope: "SERVICE", resource: `${resource}-${++run}-${Math.random().toString(36).slice(2, 8)}` });
    const manager = async (config: Partial<LockManagerConfig> = {}) => {
      const m = await LockManager.start({ store, config: { recheckMs: 60_000, ...config } });
      managers.push(m);
      return m;
    };
    const queued = (key: LockKey, count: number) =>
      eventually(async () => {
        const { locks } = await store.snapshot();
        const lock = locks.find((l) => l.key.scope === key.scope && l.key.resource === key.resource);
        return (lock?.waiters.length ?? 0) >= count ? lock : null;
      }, `${count} waiter(s) are queued on ${key.resource}`);

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
      await sleep(100);
      expect(deploy.settled).toBe(false);
      await v2.release();
      const deployLease = await deploy.done;
      await sleep(100);
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
      await sleep(30); // the store's expiry is at most the drift margin later than the holder's
      const next = await m.acquire("op-next", key, { waitTimeoutMs: 2_000 });
      expect(next.fencingToken > lease.fencingToken).toBe(true);
      expect(await store.extend(key, "op-slow", lease.fencingToken, 1_000)).toBeNull();
      expect(await store.release(key, "op-slow", lease.fencingToken)).toBe(false);
      await next.release();
    });

    it("renews a lease while work runs", async () => {
      const m = await manager();
      const key = fresh("renew");
      const lease = await m.acquire("op-long", key, { ttlMs: 300 });
      await sleep(1_000);
      expect(lease.isValid()).toBe(true);
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
      await sleep(300);
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
      await sleep(120);
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
      await queued(key, 1);
      await sleep(80);
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
  });
}
