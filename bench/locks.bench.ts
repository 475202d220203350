// `npm run bench -- locks`: the distributed lock manager against the alternatives,
// all in one run, on the same Redis (REDIS_URL, default redis://127.0.0.1:6379)
// and the machine's Postgres:
//   - raw: `SET key token NX PX 30000` + `DEL key` with ioredis (the limit: no
//     ownership check on release, no fencing, no queue);
//   - Redlock (@sesamecare-oss/redlock) on one ioredis client;
//   - Interlock's LockManager over the Redis lock store;
//   - Interlock's LockManager over the Postgres lock store;
//   - Interlock's LockManager over the etcd lock store, and the etcd3 package's
//     own lock recipe (`client.lock(key).ttl(30).acquire()`, then `release()`),
//     both on the same etcd: one member started for this run by
//     server/testing/etcd.ts, its data dir on tmpfs (/dev/shm), so neither etcd
//     contender pays for a disk fsync and the two compare the locks, not the disk.
// For each: uncontended acquire+release pairs per second at concurrency 1 and 64
// (every loop on its own resource) with acquire latency p50/p99; then the
// contended hand-off: 32 waiters on one resource, the time from a release call to
// the next holder's acquire returning.
//
// Client settings: the same for every Redis contender, so the ratios compare the
// locks, not the clients. Each has its own ioredis client made with CLIENT_OPTIONS:
// auto-pipelining on (concurrent commands of one tick share a socket write),
// one retry per request, no per-command timeout. BENCH_REDIS_AUTOPIPELINE=0 runs
// every contender on a plain client instead.
//   - raw: commands on that client;
//   - Redlock: that client, with the settings its README shows (retryCount 10,
//     retryDelay 200, retryJitter 200, driftFactor 0.01; the library's own default
//     jitter is 100); the hand-off run overrides retryCount to -1 (never give up).
//     It declares peer ioredis >=5 and works unchanged on ioredis 6.0.0
//     (defineCommand + EVALSHA; checked here: every pair succeeds and the hand-off
//     run never sees two holders at once);
//   - Interlock on Redis: the Redis lock store over that client
//     (openRedisLockStore({ client })), plus the duplicate the store makes of it
//     for wake-ups. Whatever the store does with its own writes (see
//     server/adapters/redis/lock-store.ts) is part of the lock, so it stays in;
//     a client the store is given has no store-side command timeout, like the
//     others;
//   - Interlock on Postgres: a pg pool of PG_POOL_SIZE connections.
// The Postgres reference, pg_tx_s (bench/lib/pg-reference.ts), is measured on
// the same database, for Interlock on Postgres, which commits per acquire and
// per release.
// Every lease is 30 s. Interlock runs with `autoExtend: false`, as Redlock's
// acquire() does not renew either (only its `using` does), so neither side pays
// for renewal; the lease still keeps its validity timer (armed once it has been held a
// quarter second, see server/core/locks/lease.ts, so these short holds never arm one).
//
// etcd: each etcd contender has its own etcd3 client made by etcdClientOptions()
// (the library's defaults, one host), like the Redis ones:
//   - Interlock on etcd: openEtcdLockStore({ client }) under the same LockManager
//     path and options as Interlock on Redis (the store still puts its own
//     per-call deadline, commandTimeoutMs, on what it sends);
//   - the etcd3 recipe: its acquire() grants a lease (and opens that lease's
//     keep-alive stream), then puts the key under it if the key does not exist,
//     and fails at once (EtcdLockFailedError) if it does; release() revokes the
//     lease. It has no queue, so its hand-off waiters retry after
//     ETCD_RECIPE_RETRY_MS plus up to as much jitter (a failed try costs a lease
//     grant, a transaction and a revoke).
// The server µs column for etcd is the member's process_cpu_seconds_total (its /metrics).
//
// BENCH_LOCKS_ONLY=etcd (or any comma-separated subset of redis, postgres, etcd)
// runs only those contenders; the others' figures come out null. bench/run.ts
// records every run in bench/results/locks.json, so record a partial run under
// a tag (`BENCH_LOCKS_ONLY=etcd npm run bench -- locks --tag etcd-only`), or use
// --quick, rather than replace the full results.
//
// BENCH_DURATION_MS sets the time per throughput case (default 3000),
// BENCH_HANDOFFS the number of hand-offs measured (default 400). CPU per pair:
// bench/lib/cpu.ts. One run prints its tables, then one JSON line; bench/run.ts
// repeats it.
import crypto from "node:crypto";
import { Redlock } from "@sesamecare-oss/redlock";
import { Etcd3, EtcdLockFailedError, type IOptions as EtcdClientOptions } from "etcd3";
import Redis from "ioredis";
import { openEtcdLockStore } from "../server/adapters/etcd/lock-store";
import { openDatabase, type Database } from "../server/adapters/postgres/database";
import { PostgresLockStore } from "../server/adapters/postgres/lock-store";
import { applyMigrations } from "../server/adapters/postgres/migrate";
import { openRedisLockStore } from "../server/adapters/redis/lock-store";
import { LockManager } from "../server/core/locks/lock-manager";
import type { LockStore } from "../server/core/locks/ports";
import { startEtcd, type EtcdServer } from "../server/testing/etcd";
import { createTestDatabase } from "../server/testing/postgres";
import { CPU_BASIS, startCpuMeter } from "./lib/cpu";
import { knob } from "./lib/knobs";
import { PG_REFERENCE_DEFINITION, PG_REFERENCE_KEY_DEF, measurePgReference, type PgReference } from "./lib/pg-reference";
import { percentile, round } from "./lib/stats";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const DURATION_MS = knob("BENCH_DURATION_MS", 3_000, 1_000);
const WARMUP_MS = Math.min(500, DURATION_MS / 4);
const HANDOFFS = knob("BENCH_HANDOFFS", 400, 100);
const AUTO_PIPELINE = process.env.BENCH_REDIS_AUTOPIPELINE !== "0";
/** Every Redis contender's client: the same settings for all (see above). */
const CLIENT_OPTIONS = { enableAutoPipelining: AUTO_PIPELINE, maxRetriesPerRequest: 1, connectTimeout: 2_000 } as const;
const CLIENT_DESCRIPTION = `one ioredis ${AUTO_PIPELINE ? "auto-pipelined" : "plain (no auto-pipelining)"} client per contender, same options for all`;
const HANDOFF_WAITERS = 32;
const HANDOFF_SKIP = 20; // the first hand-offs, while the waiters are still joining, are not counted
const HANDOFF_HOLD_MS = 1;
const HANDOFF_CAP_MS = 15_000; // stop measuring a contender's hand-offs after this long, whatever the count
const TTL_MS = 30_000;
const PG_POOL_SIZE = 16;
const CONCURRENCIES = [1, 64] as const;
const PREFIX = `bench:locks:${crypto.randomBytes(4).toString("hex")}:`;
/** The recipe's hand-off waiters: how long one waits before trying again (plus up to as much jitter). */
const ETCD_RECIPE_RETRY_MS = 10;
const GROUPS = ["redis", "postgres", "etcd"] as const;
const ONLY = (process.env.BENCH_LOCKS_ONLY ?? "").split(",").map((g) => g.trim()).filter(Boolean);
for (const group of ONLY) if (!(GROUPS as readonly string[]).includes(group)) throw new Error(`BENCH_LOCKS_ONLY: unknown group ${JSON.stringify(group)} (use ${GROUPS.join(", ")})`);
const wants = (group: (typeof GROUPS)[number]) => ONLY.length === 0 || ONLY.includes(group);

