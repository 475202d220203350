// What the etcd lock store adds to the shared contract (server/testing/lock-store-contract.ts,
// run for etcd in lock-store-contract.integration.test.ts): how it uses etcd
// itself (docs/locks-etcd.md). Against Debian's etcd 3.4, started here.
import crypto from "node:crypto";
import { Etcd3, Range } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../core/errors";
import type { LockAcquireRequest, LockWake } from "../../core/locks/ports";
import type { LockKey } from "../../core/locks/types";
import { startEtcd, type EtcdServer } from "../../testing/etcd";
import { freePort } from "../../testing/prometheus";
import { openEtcdLockStore, type EtcdLockStore } from "./lock-store";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function eventually<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) throw new Error(`timed out waiting until ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`);
    await sleep(50);
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
/** Fails instead of hanging: the store must answer, one way or the other. */
const settlesWithin = <T>(promise: Promise<T>, ms: number) => Promise.race([promise, sleep(ms).then(() => Promise.reject(new Error(`did not settle within ${ms} ms`)))]);

const request = (key: LockKey, holderId: string, overrides: Partial<LockAcquireRequest> = {}): LockAcquireRequest => ({
  key,
  holderId,
  mode: "EXCLUSIVE",
  ttlMs: 30_000,
  priority: 2,
  instanceId: "inst",
  wait: false,
  queueTtlMs: 30_000,
  contended: false,
  waitedMs: 0,
  ...overrides,
});
const key = (name: string): LockKey => ({ scope: "SERVICE", resource: `${name}-${crypto.randomBytes(3).toString("hex")}` });
function tokenOf(result: Awaited<ReturnType<EtcdLockStore["acquire"]>>): bigint {
  if (!result.granted) throw new Error("expected a grant");
  return result.fencingToken;
}

