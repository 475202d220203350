// The Redis lock store against a real Redis (REDIS_URL, default
// redis://127.0.0.1:6379): key layout, scripts and the rules of
// server/core/locks/ports.ts as this backend implements them. The wake-up rules
// every backend shares are in server/testing/lock-store-contract.ts; the
// scripts' own contract in lock-scripts.integration.test.ts. Every test works
// under a random prefix whose keys are deleted afterwards. There is no skip: a
// missing Redis fails the suite, saying which address it tried. No test waits
// a fixed time and then checks: it waits for the condition (Redis's clock past
// an expiry, a message arriving).
import crypto from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../core/errors";
import type { LockAcquireRequest, LockAcquireResult, LockRevocation, LockWake } from "../../core/locks/ports";
import type { LockKey } from "../../core/locks/types";
import { STATE_MARGIN_MS, STATS_TTL_MS } from "./lock-scripts";
import { openRedisLockStore, RedisLockStore } from "./lock-store";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const PREFIX = `interlock:test:${crypto.randomBytes(4).toString("hex")}:`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let store: RedisLockStore;
let admin: Redis;
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

async function prefixKeys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await admin.scan(cursor, "MATCH", `${PREFIX}*`, "COUNT", 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== "0");
  return keys;
}

/** Collects the wake-ups one instance receives. */
async function listen(instanceId: string) {
  const wakes: LockWake[] = [];
  const stop = await store.subscribe(instanceId, (wake) => wakes.push(wake));
  return { wakes, stop };
}

async function until(probe: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

/** Waits until Redis's clock, the one the scripts use, is past `ms`. */
async function redisTimePasses(ms: number) {
  await until(async () => {
    const [seconds, micros] = await admin.time();
    return Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000) > ms;
  }, `Redis's clock passes ${ms}`);
}

const waitersOf = async (key: LockKey) => (await store.snapshot()).locks.find((l) => l.key.scope === key.scope && l.key.resource === key.resource)?.waiters ?? [];

beforeAll(async () => {
  try {
    store = await openRedisLockStore({ url: REDIS_URL, prefix: PREFIX });
  } catch (error) {
    throw new Error(`The Redis lock store tests need a Redis at ${REDIS_URL} (set REDIS_URL to use another): ${(error as Error).message}`, { cause: error });
  }
  admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  if (admin) {
    const keys = await prefixKeys();
    if (keys.length) await admin.del(...keys);
    admin.disconnect();
  }
  await store?.close();
});