const RAW_NAME = "raw SET NX PX + DEL";
const REDLOCK_NAME = "Redlock";
const INTERLOCK_REDIS_NAME = "Interlock on Redis";
const INTERLOCK_PG_NAME = "Interlock on Postgres";
const INTERLOCK_ETCD_NAME = "Interlock on etcd";
const ETCD_RECIPE_NAME = "etcd3 Lock recipe";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One contender: `pair(worker)` acquires and releases the worker's own resource, returning the acquire latency (ms). */
interface Contender {
  name: string;
  /** The Redis commands it sends (for the server-side cost per pair), none for Postgres. */
  redisCommands: readonly string[];
  pair(worker: number): Promise<number>;
  /** Takes the one contended resource for waiter `w`, waiting as long as it takes; resolves to its release. */
  contend?(worker: number): Promise<() => Promise<unknown>>;
  /** Its database, for the CPU of its Postgres backends. */
  db?: Database;
  /** Its etcd member's client URL, for the member's CPU (from /metrics). */
  etcdEndpoint?: string;
}

interface ThroughputResult {
  name: string;
  concurrency: number;
  opsPerSecond: number;
  p50: number;
  p99: number;
  /** Client (this process) CPU per pair, µs. */
  clientCpuUs: number;
  /** Redis CPU per pair, µs (null for Postgres); includes whatever else used the same server meanwhile. */
  redisCpuUs: number | null;
  /** The etcd member's CPU per pair, µs (etcd contenders only). */
  etcdCpuUs: number | null;
  /** This run's Postgres backends' CPU per pair, µs (Interlock on Postgres only). */
  pgCpuUs: number | null;
  /** Redis commands per pair, by command, from INFO commandstats (null for Postgres). */
  redisCalls: Record<string, { calls: number; usecPerCall: number }> | null;
}