describe("etcd lock store on a real etcd", () => {
  let etcd: EtcdServer;
  let raw: Etcd3;
  const stores: EtcdLockStore[] = [];
  const prefix = `test/etcd-store/${crypto.randomBytes(4).toString("hex")}/`;
  const open = async () => {
    const store = await openEtcdLockStore({ endpoints: [etcd.endpoint], prefix, commandTimeoutMs: 2_000 });
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    etcd = await startEtcd({ name: "etcd-lock-store" });
    raw = new Etcd3({ hosts: [etcd.endpoint] });
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    raw?.close();
    await etcd?.stop();
  });

  it("an etcd that cannot be reached is UNAVAILABLE, naming the backend and address, instead of a hang", async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const error = await rejection(settlesWithin(openEtcdLockStore({ endpoints: [endpoint], commandTimeoutMs: 1_000 }), 30_000));
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.message).toContain(`etcd lock store at ${endpoint} is unavailable`);
    expect(error.details).toEqual({ backend: "etcd", at: endpoint });
  });

  it("a fencing token is the etcd revision of the Txn that granted it, so tokens grow across every lock", async () => {
    const store = await open();
    const a = key("rev-a");
    const b = key("rev-b");
    const first = tokenOf(await store.acquire(request(a, "op-a")));
    const second = tokenOf(await store.acquire(request(b, "op-b")));
    expect(second > first).toBe(true);
    const stored = await raw.get(store.keyOf(b)).exec();
    expect(stored.kvs[0]!.mod_revision).toBe(second.toString());
    // The next write to the lock stores the token as a number: it does not follow the key's revision.
    expect((await store.acquire(request(b, "op-c", { wait: true }))).granted).toBe(false);
    expect((await store.snapshot()).locks.find((l) => l.key.resource === b.resource)?.holders[0]?.fencingToken).toBe(second);
  });

  it("a wake-up notice is put by the same Txn that releases the lock (same revision)", async () => {
    const store = await open();
    const k = key("same-txn");
    const instanceId = `same-txn-${crypto.randomBytes(3).toString("hex")}`;
    const wakes: LockWake[] = [];
    const stop = await store.subscribe(instanceId, (wake) => wakes.push(wake));
    try {
      const held = tokenOf(await store.acquire(request(k, "holder")));
      expect((await store.acquire(request(k, "waiter", { wait: true, instanceId }))).granted).toBe(false);
      expect(await store.release(k, "holder", held)).toBe(true);
      await eventually(async () => wakes.length > 0, "the wake-up arrives");
      expect(wakes).toEqual([{ key: k, holderIds: ["waiter"] }]);
      const lock = (await raw.get(store.keyOf(k)).exec()).kvs[0]!;
      const notice = (await raw.get(`${prefix}wake/${instanceId}`).exec()).kvs[0]!;
      expect(notice.mod_revision).toBe(lock.mod_revision);
    } finally {
      await stop();
    }
  });

  it("two processes changing one lock at once lose no update (every change compares the key's revision)", async () => {
    const one = await open();
    const two = await open();
    const k = key("contended");
    let grants = 0;
    const worker = async (store: EtcdLockStore, name: string) => {
      for (let i = 0; i < 15; ) {
        const result = await store.acquire(request(k, `${name}-${i}`));
        if (!result.granted) continue;
        grants++;
        expect(await store.release(k, `${name}-${i}`, result.fencingToken)).toBe(true);
        i++;
      }
    };
    await Promise.all([worker(one, "a"), worker(one, "b"), worker(two, "c"), worker(two, "d")]);
    const stats = (await one.statistics()).find((s) => s.key.resource === k.resource);
    expect(grants).toBe(60);
    expect(stats).toMatchObject({ acquisitions: 60, releases: 60 });
  });

  it("close() revokes the store's etcd lease: the notices it wrote go with it", async () => {
    const store = await openEtcdLockStore({ endpoints: [etcd.endpoint], prefix });
    const instanceId = `closing-${crypto.randomBytes(3).toString("hex")}`;
    await store.wake(instanceId, { key: key("closing"), holderIds: ["x"] });
    const noticeKey = `${prefix}wake/${instanceId}`;
    expect((await raw.get(noticeKey).exec()).kvs).toHaveLength(1);
    await store.close();
    expect((await raw.get(noticeKey).exec()).kvs).toHaveLength(0);
    expect((await rejection(store.acquire(request(key("closed"), "op")))).code).toBe("UNAVAILABLE");
  });
});