describe("RedisLockStore: grants and refusals", () => {
  it("grants an exclusive lock to one holder and refuses the next, naming the blocker, leaving no trace without wait", async () => {
    const key = fresh("exclusive");
    const first = granted(await store.acquire(request(key, "op-1", { ttlMs: 10_000 })));
    expect(first.reentrant).toBe(false);
    expect(first.mode).toBe("EXCLUSIVE");
    expect(first.expiresAt.getTime() - first.acquiredAt.getTime()).toBe(10_000);

    const before = (await store.snapshot()).at.getTime();
    const second = refused(await store.acquire(request(key, "op-2")));
    const after = (await store.snapshot()).at.getTime();
    expect(second.blockers).toEqual([{ holderId: "op-1", mode: "EXCLUSIVE", fencingToken: first.fencingToken, acquiredAt: first.acquiredAt, expiresAt: first.expiresAt }]);
    expect(second.ahead).toEqual([]);
    // The time left to the blocker's expiry on Redis's clock, read between the two snapshots.
    expect(second.nextExpiryInMs).toBeGreaterThanOrEqual(first.expiresAt.getTime() - after);
    expect(second.nextExpiryInMs).toBeLessThanOrEqual(first.expiresAt.getTime() - before);
    expect(await waitersOf(key)).toEqual([]);

    expect(await store.release(key, "op-1", first.fencingToken)).toBe(true);
    granted(await store.acquire(request(key, "op-2")));
  });

  it("lets SHARED holders in together and refuses EXCLUSIVE while any of them holds", async () => {
    const key = fresh("shared");
    const a = granted(await store.acquire(request(key, "verify-1", { mode: "SHARED" })));
    const b = granted(await store.acquire(request(key, "verify-2", { mode: "SHARED" })));
    expect(b.fencingToken > a.fencingToken).toBe(true);
    const deploy = refused(await store.acquire(request(key, "deploy")));
    expect(deploy.blockers.map((h) => h.holderId).sort()).toEqual(["verify-1", "verify-2"]);
    await store.release(key, "verify-1", a.fencingToken);
    expect(refused(await store.acquire(request(key, "deploy"))).blockers.map((h) => h.holderId)).toEqual(["verify-2"]);
    await store.release(key, "verify-2", b.fencingToken);
    granted(await store.acquire(request(key, "deploy")));
  });

  it("makes a SHARED request behind a waiting EXCLUSIVE one wait too, with no lease to wait for", async () => {
    const key = fresh("fair");
    const held = granted(await store.acquire(request(key, "verify-1", { mode: "SHARED" })));
    refused(await store.acquire(request(key, "deploy", { wait: true, instanceId: "instance-b" })));
    const late = refused(await store.acquire(request(key, "verify-2", { mode: "SHARED", wait: true })));
    expect(late.blockers).toEqual([]);
    expect(late.nextExpiryInMs).toBeNull();
    expect(late.ahead).toMatchObject([{ holderId: "deploy", mode: "EXCLUSIVE", priority: 2, instanceId: "instance-b" }]);
    expect((await waitersOf(key)).map((w) => w.holderId)).toEqual(["deploy", "verify-2"]);
    // SHARED behind SHARED waiters may go together once the exclusive one is gone.
    await store.cancelWait(key, "deploy");
    granted(await store.acquire(request(key, "verify-2", { mode: "SHARED", wait: true })));
    await store.release(key, "verify-1", held.fencingToken);
  });

  it("serves a more urgent class first and FIFO within a class", async () => {
    const key = fresh("priority");
    const held = granted(await store.acquire(request(key, "holder")));
    refused(await store.acquire(request(key, "normal-1", { wait: true, priority: 2 })));
    refused(await store.acquire(request(key, "normal-2", { wait: true, priority: 2 })));
    refused(await store.acquire(request(key, "low", { wait: true, priority: 3 })));
    const critical = refused(await store.acquire(request(key, "critical", { wait: true, priority: 0 })));
    expect(critical.ahead).toEqual([]);
    // A newcomer of a class is behind every waiter of its class and the more urgent ones, ahead of the rest.
    const normal3 = refused(await store.acquire(request(key, "normal-3", { wait: true, priority: 2 })));
    expect(normal3.ahead.map((w) => w.holderId)).toEqual(["critical", "normal-1", "normal-2"]);
    expect((await waitersOf(key)).map((w) => w.holderId)).toEqual(["critical", "normal-1", "normal-2", "normal-3", "low"]);

    await store.release(key, "holder", held.fencingToken);
    // Only the head may go; the others are refused behind it, keeping their places.
    refused(await store.acquire(request(key, "normal-1", { wait: true })));
    const order: string[] = [];
    for (const id of ["critical", "normal-1", "normal-2", "normal-3", "low"]) {
      const lease = granted(await store.acquire(request(key, id, { wait: true, priority: id === "critical" ? 0 : id === "low" ? 3 : 2 })));
      order.push(id);
      await store.release(key, id, lease.fencingToken);
    }
    expect(order).toEqual(["critical", "normal-1", "normal-2", "normal-3", "low"]);
    expect(await waitersOf(key)).toEqual([]);
  });

  it("re-grants a held lock to its holder: same token, same mode, later expiry", async () => {
    const key = fresh("reentrant");
    const first = granted(await store.acquire(request(key, "op-1", { mode: "SHARED", ttlMs: 1_000 })));
    const again = granted(await store.acquire(request(key, "op-1", { mode: "EXCLUSIVE", ttlMs: 20_000 })));
    expect(again).toMatchObject({ reentrant: true, mode: "SHARED", fencingToken: first.fencingToken, acquiredAt: first.acquiredAt });
    expect(again.expiresAt.getTime()).toBeGreaterThanOrEqual(first.acquiredAt.getTime() + 20_000);
    // A shorter TTL never shortens the lease.
    const third = granted(await store.acquire(request(key, "op-1", { mode: "SHARED", ttlMs: 100 })));
    expect(third.expiresAt).toEqual(again.expiresAt);
    expect(await store.release(key, "op-1", first.fencingToken)).toBe(true);
    expect((await store.statistics()).find((s) => s.key.resource === key.resource)).toMatchObject({ acquisitions: 1, releases: 1 });
  });
});