interface HandoffResult {
  name: string;
  count: number;
  p50: number;
  p99: number;
  max: number;
  violations: number;
}

async function redisStats(admin: Redis) {
  const [stats, cpu] = await Promise.all([admin.info("commandstats"), admin.info("cpu")]);
  const commands = new Map<string, { calls: number; usec: number }>();
  for (const m of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) commands.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
  const num = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(cpu)?.[1] ?? 0);
  return { commands, cpuSeconds: num("used_cpu_user") + num("used_cpu_sys") };
}

/** The etcd member's CPU seconds so far (process_cpu_seconds_total on its /metrics; 10 ms resolution). */
async function etcdCpuSeconds(endpoint: string): Promise<number> {
  const text = await (await fetch(`${endpoint}/metrics`)).text();
  const m = /^process_cpu_seconds_total ([\d.e+-]+)$/m.exec(text);
  if (!m) throw new Error(`no process_cpu_seconds_total in ${endpoint}/metrics`);
  return Number(m[1]);
}

async function throughput(contender: Contender, concurrency: number, admin: Redis): Promise<ThroughputResult> {
  const run = async (ms: number, record: boolean) => {
    const latencies: number[] = [];
    const deadline = performance.now() + ms;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, w) => {
        while (performance.now() < deadline) {
          const latency = await contender.pair(w);
          if (record) latencies.push(latency);
        }
      }),
    );
    return latencies;
  };
  await run(WARMUP_MS, false);
  const redis = contender.redisCommands.length > 0;
  const before = redis ? await redisStats(admin) : null;
  const etcdBefore = contender.etcdEndpoint ? await etcdCpuSeconds(contender.etcdEndpoint) : null;
  const meter = await startCpuMeter({ databases: contender.db ? [contender.db] : [] });
  const started = performance.now();
  const latencies = await run(DURATION_MS, true);
  const elapsed = (performance.now() - started) / 1000;
  const cpu = await meter.stop();
  const etcdAfter = contender.etcdEndpoint ? await etcdCpuSeconds(contender.etcdEndpoint) : null;
  const after = redis ? await redisStats(admin) : null;
  const n = latencies.length;
  const sorted = Float64Array.from(latencies).sort();
  let redisCalls: ThroughputResult["redisCalls"] = null;
  if (before && after) {
    redisCalls = {};
    for (const [command, { calls, usec }] of after.commands) {
      const prior = before.commands.get(command) ?? { calls: 0, usec: 0 };
      const dc = calls - prior.calls;
      // Only the commands this contender sends; other clients of the same Redis may send them too.
      if (dc === 0 || !contender.redisCommands.includes(command)) continue;
      redisCalls[command] = { calls: dc / n, usecPerCall: (usec - prior.usec) / dc };
    }
  }
  return {
    name: contender.name,
    concurrency,
    opsPerSecond: n / elapsed,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    clientCpuUs: (cpu.nodeSeconds * 1e6) / n,
    redisCpuUs: before && after ? ((after.cpuSeconds - before.cpuSeconds) * 1e6) / n : null,
    etcdCpuUs: etcdBefore !== null && etcdAfter !== null ? ((etcdAfter - etcdBefore) * 1e6) / n : null,
    pgCpuUs: contender.db && cpu.pgSeconds !== null ? (cpu.pgSeconds * 1e6) / n : null,
    redisCalls,
  };
}

