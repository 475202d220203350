// The Redis lock store through a Redis Cluster failover (docs/locks-redis-ha.md#cluster):
// three masters with one replica each, started here on free ports in a temp
// dir and killed afterwards whatever happens; the stores opened from
// REDIS_CLUSTER_NODES. One lock is followed through the failure of the master
// that holds its slot, with replication to that master's replica cut first,
// as asynchronous replication may leave it (see cutReplication in
// server/testing/redis-servers.ts):
//   G takes and releases the lock while replication runs (the replica has G's token);
//   replication is cut; H takes the lock (only the master has it);
//   the master is SIGKILLed; the Cluster promotes the replica;
//   H's renewal finds no lease there, and H2's grant gets a token above H's.
// A probe asks the store about the lock every 100 ms from the kill until the
// promoted replica answers. Only outcomes are asserted, never timing.
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../core/errors";
import { LockManager } from "../../core/locks/lock-manager";
import type { LockKey } from "../../core/locks/types";
import { parseEnv } from "../../env";
import { cutReplication, infoField, startRedisCluster, stopRedisProcesses, waitForReplication, waitUntil, type RedisProcess, type RunningCluster } from "../../testing/redis-servers";
import { openRedisLockStore, type RedisLockStore } from "./lock-store";

const PREFIX = `interlock:test:cluster-failover:${crypto.randomBytes(4).toString("hex")}:`;
const KEY: LockKey = { scope: "SERVICE", resource: "payment-service" };
const HANG_MS = 20_000;

let dir: string;
let cluster: RunningCluster;
const stores: RedisLockStore[] = [];
const managers: LockManager[] = [];
const admins: { disconnect(): void }[] = [];

const seen = {
  g: 0n,
  h: 0n,
  h2: 0n,
  replicaHoldersBeforeKill: "",
  hLost: null as AppError | null,
  /** The probe's outcomes from the kill until the promoted replica answered: "ok", an error code, or "hang". */
  probes: [] as string[],
  probeMessages: [] as string[],
};

/** `promise`, or "hang" if it has not settled after HANG_MS. */
function bounded<T>(promise: Promise<T>): Promise<T | "hang"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<"hang">((resolve) => {
    timer = setTimeout(() => resolve("hang"), HANG_MS);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

function admin(node: RedisProcess) {
  const client = node.client();
  admins.push(client);
  return client;
}

/** The slot ranges a master serves, from its own line of CLUSTER NODES. */
async function slotsOf(node: RedisProcess): Promise<[number, number][]> {
  const client = admin(node);
  const myself = String(await client.cluster("NODES"))
    .split("\n")
    .find((line) => line.split(" ")[2]?.includes("myself"));
  return (myself?.split(" ").slice(8) ?? []).filter((r) => /^\d+(-\d+)?$/.test(r)).map((r) => {
    const [from, to] = r.split("-").map(Number);
    return [from!, to ?? from!];
  });
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "interlock-redis-cluster-failover-"));
  cluster = await startRedisCluster({ parentDir: dir, masters: 3, replicas: 1, nodeTimeoutMs: 1_000 });
  const connection = parseEnv({ REDIS_CLUSTER_NODES: cluster.nodes.map((n) => `${n.host}:${n.port}`).join(",") }).redisLocks!;
  for (let i = 0; i < 3; i++) {
    const store = await openRedisLockStore({ connection, prefix: PREFIX });
    stores.push(store);
    managers.push(await LockManager.start({ store, instanceId: `cluster-failover-${i}` }));
  }

  // The master serving the lock's slot, and its replica.
  const slot = Number(await admin(cluster.masters[0]!).cluster("KEYSLOT", stores[0]!.keyOf(KEY)));
  let master: RedisProcess | undefined;
  for (const candidate of cluster.masters) if ((await slotsOf(candidate)).some(([from, to]) => slot >= from && slot <= to)) master = candidate;
  const replica = cluster.replicasOf.get(master!.port)![0]!;
  const masterAdmin = admin(master!);
  const replicaAdmin = admin(replica);

  const g = await managers[0]!.acquire("holder-G", KEY, { ttlMs: 15_000 });
  seen.g = g.fencingToken;
  await g.release();
  await waitForReplication(masterAdmin, replicaAdmin);
  await cutReplication(masterAdmin, replicaAdmin);

  const h = await managers[1]!.acquire("holder-H", KEY, { ttlMs: 15_000 });
  seen.h = h.fencingToken;
  // A Cluster replica redirects reads to its master unless the connection asks to read from it.
  await replicaAdmin.call("READONLY");
  seen.replicaHoldersBeforeKill = (await replicaAdmin.hget(stores[1]!.keyOf(KEY), "holders")) ?? "";
  const hLost = new Promise<AppError>((resolve) => h.signal.addEventListener("abort", () => resolve(h.signal.reason as AppError), { once: true }));

  await master!.kill("SIGKILL");
  for (;;) {
    const outcome = await bounded(stores[2]!.extend(KEY, "probe", 1n, 1_000).then(
      () => "ok",
      (error: unknown) => {
        if (seen.probeMessages.length < 5) seen.probeMessages.push((error as Error).message);
        return error instanceof AppError ? error.code : `not an AppError: ${String(error)}`;
      },
    ));
    seen.probes.push(outcome);
    if (outcome === "ok" || outcome === "hang" || seen.probes.length > 600) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await waitUntil(async () => infoField(await replicaAdmin.info("replication"), "role") === "master", "the replica has become a master");

  const lost = await bounded(hLost);
  seen.hLost = lost === "hang" ? null : lost;
  const h2 = await managers[2]!.acquire("holder-H2", KEY, { ttlMs: 15_000, waitTimeoutMs: 10_000 });
  seen.h2 = h2.fencingToken;
  await h2.release();
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(managers.map((m) => m.close()));
  await Promise.allSettled(stores.map((s) => s.close()));
  for (const client of admins) client.disconnect();
  await stopRedisProcesses();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe("Redis Cluster failover (docs/locks-redis-ha.md#cluster)", () => {
  it("while the lock's master is down every call fails with UNAVAILABLE naming the Cluster, none hangs, and the promoted replica answers", () => {
    console.log(`[cluster failover] ${JSON.stringify({ probes: seen.probes.length, outcomes: [...new Set(seen.probes)], sample: seen.probeMessages.slice(0, 2) })}`);
    expect(seen.probes.at(-1)).toBe("ok");
    expect(seen.probes.slice(0, -1).every((outcome) => outcome === "UNAVAILABLE")).toBe(true);
    expect(seen.probes.length).toBeGreaterThan(1);
    expect(seen.probeMessages[0]).toContain("Redis lock store at Cluster 127.0.0.1:");
  });

  it("a lease granted on the failed master that its replica never got is found lost at the holder's next renewal, and the next grant's token is higher", () => {
    expect(seen.replicaHoldersBeforeKill).not.toContain("holder-H");
    expect(seen.hLost).toMatchObject({ code: "LOCK_LOST" });
    expect(String((seen.hLost!.details as { reason?: unknown }).reason)).toContain("the store no longer has it");
    // The promoted replica's last token is G's: "+ 1" alone would have repeated H's.
    expect(seen.g + 1n <= seen.h).toBe(true);
    expect(seen.h2 > seen.h).toBe(true);
  });
});