describe("RedisLockStore: fencing tokens", () => {
  it("strictly increase across every grant on a lock, shared or exclusive", async () => {
    const key = fresh("tokens");
    const tokens: bigint[] = [];
    for (let i = 0; i < 30; i++) {
      const lease = granted(await store.acquire(request(key, `op-${i}`, { mode: i % 3 === 0 ? "SHARED" : "EXCLUSIVE" })));
      tokens.push(lease.fencingToken);
      await store.release(key, `op-${i}`, lease.fencingToken);
    }
    for (let i = 1; i < tokens.length; i++) expect(tokens[i]! > tokens[i - 1]!).toBe(true);
  });

  it("keep increasing when Redis loses every key of the lock", async () => {
    const key = fresh("lost");
    // A burst, so the last token runs as far ahead of the clock as the fence lets it.
    let last = 0n;
    for (let i = 0; i < 20; i++) {
      const lease = granted(await store.acquire(request(key, `op-${i}`)));
      last = lease.fencingToken;
      await store.release(key, `op-${i}`, lease.fencingToken);
    }
    const keys = await prefixKeys();
    expect(keys.length).toBeGreaterThan(0);
    await admin.del(...keys);
    const after = granted(await store.acquire(request(key, "op-after")));
    expect(after.fencingToken > last).toBe(true);
    await store.release(key, "op-after", after.fencingToken);
  });
});

describe("RedisLockStore: expiry", () => {
  it("treats a lease past its expiry as gone: not reported, not extended, not released; the next grant gets a higher token", async () => {
    const key = fresh("expiry");
    const lease = granted(await store.acquire(request(key, "op-slow", { ttlMs: 50 })));
    await redisTimePasses(lease.expiresAt.getTime());
    expect((await store.snapshot()).locks.find((l) => l.key.resource === key.resource)).toBeUndefined();
    expect(await store.extend(key, "op-slow", lease.fencingToken, 1_000)).toBeNull();
    expect(await store.release(key, "op-slow", lease.fencingToken)).toBe(false);
    const next = granted(await store.acquire(request(key, "op-next")));
    expect(next.reentrant).toBe(false);
    expect(next.fencingToken > lease.fencingToken).toBe(true);
  });

  it("extends a live lease to now + ttl, only for its holder and token", async () => {
    const key = fresh("extend");
    const lease = granted(await store.acquire(request(key, "op-1", { ttlMs: 200 })));
    expect(await store.extend(key, "op-1", lease.fencingToken + 1n, 10_000)).toBeNull();
    expect(await store.extend(key, "op-2", lease.fencingToken, 10_000)).toBeNull();
    const extended = await store.extend(key, "op-1", lease.fencingToken, 10_000);
    expect(extended!.expiresAt.getTime()).toBeGreaterThan(lease.expiresAt.getTime());
    await redisTimePasses(lease.expiresAt.getTime());
    expect(refused(await store.acquire(request(key, "op-2"))).blockers[0]).toMatchObject({ holderId: "op-1", expiresAt: extended!.expiresAt });
    expect(await store.release(key, "op-1", lease.fencingToken)).toBe(true);
  });

  it("releases only with the holder's own token", async () => {
    const key = fresh("wrong-token");
    const lease = granted(await store.acquire(request(key, "op-1")));
    expect(await store.release(key, "op-1", lease.fencingToken - 1n)).toBe(false);
    expect(await store.release(key, "op-1", lease.fencingToken + 1n)).toBe(false);
    expect(await store.release(key, "op-2", lease.fencingToken)).toBe(false);
    refused(await store.acquire(request(key, "op-2")));
    expect(await store.release(key, "op-1", lease.fencingToken)).toBe(true);
    expect(await store.release(key, "op-1", lease.fencingToken)).toBe(false);
  });

  it("drops a waiter that stops asking after queueTtlMs, and keeps the place of one that asks again in time", async () => {
    const key = fresh("queue-ttl");
    const held = granted(await store.acquire(request(key, "holder")));
    refused(await store.acquire(request(key, "dead", { wait: true, queueTtlMs: 100 })));
    refused(await store.acquire(request(key, "alive", { wait: true, queueTtlMs: 60_000 })));
    refused(await store.acquire(request(key, "late", { wait: true, queueTtlMs: 60_000 })));
    await until(async () => (await waitersOf(key)).map((w) => w.holderId).join() === "alive,late", "the dead waiter's place lapses");
    // Asking again keeps the place and sets the deadline anew (here a short one).
    const alive = refused(await store.acquire(request(key, "alive", { wait: true, queueTtlMs: 100 })));
    expect(alive.ahead).toEqual([]);
    const late = refused(await store.acquire(request(key, "late", { wait: true, queueTtlMs: 60_000 })));
    expect(late.ahead.map((w) => w.holderId)).toEqual(["alive"]);
    await store.release(key, "holder", held.fencingToken);
    // "alive" stopped asking: its new deadline, not the first one, is what ends its place.
    await until(async () => (await waitersOf(key)).map((w) => w.holderId).join() === "late", "the refreshed place lapses");
    granted(await store.acquire(request(key, "late", { wait: true })));
    expect(await waitersOf(key)).toEqual([]);
  });
});

