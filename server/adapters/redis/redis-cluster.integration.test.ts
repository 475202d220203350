// The Redis lock store and the sign-in throttle store on a real Redis Cluster
// (docs/locks-redis-ha.md#cluster): three masters started here, each on free
// ports with its own directory, joined with `redis-cli --cluster create`, and
// killed afterwards whatever happens; every node requires a password. Both
// stores are opened the way the server opens them: from REDIS_CLUSTER_NODES and
// REDIS_PASSWORD through parseEnv and the one client factory (redis-client.ts). The lock store runs the whole LockStore contract,
// the throttle store its own; every key of a lock, and of a throttle counter,
// lives in one slot, so nothing here needs a multi-slot command.
import crypto from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../core/errors";
import { parseEnv } from "../../env";
import { freePort } from "../../testing/prometheus";
import { describeLockStoreContract } from "../../testing/lock-store-contract";
import { startRedisCluster, stopRedisProcesses, type RunningCluster } from "../../testing/redis-servers";
import { describeSignInThrottleStore } from "../../testing/sign-in-throttle-contract";
import { openRedisLockStore, type RedisLockStore } from "./lock-store";
import type { RedisConnectionConfig } from "./redis-client";
import { openRedisSignInThrottleStore, type RedisSignInThrottleStore } from "./sign-in-throttle-store";

const PASSWORD = `cluster-${crypto.randomBytes(4).toString("hex")}`;
let dir: string;
let cluster: RunningCluster;
/** What the server would build from REDIS_CLUSTER_NODES. */
let connection: RedisConnectionConfig;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "interlock-redis-cluster-"));
  cluster = await startRedisCluster({ parentDir: dir, masters: 3, password: PASSWORD });
  const env = parseEnv({ REDIS_CLUSTER_NODES: cluster.nodes.map((n) => `${n.host}:${n.port}`).join(","), REDIS_PASSWORD: PASSWORD });
  connection = env.redisLocks!;
}, 120_000);

afterAll(async () => {
  await stopRedisProcesses();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe("Redis Cluster configuration", () => {
  it("REDIS_CLUSTER_NODES opens a Cluster client whose locks spread over the masters, one slot per lock", async () => {
    expect(connection).toMatchObject({ kind: "cluster", nodes: cluster.nodes, password: PASSWORD });
    const store = await openRedisLockStore({ connection, prefix: `test:cluster:${crypto.randomBytes(4).toString("hex")}:` });
    try {
      const holders = Array.from({ length: 24 }, (_, i) => ({ key: { scope: "SERVICE" as const, resource: `svc-${i}` }, holderId: `h-${i}` }));
      for (const { key, holderId } of holders) {
        const result = await store.acquire({ key, holderId, mode: "EXCLUSIVE", ttlMs: 30_000, priority: 2, instanceId: "i", wait: false, queueTtlMs: 30_000, contended: false, waitedMs: 0 });
        expect(result.granted).toBe(true);
      }
      // Every master holds some of the locks: the Cluster, not one node, is in use.
      const perMaster = await Promise.all(
        cluster.masters.map(async (master) => {
          const client = master.client();
          try {
            return await client.dbsize();
          } finally {
            client.disconnect();
          }
        }),
      );
      expect(perMaster.every((n) => n > 0)).toBe(true);
      expect(perMaster.reduce((a, b) => a + b, 0)).toBe(holders.length);
      expect((await store.snapshot()).locks).toHaveLength(holders.length);
    } finally {
      await store.close();
    }
  });

  it("with no seed node answering, opening the store fails with UNAVAILABLE naming the Cluster, instead of waiting for one", async () => {
    const nobody = await freePort();
    const unreachable = parseEnv({ REDIS_CLUSTER_NODES: `127.0.0.1:${nobody}` }).redisLocks!;
    const error = await openRedisLockStore({ connection: unreachable, prefix: "test:cluster:unreachable:", commandTimeoutMs: 1_000 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "UNAVAILABLE", details: { backend: "redis", at: `Cluster 127.0.0.1:${nobody}` } });
  });
});

describeLockStoreContract("Redis Cluster (3 masters)", async () => {
  const prefix = `test:contract:${crypto.randomBytes(4).toString("hex")}:`;
  const store = await openRedisLockStore({ connection, prefix });
  const others: RedisLockStore[] = [];
  return {
    store,
    // Another process's store: its own Cluster client, the same keys and channels.
    async another() {
      const other = await openRedisLockStore({ connection, prefix });
      others.push(other);
      return other;
    },
    async close() {
      for (const other of others) await other.close();
      await store.close();
      // The Cluster itself is removed in afterAll.
    },
  };
});

let a: RedisSignInThrottleStore;
let b: RedisSignInThrottleStore;
describe("sign-in throttle on a Cluster", () => {
  beforeAll(() => {
    const prefix = `test:signin:${crypto.randomBytes(4).toString("hex")}:`;
    a = openRedisSignInThrottleStore({ connection, prefix });
    b = openRedisSignInThrottleStore({ connection, prefix });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });
  describeSignInThrottleStore("Redis Cluster", () => ({ a, b }));
});
