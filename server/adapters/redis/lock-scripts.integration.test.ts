// The lock scripts (lua/*.lua, assembled by lock-scripts.ts) called directly
// with EVALSHA against a real Redis (REDIS_URL, default redis://127.0.0.1:6379),
// without the store around them: each script's arguments and reply are its
// contract with lock-store.ts. Keys live under a random prefix, deleted afterwards.
import crypto from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCK_SCRIPTS, META_LENGTH, META_VERSION, STATE_MARGIN_MS, STATS_TTL_MS, type LockScriptName } from "./lock-scripts";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const PREFIX = `interlock:test:scripts:${crypto.randomBytes(4).toString("hex")}:`;

let redis: Redis;
let subscriber: Redis;
let run = 0;
const keyOf = (name: string) => `${PREFIX}{SERVICE:${name}-${++run}}:state`;

const sha = (name: LockScriptName) => crypto.createHash("sha1").update(LOCK_SCRIPTS[name]).digest("hex");
const call = (name: LockScriptName, key: string, ...args: (string | number)[]) => redis.evalsha(sha(name), 1, key, ...args.map(String)) as Promise<unknown>;

interface Ask {
  mode?: "E" | "S";
  ttl?: number;
  priority?: number;
  wait?: boolean;
  queueTtl?: number;
  contended?: boolean;
  waited?: number;
  instance?: string;
}
const acquire = (key: string, id: string, a: Ask = {}) =>
  call("interlockLockAcquire", key, id, a.mode ?? "E", a.ttl ?? 30_000, a.priority ?? 2, a.wait ? 1 : 0, a.queueTtl ?? 30_000, a.contended ? 1 : 0, a.waited ?? 0, a.instance ?? "inst-a");

/** A grant's reply, "<token>|<mode>|<acquiredAt>|<expiresAt>|<reentrant>", as fields. */
function granted(reply: unknown) {
  if (typeof reply !== "string") throw new Error(`expected a grant, got ${JSON.stringify(reply)}`);
  const [token, mode, acquiredAt, expiresAt, reentrant] = reply.split("|");
  return { token: BigInt(token!), mode, acquiredAt: Number(acquiredAt), expiresAt: Number(expiresAt), reentrant: reentrant === "1" };
}
/** A refusal's reply: next expiry, then blockers and waiters ahead, 5 fields each. */
function refused(reply: unknown) {
  if (!Array.isArray(reply)) throw new Error(`expected a refusal, got ${JSON.stringify(reply)}`);
  const nextExpiryMs = Number(reply[0]);
  const end = 2 + Number(reply[1]) * 5;
  const rows = (from: number, to: number) => Array.from({ length: (to - from) / 5 }, (_, i) => reply.slice(from + i * 5, from + i * 5 + 5) as string[]);
  return { nextExpiryMs, blockers: rows(2, end).map(([id, mode, token]) => ({ id, mode, token: BigInt(token!) })), ahead: rows(end, reply.length).map(([id, mode, priority]) => ({ id, mode, priority: Number(priority) })) };
}

/** Messages on one channel, in arrival order. */
async function hear(channel: string) {
  const heard: unknown[] = [];
  subscriber.on("message", (from: string, message: string) => {
    if (from === channel) heard.push(JSON.parse(message));
  });
  await subscriber.subscribe(channel);
  return heard;
}
/** Waits until a marker published after everything else on `channel` arrives; returns what came before it. */
async function settled(channel: string, heard: unknown[]) {
  const marker = { marker: crypto.randomUUID() };
  await redis.publish(channel, JSON.stringify(marker));
  for (let i = 0; !heard.some((m) => (m as { marker?: string }).marker === marker.marker); i++) {
    if (i > 1_000) throw new Error(`the marker on ${channel} never arrived`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return heard.filter((m) => !(m as { marker?: string }).marker);
}

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  subscriber = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  for (const lua of Object.values(LOCK_SCRIPTS)) await redis.script("LOAD", lua);
});