describe("RedisLockStore: operators' views", () => {
  it("snapshots every lock with a live holder or waiter, in queue order, at Redis time", async () => {
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
    expect(lock.holders[0]!.acquiredAt.getTime()).toBeLessThanOrEqual(at.getTime());
  });

  it("counts acquisitions, contentions, wait and hold times per lock", async () => {
    const key = fresh("stats");
    const first = granted(await store.acquire(request(key, "op-1")));
    refused(await store.acquire(request(key, "op-2", { wait: true })));
    await redisTimePasses(first.acquiredAt.getTime() + 50);
    await store.release(key, "op-1", first.fencingToken);
    const second = granted(await store.acquire(request(key, "op-2", { wait: true, contended: true, waitedMs: 70 })));
    granted(await store.acquire(request(key, "op-2", { contended: true, waitedMs: 500 }))); // reentrant: not counted
    await redisTimePasses(second.acquiredAt.getTime() + 10);
    await store.release(key, "op-2", second.fencingToken);
    const stats = (await store.statistics()).find((s) => s.key.resource === key.resource)!;
    expect(stats.key).toEqual(key);
    expect(stats).toMatchObject({ acquisitions: 2, contentions: 1, totalWaitMs: 70, maxWaitMs: 70, releases: 2 });
    expect(stats.maxHoldMs).toBeGreaterThanOrEqual(50);
    expect(stats.totalHoldMs).toBeGreaterThanOrEqual(stats.maxHoldMs + 10);
  });
});

describe("RedisLockStore: revocations", () => {
  it("the force-release script publishes one notice per removed lease on <prefix>revoked, and onRevoked hands them to every listener", async () => {
    const key = { scope: "SERVICE" as const, resource: `pay{ment}%:${++run}` };
    const raw: string[] = [];
    const subscriber = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const heard: LockRevocation[][] = [[], []];
    const stops = await Promise.all(heard.map((list) => store.onRevoked((r) => list.push(r))));
    try {
      subscriber.on("message", (_channel: string, message: string) => raw.push(message));
      await subscriber.subscribe(`${PREFIX}revoked`);
      const r1 = granted(await store.acquire(request(key, "r1", { mode: "SHARED" })));
      const r2 = granted(await store.acquire(request(key, "r\u00e9-2|x", { mode: "SHARED" })));
      expect(await store.forceRelease(key, "nobody", "no one to revoke")).toEqual([]);
      await store.forceRelease(key, null, "preempted by rollback op-9");
      const expected = [
        { key, holderId: "r1", fencingToken: r1.fencingToken, reason: "preempted by rollback op-9" },
        { key, holderId: "r\u00e9-2|x", fencingToken: r2.fencingToken, reason: "preempted by rollback op-9" },
      ];
      await until(() => raw.length === 2 && heard.every((list) => list.length === 2), "both notices arrive everywhere");
      expect(heard[0]).toEqual(expected);
      expect(heard[1]).toEqual(expected);
      expect(JSON.parse(raw[0]!)).toEqual({ scope: "SERVICE", resource: key.resource, holderId: "r1", token: r1.fencingToken.toString(), reason: "preempted by rollback op-9" });
      // Without a reason the notice has none; a reason too long is cut.
      const r3 = granted(await store.acquire(request(key, "r3")));
      await store.forceRelease(key, "r3");
      const r4 = granted(await store.acquire(request(key, "r4")));
      await store.forceRelease(key, "r4", "x".repeat(5_000));
      await until(() => heard[0]!.length === 4, "the last two notices arrive");
      expect(heard[0]![2]).toEqual({ key, holderId: "r3", fencingToken: r3.fencingToken, reason: null });
      expect(heard[0]![3]!.fencingToken).toBe(r4.fencingToken);
      expect(heard[0]![3]!.reason).toHaveLength(1_000);
    } finally {
      subscriber.disconnect();
      for (const stop of stops) await stop();
    }
  });

  it("ignores messages on the channel that are not notices, and stops delivering to a listener that stopped", async () => {
    const key = fresh("revoked-junk");
    const heard: LockRevocation[] = [];
    const stop = await store.onRevoked((r) => heard.push(r));
    await admin.publish(`${PREFIX}revoked`, "not json");
    await admin.publish(`${PREFIX}revoked`, JSON.stringify({ scope: "GALAXY", resource: "x", holderId: "a", token: "1" }));
    await admin.publish(`${PREFIX}revoked`, JSON.stringify({ scope: "SERVICE", resource: "x", holderId: "a", token: "12a" }));
    const lease = granted(await store.acquire(request(key, "op-1")));
    await store.forceRelease(key, "op-1", "stuck");
    await until(() => heard.length === 1, "the real notice arrives");
    expect(heard).toEqual([{ key, holderId: "op-1", fencingToken: lease.fencingToken, reason: "stuck" }]);
    await stop();
    // Another listener, on the same subscription, as the marker: once it has the next notice, so would have the stopped one.
    const marker: LockRevocation[] = [];
    const stopMarker = await store.onRevoked((r) => marker.push(r));
    granted(await store.acquire(request(key, "op-2")));
    await store.forceRelease(key, "op-2", "stuck");
    await until(() => marker.length === 1, "the next notice arrives");
    expect(heard).toHaveLength(1);
    await stopMarker();
  });
});