/**
 * 32 waiters loop acquire → hold 1 ms → release on one resource. A waiter that
 * has just released asks again only once the lock has gone to someone else, so
 * every release hands the lock to one of the 31 others already waiting (without
 * that, a polling lock such as Redlock would be re-taken by the releaser itself,
 * which is no hand-off at all). Hand-off latency: from the release call to the
 * next holder's acquire returning, on this process's clock.
 */
async function handoff(contender: Contender): Promise<HandoffResult> {
  const contend = contender.contend!;
  const samples: number[] = [];
  let grants = 0;
  let releasedAt: number | null = null;
  let holding = false;
  let violations = 0;
  let stop = false;
  let signalGrant: () => void = () => {};
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: HANDOFF_WAITERS }, async (_, w) => {
      while (!stop) {
        const release = await contend(w);
        const at = performance.now();
        if (holding) violations += 1;
        holding = true;
        if (releasedAt !== null && !stop && ++grants > HANDOFF_SKIP) samples.push(at - releasedAt);
        releasedAt = null;
        signalGrant();
        if (samples.length >= HANDOFFS || performance.now() - startedAt > HANDOFF_CAP_MS) stop = true;
        await sleep(HANDOFF_HOLD_MS);
        const granted = new Promise<void>((resolve) => (signalGrant = resolve));
        holding = false;
        releasedAt = performance.now();
        await release();
        if (stop) break;
        await granted;
      }
    }),
  );
  const sorted = Float64Array.from(samples).sort();
  return { name: contender.name, count: samples.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? NaN, violations };
}

// ---------------------------------------------------------------------------
// The contenders.

const admin = new Redis(REDIS_URL);
/** Run last-in first-out: a manager closes before its store, a store before its database, the database before its drop. */
const cleanups: (() => Promise<unknown>)[] = [];

function rawContender(): Contender {
  const client = new Redis(REDIS_URL, CLIENT_OPTIONS);
  cleanups.push(() => client.quit());
  return {
    name: RAW_NAME,
    redisCommands: ["set", "del"],
    async pair(w) {
      const key = `${PREFIX}raw:${w}`;
      const t = performance.now();
      const ok = await client.set(key, crypto.randomUUID(), "PX", TTL_MS, "NX");
      const latency = performance.now() - t;
      if (ok !== "OK") throw new Error(`raw: ${key} was taken`);
      await client.del(key);
      return latency;
    },
  };
}

function redlockContender(): Contender {
  const client = new Redis(REDIS_URL, CLIENT_OPTIONS);
  // The README's configuration.
  const redlock = new Redlock([client], { driftFactor: 0.01, retryCount: 10, retryDelay: 200, retryJitter: 200, automaticExtensionThreshold: 500 });
  cleanups.push(() => redlock.quit());
  const contendedKey = `${PREFIX}redlock:contended`;
  return {
    name: REDLOCK_NAME,
    redisCommands: ["evalsha", "select", "exists", "set", "get", "del"],
    async pair(w) {
      const t = performance.now();
      const lock = await redlock.acquire([`${PREFIX}redlock:${w}`], TTL_MS);
      const latency = performance.now() - t;
      await lock.release();
      return latency;
    },
    async contend() {
      const lock = await redlock.acquire([contendedKey], TTL_MS, { retryCount: -1 });
      return () => lock.release();
    },
  };
}

