// The lock store contract against every backend: real Redis, real Postgres, and PGlite.
import crypto from "node:crypto";
import { Redis } from "ioredis";
import { PostgresLockStore } from "../adapters/postgres/lock-store";
import { afterAll, beforeAll } from "vitest";
import { openEtcdLockStore, type EtcdLockStore } from "../adapters/etcd/lock-store";
import { openRedisLockStore } from "../adapters/redis/lock-store";
import { startEtcd, type EtcdServer } from "./etcd";
import { describeLockStoreContract } from "./lock-store-contract";
import { openTestStore } from "./stores";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

describeLockStoreContract("Redis", async () => {
  const prefix = `test:contract:${crypto.randomBytes(4).toString("hex")}:`;
  const store = await openRedisLockStore({ url: REDIS_URL, prefix });
  const others: Awaited<ReturnType<typeof openRedisLockStore>>[] = [];
  return {
    store,
    // Another process's store: its own connections, the same keys and channels.
    async another() {
      const other = await openRedisLockStore({ url: REDIS_URL, prefix });
      others.push(other);
      return other;
    },
    async close() {
      for (const other of others) await other.close();
      await store.close();
      // The store keeps statistics for days; a test leaves nothing behind.
      const redis = new Redis(REDIS_URL);
      try {
        let cursor = "0";
        do {
          const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
          cursor = next;
          if (keys.length) await redis.del(...keys);
        } while (cursor !== "0");
      } finally {
        redis.disconnect();
      }
    },
  };
});

for (const kind of ["postgres", "pglite"] as const) {
  describeLockStoreContract(kind === "postgres" ? "Postgres" : "PGlite", async () => {
    const testStore = await openTestStore(kind, "lock_contract", { poolSize: 8 });
    const others: PostgresLockStore[] = [];
    return {
      store: new PostgresLockStore(testStore.db),
      // Another store on the same database (on Postgres the NOTIFY still goes through the server; PGlite has one process).
      async another() {
        const other = new PostgresLockStore(testStore.db);
        others.push(other);
        return other;
      },
      async close() {
        for (const other of others) await other.close();
        await testStore.close();
      },
    };
  });
}

// One real etcd (Debian's 3.4) for the file, on free ports with its data on /dev/shm (testing/etcd.ts).
let etcd: EtcdServer | null = null;
beforeAll(async () => {
  etcd = await startEtcd({ name: "lock-contract" });
});
afterAll(async () => {
  await etcd?.stop();
});

describeLockStoreContract("etcd", async () => {
  const prefix = `test/contract/${crypto.randomBytes(4).toString("hex")}/`;
  const endpoints = [etcd!.endpoint];
  const store = await openEtcdLockStore({ endpoints, prefix });
  const others: EtcdLockStore[] = [];
  return {
    store,
    // Another process's store: its own client, lease and watches, the same keys.
    async another() {
      const other = await openEtcdLockStore({ endpoints, prefix });
      others.push(other);
      return other;
    },
    async close() {
      for (const other of others) await other.close();
      await store.close();
    },
  };
});