describe("RedisLockStore: keys", () => {
  it("keeps a lock in one hash under the prefix and its hash tag, living 7 days for its history and never less than its entries", async () => {
    const key: LockKey = { scope: "SERVICE", resource: `payment-service-${++run}` };
    const lease = granted(await store.acquire(request(key, "op-1", { ttlMs: 5_000 })));
    const state = `${PREFIX}{SERVICE:${key.resource}}:state`;
    expect(store.keyOf(key)).toBe(state);
    expect((await prefixKeys()).filter((k) => k.includes(key.resource))).toEqual([state]);
    const pttl = await admin.pttl(state);
    expect(pttl).toBeGreaterThan(STATS_TTL_MS - 60_000);
    expect(pttl).toBeLessThanOrEqual(STATS_TTL_MS);
    // A queue place (or lease) longer than that keeps the key past its end.
    refused(await store.acquire(request(key, "op-2", { wait: true, queueTtlMs: STATS_TTL_MS * 2 })));
    expect(await admin.pttl(state)).toBeGreaterThan(STATS_TTL_MS * 2 + STATE_MARGIN_MS - 60_000);
    await store.cancelWait(key, "op-2");
    await store.release(key, "op-1", lease.fencingToken);
  });

  it("works with braces, colons and percent signs in a resource name, each name its own lock", async () => {
    const tricky: LockKey = { scope: "DEPLOYMENT", resource: `a{b}:c}%7D{${++run}` };
    const lookalike: LockKey = { scope: "DEPLOYMENT", resource: `a%7Bb%7D:c%7D%257D%7B${run}` };
    const a = await listen("tricky");
    try {
      const lease = granted(await store.acquire(request(tricky, "op-1")));
      granted(await store.acquire(request(lookalike, "op-2")));
      expect(store.keyOf(tricky).match(/\{([^}]*)\}/)![1]).toBe(`DEPLOYMENT:a%7Bb%7D:c%7D%257D%7B${run}`);
      refused(await store.acquire(request(tricky, "op-3", { wait: true, instanceId: "tricky" })));
      const { locks } = await store.snapshot();
      expect(locks.find((l) => l.key.resource === tricky.resource)?.key).toEqual(tricky);
      expect(locks.find((l) => l.key.resource === lookalike.resource)?.holders.map((h) => h.holderId)).toEqual(["op-2"]);
      await store.release(tricky, "op-1", lease.fencingToken);
      await until(() => a.wakes.length === 1, "the waiter on the tricky name is woken");
      expect(a.wakes).toEqual([{ key: tricky, holderIds: ["op-3"] }]);
      expect((await store.statistics()).map((s) => s.key)).toEqual(expect.arrayContaining([tricky, lookalike]));
    } finally {
      await a.stop();
    }
  });

  it("keeps several leases with awkward holder ids (non-ASCII, separators, digits) apart and exact", async () => {
    const key = fresh("ids");
    const ids = ["ünï|cødé ✓", "12|E|34|", "a", "w:not-a-waiter"];
    const leases: ReturnType<typeof granted>[] = [];
    for (const id of ids) leases.push(granted(await store.acquire(request(key, id, { mode: "SHARED", ttlMs: 20_000 }))));
    refused(await store.acquire(request(key, "wɑiter|1", { wait: true, instanceId: "inst|ü" })));
    const lock = (await store.snapshot()).locks.find((l) => l.key.resource === key.resource)!;
    expect(lock.holders.map((h) => [h.holderId, h.fencingToken])).toEqual(ids.map((id, i) => [id, leases[i]!.fencingToken]));
    expect(lock.waiters).toMatchObject([{ holderId: "wɑiter|1", instanceId: "inst|ü" }]);

    const extended = await store.extend(key, ids[1]!, leases[1]!.fencingToken, 60_000);
    expect(extended).not.toBeNull();
    expect(await store.release(key, ids[0]!, leases[0]!.fencingToken)).toBe(true);
    const removed = await store.forceRelease(key, ids[2]!);
    expect(removed.map((h) => h.holderId)).toEqual([ids[2]]);
    const after = (await store.snapshot()).locks.find((l) => l.key.resource === key.resource)!;
    expect(after.holders.map((h) => [h.holderId, h.expiresAt.getTime()])).toEqual([
      [ids[1], extended!.expiresAt.getTime()],
      [ids[3], leases[3]!.expiresAt.getTime()],
    ]);
    expect((await store.forceRelease(key, null)).map((h) => h.holderId)).toEqual([ids[1], ids[3]]);
  });

  it("refuses a prefix that would break the hash tag", async () => {
    const client = new Redis(REDIS_URL, { lazyConnect: true });
    try {
      expect(() => new RedisLockStore(client, { prefix: "locks:{x}:" })).toThrow(AppError);
    } finally {
      client.disconnect();
    }
  });
});