/** The LockManager over `store`, with the product's defaults (re-check 1 s, wake-ups from the store). */
async function interlockContender(name: string, store: LockStore, db?: Database, etcdEndpoint?: string): Promise<Contender> {
  const manager = await LockManager.start({ store, onBackgroundError: (error, context) => process.stderr.write(`${name}: ${context}: ${String(error)}\n`) });
  cleanups.push(() => manager.close());
  const options = { ttlMs: TTL_MS, autoExtend: false };
  const contended = { scope: "SERVICE", resource: `${PREFIX}contended` } as const;
  return {
    name,
    db,
    etcdEndpoint,
    redisCommands: store.backend === "redis" ? ["evalsha", "time", "hgetall", "hset", "hdel", "pexpire", "publish"] : [],
    async pair(w) {
      const t = performance.now();
      const lease = await manager.acquire(`bench-${w}`, { scope: "SERVICE", resource: `${PREFIX}${w}` }, options);
      const latency = performance.now() - t;
      if (!(await lease.release())) throw new Error(`${name}: the lease on ${w} was lost before its release`);
      return latency;
    },
    async contend(w) {
      const lease = await manager.acquire(`waiter-${w}`, contended, { ...options, waitTimeoutMs: 120_000 });
      return () => lease.release();
    },
  };
}

async function redisContender(): Promise<Contender> {
  // The same client settings as the others; the store leaves a client it is given open, so quit it after the store closes.
  const client = new Redis(REDIS_URL, CLIENT_OPTIONS);
  cleanups.push(() => client.quit());
  const store = await openRedisLockStore({ client, prefix: `${PREFIX}interlock:` });
  cleanups.push(() => store.close());
  return interlockContender(INTERLOCK_REDIS_NAME, store);
}

async function postgresContender(): Promise<Contender> {
  const testDb = await createTestDatabase("bench_locks");
  cleanups.push(() => testDb.drop());
  const db = await openDatabase({ kind: "postgres", url: testDb.url, poolSize: PG_POOL_SIZE });
  cleanups.push(() => db.close());
  await applyMigrations(db);
  reference = await measurePgReference(db);
  const store = new PostgresLockStore(db);
  cleanups.push(() => store.close());
  return interlockContender(INTERLOCK_PG_NAME, store, db);
}

/** Every etcd contender's client: the same settings for both (the library's defaults, one host). */
const etcdClientOptions = (server: EtcdServer): EtcdClientOptions => ({ hosts: [server.endpoint] });

async function etcdContenders(server: EtcdServer): Promise<Contender[]> {
  // Interlock on etcd: the store over a client made like the recipe's; the store
  // leaves a client it is given open, so close it after the store.
  const storeClient = new Etcd3(etcdClientOptions(server));
  cleanups.push(async () => storeClient.close());
  const store = await openEtcdLockStore({ endpoints: [server.endpoint], client: storeClient, prefix: `${PREFIX}interlock/` });
  cleanups.push(() => store.close());
  const interlock = await interlockContender(INTERLOCK_ETCD_NAME, store, undefined, server.endpoint);

  // The etcd3 package's own recipe, on its own client, against the same member (same data dir on tmpfs).
  const client = new Etcd3(etcdClientOptions(server));
  cleanups.push(async () => client.close());
  const ttlSeconds = TTL_MS / 1000;
  const contendedKey = `${PREFIX}recipe/contended`;
  const recipe: Contender = {
    name: ETCD_RECIPE_NAME,
    redisCommands: [],
    etcdEndpoint: server.endpoint,
    async pair(w) {
      const t = performance.now();
      const lock = client.lock(`${PREFIX}recipe/${w}`).ttl(ttlSeconds);
      await lock.acquire();
      const latency = performance.now() - t;
      await lock.release();
      return latency;
    },
    async contend() {
      // No queue: try, and on EtcdLockFailedError (the key exists) try again a little later.
      for (;;) {
        const lock = client.lock(contendedKey).ttl(ttlSeconds);
        try {
          await lock.acquire();
          return () => lock.release();
        } catch (error) {
          if (!(error instanceof EtcdLockFailedError)) throw error;
          await sleep(ETCD_RECIPE_RETRY_MS * (1 + Math.random()));
        }
      }
    },
  };
  return [interlock, recipe];
}