afterAll(async () => {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${PREFIX}*`, "COUNT", 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
  redis.disconnect();
  subscriber.disconnect();
});

describe("acquire.lua", () => {
  it("grants a free lock: token, mode, acquiredAt and expiresAt = acquiredAt + ttl, not reentrant; the lease is in `holders`", async () => {
    const key = keyOf("grant");
    const lease = granted(await acquire(key, "op-1", { ttl: 10_000 }));
    expect(lease).toMatchObject({ mode: "E", reentrant: false });
    expect(lease.expiresAt - lease.acquiredAt).toBe(10_000);
    expect(await redis.hget(key, "holders")).toBe(`E|${lease.token}|${lease.acquiredAt}|${lease.expiresAt}|4|op-1`);
    // The key keeps the statistics for 7 days.
    expect(await redis.pttl(key)).toBeGreaterThan(STATS_TTL_MS - 60_000);
    expect(await redis.pttl(key)).toBeLessThanOrEqual(STATS_TTL_MS);
  });

  it("re-grants to its holder: same token and mode, reentrant, expiry only moved later", async () => {
    const key = keyOf("reentrant");
    const first = granted(await acquire(key, "op-1", { mode: "S", ttl: 1_000 }));
    const again = granted(await acquire(key, "op-1", { mode: "E", ttl: 20_000 }));
    expect(again).toMatchObject({ token: first.token, mode: "S", acquiredAt: first.acquiredAt, reentrant: true });
    expect(again.expiresAt).toBeGreaterThanOrEqual(first.acquiredAt + 20_000);
    expect(granted(await acquire(key, "op-1", { ttl: 10 })).expiresAt).toBe(again.expiresAt);
  });

  it("lets SHARED in together and refuses EXCLUSIVE with every SHARED holder as a blocker", async () => {
    const key = keyOf("shared");
    const a = granted(await acquire(key, "r1", { mode: "S" }));
    const b = granted(await acquire(key, "r2", { mode: "S" }));
    expect(b.token > a.token).toBe(true);
    const writer = refused(await acquire(key, "w"));
    expect(writer.blockers).toEqual([
      { id: "r1", mode: "S", token: a.token },
      { id: "r2", mode: "S", token: b.token },
    ]);
    expect(writer.nextExpiryMs).toBeGreaterThan(0);
    expect(writer.nextExpiryMs).toBeLessThanOrEqual(30_000);
    // Without wait, a refusal leaves no queue place.
    expect(await redis.hexists(key, "w:w")).toBe(0);
  });

  it("queues by priority class, then arrival; a waiter asking again keeps its place; only the head may go", async () => {
    const key = keyOf("queue");
    const held = granted(await acquire(key, "holder"));
    refused(await acquire(key, "normal-1", { wait: true, priority: 2 }));
    refused(await acquire(key, "low", { wait: true, priority: 3 }));
    refused(await acquire(key, "normal-2", { wait: true, priority: 2 }));
    expect(refused(await acquire(key, "critical", { wait: true, priority: 0 })).ahead).toEqual([]);
    expect(refused(await acquire(key, "normal-2", { wait: true, priority: 0 })).ahead.map((w) => w.id)).toEqual(["critical", "normal-1"]);
    expect(refused(await acquire(key, "probe", { priority: 2 })).ahead.map((w) => w.id)).toEqual(["critical", "normal-1", "normal-2"]);
    expect(await call("interlockLockRelease", key, "holder", held.token.toString())).toBe(1);
    const order: string[] = [];
    for (let round = 0; round < 4; round++) {
      for (const id of ["low", "normal-2", "normal-1", "critical"]) {
        if (order.includes(id)) continue;
        const reply = await acquire(key, id, { wait: true, priority: id === "critical" ? 0 : id === "low" ? 3 : 2 });
        if (typeof reply !== "string") continue;
        order.push(id);
        await call("interlockLockRelease", key, id, granted(reply).token.toString());
        break;
      }
    }
    expect(order).toEqual(["critical", "normal-1", "normal-2", "low"]);
    expect(await redis.hkeys(key)).toEqual(expect.not.arrayContaining([expect.stringMatching(/^w:/)]));
  });

  it("makes SHARED wait behind a queued EXCLUSIVE, with no lease to wait for", async () => {
    const key = keyOf("fair");
    granted(await acquire(key, "reader", { mode: "S" }));
    refused(await acquire(key, "writer", { wait: true }));
    const late = refused(await acquire(key, "reader-2", { mode: "S", wait: true }));
    expect(late).toEqual({ nextExpiryMs: -1, blockers: [], ahead: [{ id: "writer", mode: "E", priority: 2 }] });
  });

  it("counts grants, contended ones and their wait in meta and contention", async () => {
    const key = keyOf("stats");
    const first = granted(await acquire(key, "op-1"));
    await call("interlockLockRelease", key, "op-1", first.token.toString());
    granted(await acquire(key, "op-2", { contended: true, waited: 70 }));
    const [meta, contention] = await redis.hmgetBuffer(key, "meta", "contention");
    expect(meta).toHaveLength(META_LENGTH);
    expect(meta![0]).toBe(META_VERSION);
    const [expiry, lastToken, acquisitions, releases] = [1, 9, 17, 25].map((at) => meta!.readDoubleBE(at));
    expect(expiry).toBeGreaterThan(first.acquiredAt + STATS_TTL_MS - 60_000);
    expect(lastToken).toBeGreaterThan(Number(first.token));
    expect([acquisitions, releases]).toEqual([2, 1]);
    expect(contention!.toString()).toBe("1|70|70");
  });
});

describe("fencing tokens", () => {
  it("only grow: across grants, modes and force releases, and when Redis loses the key", async () => {
    const key = keyOf("fence");
    const tokens: bigint[] = [];
    for (let i = 0; i < 20; i++) {
      const lease = granted(await acquire(key, `op-${i}`, { mode: i % 3 ? "E" : "S" }));
      tokens.push(lease.token);
      if (i % 2) await call("interlockLockRelease", key, `op-${i}`, lease.token.toString());
      else await call("interlockLockForceRelease", key, "*", "");
    }
    await redis.del(key);
    tokens.push(granted(await acquire(key, "after-loss")).token);
    for (let i = 1; i < tokens.length; i++) expect(tokens[i]! > tokens[i - 1]!).toBe(true);
  });
});

describe("extend.lua and release.lua", () => {
  it("renew and end a lease only with its holder and token; a stale token is refused", async () => {
    const key = keyOf("token");
    const lease = granted(await acquire(key, "op-1", { ttl: 5_000 }));
    expect(await call("interlockLockExtend", key, "op-1", (lease.token + 1n).toString(), 60_000)).toBe(-1);
    expect(await call("interlockLockExtend", key, "op-2", lease.token.toString(), 60_000)).toBe(-1);
    const expiry = (await call("interlockLockExtend", key, "op-1", lease.token.toString(), 60_000)) as number;
    expect(expiry).toBeGreaterThanOrEqual(lease.acquiredAt + 60_000);
    expect(refused(await acquire(key, "op-2")).nextExpiryMs).toBeGreaterThan(5_000);
    expect(await call("interlockLockRelease", key, "op-1", (lease.token - 1n).toString())).toBe(0);
    expect(await call("interlockLockRelease", key, "op-2", lease.token.toString())).toBe(0);
    expect(await call("interlockLockRelease", key, "op-1", lease.token.toString())).toBe(1);
    expect(await call("interlockLockRelease", key, "op-1", lease.token.toString())).toBe(0);
    expect(await call("interlockLockExtend", key, "op-1", lease.token.toString(), 60_000)).toBe(-1);
    // A later grant's token is not the stale one.
    const next = granted(await acquire(key, "op-1"));
    expect(await call("interlockLockRelease", key, "op-1", lease.token.toString())).toBe(0);
    expect(await call("interlockLockRelease", key, "op-1", next.token.toString())).toBe(1);
  });

  it("a release wakes, per instance and in queue order, the waiters the grant rule admits", async () => {
    const key = keyOf("wake");
    const channelA = `${PREFIX}wake:script-a`;
    const channelB = `${PREFIX}wake:script-b`;
    const [a, b] = [await hear(channelA), await hear(channelB)];
    const held = granted(await acquire(key, "holder"));
    refused(await acquire(key, "s1", { mode: "S", wait: true, instance: "script-a" }));
    refused(await acquire(key, "s2", { mode: "S", wait: true, instance: "script-b" }));
    refused(await acquire(key, "s3", { mode: "S", wait: true, instance: "script-a" }));
    refused(await acquire(key, "e4", { wait: true, instance: "script-b" }));
    refused(await acquire(key, "s5", { mode: "S", wait: true, instance: "script-a" }));
    expect(await call("interlockLockRelease", key, "holder", held.token.toString())).toBe(1);
    const resource = /\{SERVICE:([^}]*)\}/.exec(key)![1];
    expect(await settled(channelA, a)).toEqual([{ scope: "SERVICE", resource, holderIds: ["s1", "s3"] }]);
    expect(await settled(channelB, b)).toEqual([{ scope: "SERVICE", resource, holderIds: ["s2"] }]);
  });
});

describe("cancel-wait.lua", () => {
  it("leaves the queue (1), or had no place (0), and wakes whoever the departure lets in", async () => {
    const key = keyOf("cancel");
    const channel = `${PREFIX}wake:cancel-b`;
    const heard = await hear(channel);
    granted(await acquire(key, "reader", { mode: "S" }));
    refused(await acquire(key, "writer", { wait: true, instance: "cancel-a" }));
    refused(await acquire(key, "reader-2", { mode: "S", wait: true, instance: "cancel-b" }));
    expect(await call("interlockLockCancelWait", key, "nobody")).toBe(0);
    expect(await call("interlockLockCancelWait", key, "writer")).toBe(1);
    expect(await redis.hexists(key, "w:writer")).toBe(0);
    expect(await settled(channel, heard)).toMatchObject([{ holderIds: ["reader-2"] }]);
  });
});

describe("force-release.lua", () => {
  it("removes the leases named, returns them, announces each on <prefix>revoked with its reason, and wakes the queue", async () => {
    const key = keyOf("force");
    const revoked = `${PREFIX}revoked`;
    const wakes = `${PREFIX}wake:force-w`;
    const [notices, heard] = [await hear(revoked), await hear(wakes)];
    const r1 = granted(await acquire(key, "r1", { mode: "S" }));
    const r2 = granted(await acquire(key, "r2", { mode: "S" }));
    refused(await acquire(key, "writer", { wait: true, instance: "force-w" }));
    expect(await call("interlockLockForceRelease", key, "=nobody", "none")).toEqual([]);
    expect(await call("interlockLockForceRelease", key, "=r1", "")).toEqual(["r1", "S", r1.token.toString(), String(r1.acquiredAt), String(r1.expiresAt)]);
    expect(await settled(wakes, heard)).toEqual([]);
    expect(await call("interlockLockForceRelease", key, "*", "preempted")).toEqual(["r2", "S", r2.token.toString(), String(r2.acquiredAt), String(r2.expiresAt)]);
    const resource = /\{SERVICE:([^}]*)\}/.exec(key)![1];
    expect(await settled(revoked, notices)).toEqual([
      { scope: "SERVICE", resource, holderId: "r1", token: r1.token.toString() },
      { scope: "SERVICE", resource, holderId: "r2", token: r2.token.toString(), reason: "preempted" },
    ]);
    expect(await settled(wakes, heard)).toMatchObject([{ holderIds: ["writer"] }]);
    expect(await call("interlockLockRelease", key, "r2", r2.token.toString())).toBe(0);
  });
});

describe("key expiry", () => {
  it("never ends before a queue place does", async () => {
    const key = keyOf("expiry");
    granted(await acquire(key, "op-1"));
    refused(await acquire(key, "op-2", { wait: true, queueTtl: STATS_TTL_MS * 2 }));
    expect(await redis.pttl(key)).toBeGreaterThan(STATS_TTL_MS * 2 + STATE_MARGIN_MS - 60_000);
  });
});