describe("RedisLockStore: an unreachable Redis", () => {
  it("fails to open with UNAVAILABLE naming the address, instead of hanging", { timeout: 15_000 }, async () => {
    const error = await openRedisLockStore({ url: "redis://127.0.0.1:1", prefix: PREFIX }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("UNAVAILABLE");
    expect((error as AppError).message).toMatch(/^Redis lock store at 127\.0\.0\.1:1 is unavailable: /);
  });

  it("fails each call with UNAVAILABLE on a client that cannot connect", { timeout: 15_000 }, async () => {
    const client = new Redis("redis://127.0.0.1:1", { lazyConnect: true, maxRetriesPerRequest: 1 });
    const broken = new RedisLockStore(client);
    try {
      const error = await broken.acquire(request(fresh("down"), "op-1")).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("UNAVAILABLE");
      expect((error as AppError).message).toContain("127.0.0.1:1");
      const snapshotError = await broken.snapshot().catch((e: unknown) => e);
      expect((snapshotError as AppError).code).toBe("UNAVAILABLE");
    } finally {
      await broken.close();
      client.disconnect();
    }
  });

  it("fails a snapshot whose connection drops between SCAN rounds with UNAVAILABLE, leaving no read's failure unobserved", { timeout: 15_000 }, async () => {
    // Vitest fails the run on an unhandled rejection: the reads sent after the first round must be awaited or caught.
    const prefix = `${PREFIX}drop:`;
    const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    const dropping = new RedisLockStore(client, { prefix });
    try {
      const pipeline = admin.pipeline();
      for (let i = 0; i < 1_500; i++) pipeline.hset(dropping.keyOf({ scope: "SERVICE", resource: `s${i}` }), "meta", "x");
      await pipeline.exec();
      const scan = client.scan.bind(client) as (...args: unknown[]) => Promise<[string, string[]]>;
      let rounds = 0;
      (client as unknown as { scan: typeof scan }).scan = async (...args) => {
        const reply = await scan(...args);
        if (++rounds === 1) client.disconnect();
        return reply;
      };
      const error = await dropping.snapshot().catch((e: unknown) => e);
      expect((error as AppError).code).toBe("UNAVAILABLE");
      expect(rounds).toBeGreaterThanOrEqual(1);
    } finally {
      await dropping.close();
      client.disconnect();
      let cursor = "0";
      do {
        const [next, keys] = await admin.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
        if (keys.length) await admin.del(...keys);
        cursor = next;
      } while (cursor !== "0");
    }
  });
});