describe("etcd lock store across an etcd restart", () => {
  let etcd: EtcdServer;
  let store: EtcdLockStore | null = null;
  beforeAll(async () => {
    etcd = await startEtcd({ name: "etcd-restart" });
  });
  afterAll(async () => {
    await store?.close();
    await etcd?.stop();
  });

  it("is UNAVAILABLE while etcd is down, serves again once it is back, with tokens above every earlier one, and its watches resume", async () => {
    store = await openEtcdLockStore({ endpoints: [etcd.endpoint], prefix: "restart/", commandTimeoutMs: 1_000 });
    const k = key("restart");
    const instanceId = "restart-instance";
    const wakes: LockWake[] = [];
    const stop = await store.subscribe(instanceId, (wake) => wakes.push(wake));
    const before = tokenOf(await store.acquire(request(k, "before")));
    expect(await store.release(k, "before", before)).toBe(true);

    await etcd.kill("SIGKILL");
    const down = await rejection(settlesWithin(store.acquire(request(k, "during")), 30_000));
    expect(down.code).toBe("UNAVAILABLE");
    expect(down.details).toEqual({ backend: "etcd", at: etcd.endpoint });

    await etcd.restart();
    // No circuit breaker outlives the outage: the store answers as soon as etcd does.
    const after = await eventually(async () => tokenOf(await store!.acquire(request(k, "after"))), "the store serves again");
    expect(after > before).toBe(true);
    // The watch reconnected by itself: a notice written now arrives.
    expect((await store.acquire(request(k, "waiter", { wait: true, instanceId }))).granted).toBe(false);
    expect(await store.release(k, "after", after)).toBe(true);
    await eventually(async () => wakes.some((w) => w.holderIds.includes("waiter")), "the wake-up after the restart arrives");
    await stop();
  });

  it("a stalled etcd (SIGSTOP) makes every call, watches included, UNAVAILABLE instead of a hang; service resumes once it continues", async () => {
    store ??= await openEtcdLockStore({ endpoints: [etcd.endpoint], prefix: "restart/", commandTimeoutMs: 1_000 });
    const s = store;
    const k = key("stall");
    await etcd.kill("SIGSTOP");
    try {
      const calls: [string, () => Promise<unknown>][] = [
        ["acquire", () => s.acquire(request(k, "during"))],
        ["snapshot", () => s.snapshot()],
        ["wake", () => s.wake("stalled", { key: k, holderIds: ["x"] })],
        ["subscribe", () => s.subscribe("stalled", () => {})],
        ["onRevoked", () => s.onRevoked(() => {})],
        ["open", () => openEtcdLockStore({ endpoints: [etcd.endpoint], commandTimeoutMs: 1_000 })],
      ];
      for (const [what, call] of calls) {
        const error = await rejection(settlesWithin(call(), 30_000));
        expect(error.code, what).toBe("UNAVAILABLE");
        expect(error.details, what).toEqual({ backend: "etcd", at: etcd.endpoint });
      }
    } finally {
      await etcd.kill("SIGCONT");
    }
    const lease = await eventually(async () => tokenOf(await s.acquire(request(k, "after-stall"))), "the store serves again");
    expect(await s.release(k, "after-stall", lease)).toBe(true);
  });
});

describe("etcd lock store with etcd authentication", () => {
  let etcd: EtcdServer;
  let store: EtcdLockStore | null = null;
  beforeAll(async () => {
    etcd = await startEtcd({ name: "etcd-auth" });
    // A user that may only read and write under the store's prefix, as an operator would set it up.
    const admin = new Etcd3({ hosts: [etcd.endpoint] });
    try {
      await admin.role("root").create();
      await (await admin.user("root").create("root-password")).addRole("root");
      await admin.role("interlock").create();
      await admin.role("interlock").grant({ permission: "Readwrite", range: Range.prefix("auth/") });
      await (await admin.user("interlock").create("lock-password")).addRole("interlock");
      await admin.auth.authEnable();
    } finally {
      admin.close();
    }
  });
  afterAll(async () => {
    await store?.close();
    await etcd?.stop();
  });

  it("works as a user whose permissions cover only its prefix, and refuses a wrong password as UNAVAILABLE naming the address", async () => {
    const wrong = await rejection(settlesWithin(openEtcdLockStore({ endpoints: [etcd.endpoint], prefix: "auth/", username: "interlock", password: "nope", commandTimeoutMs: 2_000 }), 30_000));
    expect(wrong.code).toBe("UNAVAILABLE");
    expect(wrong.details).toEqual({ backend: "etcd", at: etcd.endpoint });
    store = await openEtcdLockStore({ endpoints: [etcd.endpoint], prefix: "auth/", username: "interlock", password: "lock-password" });
    const k = key("auth");
    const instanceId = "auth-instance";
    const wakes: LockWake[] = [];
    const stop = await store.subscribe(instanceId, (wake) => wakes.push(wake));
    const held = tokenOf(await store.acquire(request(k, "holder")));
    expect((await store.acquire(request(k, "waiter", { wait: true, instanceId }))).granted).toBe(false);
    expect(await store.release(k, "holder", held)).toBe(true);
    await eventually(async () => wakes.length > 0, "the wake-up arrives");
    expect((await store.snapshot()).locks.map((l) => l.waiters.map((w) => w.holderId))).toEqual([["waiter"]]);
    await stop();
  });
});