// ---------------------------------------------------------------------------

let reference = null as PgReference | null; // set by postgresContender()
const contenders: Contender[] = [];
const results: ThroughputResult[] = [];
const handoffs: HandoffResult[] = [];
let etcd: EtcdServer | null = null;
let etcdVersion: string | null = null;

try {
  if (wants("redis")) contenders.push(rawContender(), redlockContender(), await redisContender());
  if (wants("postgres")) contenders.push(await postgresContender());
  if (wants("etcd")) {
    etcd = await startEtcd({ name: "bench-locks" });
    const server = etcd;
    cleanups.push(() => server.stop());
    etcdVersion = ((await (await fetch(`${server.endpoint}/version`)).json()) as { etcdserver?: string }).etcdserver ?? null;
    contenders.push(...(await etcdContenders(server)));
  }
  // Each repetition (bench/run.ts sets BENCH_RUN_INDEX) starts with a different contender, so
  // none always gets the same slot of a shared machine's busy and quiet spells.
  const shift = knob("BENCH_RUN_INDEX", 0) % contenders.length;
  const order = [...contenders.slice(shift), ...contenders.slice(0, shift)];
  for (const concurrency of CONCURRENCIES) {
    for (const contender of order) {
      process.stderr.write(`${contender.name}, concurrency ${concurrency}…\n`);
      results.push(await throughput(contender, concurrency, admin));
    }
  }
  for (const contender of order) {
    if (!contender.contend) continue;
    process.stderr.write(`${contender.name}, hand-off among ${HANDOFF_WAITERS} waiters…\n`);
    handoffs.push(await handoff(contender));
  }

  const ms = (v: number) => v.toFixed(2).padStart(8);
  console.log(`\nlocks benchmark (Redis ${new URL(REDIS_URL).host}; ${DURATION_MS} ms per case; acquire+release pairs, each loop on its own resource)`);
  console.log(`Redis clients: ${CLIENT_DESCRIPTION} (${JSON.stringify(CLIENT_OPTIONS)}); order this run: ${order.map((c) => c.name).join(", ")}`);
  if (etcd) console.log(`etcd: one member (etcd ${etcdVersion ?? "?"}) at ${etcd.endpoint}, the same server for both etcd contenders; its data dir ${etcd.dataDir} is on tmpfs (/dev/shm), so no contender pays for a disk fsync; one etcd3 client per contender, library defaults`);
  console.log("");
  console.log(`${"contender".padEnd(26)} ${"conc".padStart(4)} ${"pairs/s".padStart(9)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"client µs".padStart(10)} ${"server µs".padStart(9)}  redis calls per pair (µs each)`);
  for (const r of results) {
    const calls = r.redisCalls ? Object.entries(r.redisCalls).map(([c, v]) => `${c}×${v.calls.toFixed(2)} (${v.usecPerCall.toFixed(1)})`).join(", ") : "";
    console.log(
      `${r.name.padEnd(26)} ${String(r.concurrency).padStart(4)} ${Math.round(r.opsPerSecond).toLocaleString("en").padStart(9)} ${ms(r.p50)} ${ms(r.p99)} ${r.clientCpuUs.toFixed(0).padStart(10)} ${(r.redisCpuUs ?? r.pgCpuUs ?? r.etcdCpuUs)?.toFixed(0).padStart(9) ?? "".padStart(9)}  ${calls}`,
    );
  }
  console.log(`\ncontended hand-off: 1 resource, ${HANDOFF_WAITERS} waiters, hold ${HANDOFF_HOLD_MS} ms; release call → next holder's acquire returning (the etcd3 recipe's waiters retry every ${ETCD_RECIPE_RETRY_MS}–${2 * ETCD_RECIPE_RETRY_MS} ms)\n`);
  console.log(`${"contender".padEnd(26)} ${"count".padStart(6)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"max ms".padStart(8)}  exclusivity`);
  for (const h of handoffs) console.log(`${h.name.padEnd(26)} ${String(h.count).padStart(6)} ${ms(h.p50)} ${ms(h.p99)} ${ms(h.max)}  ${h.violations === 0 ? "held" : `${h.violations} overlapping grants!`}`);

  const at = (name: string, c: number) => results.find((r) => r.name === name && r.concurrency === c);
  const handoffOf = (name: string) => handoffs.find((h) => h.name === name);
  const [RAW, RL, IR, IP, IE, ER] = [RAW_NAME, REDLOCK_NAME, INTERLOCK_REDIS_NAME, INTERLOCK_PG_NAME, INTERLOCK_ETCD_NAME, ETCD_RECIPE_NAME];
  const ratio = (a: ThroughputResult | undefined, b: ThroughputResult | undefined) => (a && b ? a.opsPerSecond / b.opsPerSecond : NaN);
  const vsRedlock = ratio(at(IR, 64), at(RL, 64));
  const vsRaw = ratio(at(IR, 64), at(RAW, 64));
  const vsRecipe = ratio(at(IE, 64), at(ER, 64));
  if (wants("redis")) {
    console.log(
      `\nat concurrency 64: Interlock on Redis = ${vsRedlock.toFixed(2)} × Redlock (target ≥ 1.2), ${vsRaw.toFixed(2)} × raw (target ≥ 0.6); ` +
        `Interlock on Postgres = ${ratio(at(IP, 64), at(IR, 64)).toFixed(2)} × Interlock on Redis`,
    );
    console.log(`hand-off p50: Interlock on Redis ${handoffOf(IR)?.p50.toFixed(2)} ms (target ≤ 5), Redlock ${handoffOf(RL)?.p50.toFixed(2)} ms, Interlock on Postgres ${handoffOf(IP)?.p50.toFixed(2)} ms`);
  }
  if (wants("etcd")) {
    console.log(
      `at concurrency 64: Interlock on etcd = ${vsRecipe.toFixed(2)} × etcd3 Lock recipe (target ≥ 1.0); hand-off p50 ${handoffOf(IE)?.p50.toFixed(2)} ms (target ≤ 10) ` +
        `[both on the same etcd, data dir on tmpfs (/dev/shm); recipe hand-off p50 ${handoffOf(ER)?.p50.toFixed(2)} ms]`,
    );
  }
  const pgTx = reference?.txS ?? NaN;
  if (wants("postgres")) console.log(`Interlock on Postgres at concurrency 64 = ${((at(IP, 64)?.opsPerSecond ?? NaN) / pgTx).toFixed(2)} × pg_tx_s (${Math.round(pgTx).toLocaleString("en")}/s: ${PG_REFERENCE_DEFINITION})`);
  console.log(`(client µs: this process's CPU per pair; server µs: the Redis server's CPU per pair, for Postgres that of this run's backends, for etcd the member's)`);
  console.log(`(${CPU_BASIS})`);

  const figures: Record<string, number | string | null> = { bench: "locks" };
  const ids: [string, string][] = [[RAW, "raw"], [RL, "redlock"], [IR, "interlock_redis"], [IP, "interlock_pg"], [IE, "interlock_etcd"], [ER, "etcd_recipe"]];
  // The headline figures first: concurrency 64 throughput and the hand-off p50s.
  for (const [name, id] of ids) figures[`${id}_ops_s`] = round(at(name, 64)?.opsPerSecond);
  figures.redlock_handoff_p50_ms = round(handoffOf(RL)?.p50, 2);
  figures.interlock_handoff_p50_ms = round(handoffOf(IR)?.p50, 2);
  figures.interlock_redis_vs_redlock_c64 = round(vsRedlock, 2);
  figures.interlock_redis_vs_raw_c64 = round(vsRaw, 2);
  figures.interlock_etcd_handoff_p50_ms = round(handoffOf(IE)?.p50, 2);
  figures.interlock_etcd_vs_etcd_recipe_c64 = round(vsRecipe, 2);
  for (const [name, id] of ids) {
    for (const c of CONCURRENCIES) {
      const r = at(name, c);
      if (c !== 64) figures[`${id}_c${c}_ops_s`] = round(r?.opsPerSecond);
      figures[`${id}_c${c}_p50_ms`] = round(r?.p50, 3);
      figures[`${id}_c${c}_p99_ms`] = round(r?.p99, 3);
    }
    figures[`${id}_c64_client_us_per_pair`] = round(at(name, 64)?.clientCpuUs, 1);
    if (name === IP) figures[`${id}_c64_pg_us_per_pair`] = round(at(name, 64)?.pgCpuUs, 1);
    else if (name === IE || name === ER) figures[`${id}_c64_etcd_us_per_pair`] = round(at(name, 64)?.etcdCpuUs, 1);
    else figures[`${id}_c64_redis_us_per_pair`] = round(at(name, 64)?.redisCpuUs, 1);
  }
  figures.pg_tx_s = round(pgTx);
  figures.pg_tx_def = PG_REFERENCE_KEY_DEF;
  figures.interlock_pg_vs_pg_tx_c64 = round((at(IP, 64)?.opsPerSecond ?? NaN) / pgTx, 2);
  figures.interlock_pg_vs_interlock_redis_c64 = round(ratio(at(IP, 64), at(IR, 64)), 3);
  figures.redis_client = AUTO_PIPELINE ? "auto-pipelined ioredis, all" : "plain ioredis, all";
  figures.redlock_handoff_p99_ms = round(handoffOf(RL)?.p99, 2);
  figures.interlock_handoff_p99_ms = round(handoffOf(IR)?.p99, 2);
  figures.interlock_pg_handoff_p50_ms = round(handoffOf(IP)?.p50, 2);
  figures.interlock_pg_handoff_p99_ms = round(handoffOf(IP)?.p99, 2);
  figures.interlock_etcd_handoff_p99_ms = round(handoffOf(IE)?.p99, 2);
  figures.etcd_recipe_handoff_p50_ms = round(handoffOf(ER)?.p50, 2);
  figures.etcd_recipe_handoff_p99_ms = round(handoffOf(ER)?.p99, 2);
  figures.etcd_server = etcd ? `etcd ${etcdVersion ?? "?"}, one member, data dir on tmpfs (/dev/shm)` : null;
  figures.etcd_recipe_retry_ms = ETCD_RECIPE_RETRY_MS;
  figures.handoffs = handoffs.length ? Math.min(...handoffs.map((h) => h.count)) : null;
  figures.handoff_waiters = HANDOFF_WAITERS;
  figures.exclusivity_violations = handoffs.reduce((n, h) => n + h.violations, 0);
  figures.duration_ms = DURATION_MS;
  console.log(JSON.stringify(figures));
} finally {
  // Remove every key this run created, then close every client.
  let cursor = "0";
  do {
    const [next, keys] = await admin.scan(cursor, "MATCH", `${PREFIX}*`, "COUNT", 1000);
    if (keys.length) await admin.del(...keys);
    cursor = next;
  } while (cursor !== "0");
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => process.stderr.write(`cleanup: ${String(error)}\n`));
  await admin.quit();
}
