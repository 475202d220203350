// `npm run bench -- signin`: does a sign-in flood slow the work that keeps
// production safe? Lock leases renew themselves on timers of this process's
// event loop; a renewal that fires late eats into its lease's validity. This
// benchmark holds 100 Redis locks through the real LockManager with a 1.5 s
// TTL (each renews every 500 ms: 200 renewals a second) and measures how late
// every renewal is called against its schedule, each phase on fresh leases:
//   - quiet: no sign-in traffic;
//   - flood: 50 wrong-password sign-ins a second through the real sign-in
//     path (the throttle on Redis, verifyCredentials on the Postgres identity
//     store, bcrypt cost 11 in the hasher's worker threads), in this process;
//   - flood, hashing on the event loop: the same, with bcryptjs called on the
//     main thread as before the worker pool (for comparison only).
// The flood's mix, from 20 client addresses (so no address reaches its limit
// of 300 a minute): 20% on one account, which is throttled after its 30th
// failure (a 429: no hash); 40% on 20 real users, 40% on emails no user has
// (both hashed: an unknown email costs a check against a decoy hash). Checks
// beyond what the workers keep up with wait in the pool's bounded queue, and
// past it are refused at once (counted as "busy").
// One run prints its table, then one JSON line; bench/run.ts repeats it.
import crypto from "node:crypto";
import bcrypt from "bcryptjs";
import { BcryptPasswordHasher, BcryptWorkerPool, defaultPoolSize } from "../server/adapters/auth/bcrypt-password-hasher";
import { openDatabase } from "../server/adapters/postgres/database";
import { PostgresIdentityStore } from "../server/adapters/postgres/identity-store";
import { applyMigrations } from "../server/adapters/postgres/migrate";
import { openRedisLockStore } from "../server/adapters/redis/lock-store";
import { openRedisSignInThrottleStore } from "../server/adapters/redis/sign-in-throttle-store";
import { systemClock } from "../server/core/clock";
import type { PasswordHasher } from "../server/core/identity/ports";
import { SignInAttempts } from "../server/core/identity/sign-in-attempts";
import { DEFAULT_SIGN_IN_THROTTLE_POLICY } from "../server/core/identity/sign-in-throttle";
import { verifyCredentials } from "../server/core/identity/verify-credentials";
import { LockManager } from "../server/core/locks/lock-manager";
import type { LockStore } from "../server/core/locks/ports";
import { createTestDatabase } from "../server/testing/postgres";
import { knob } from "./lib/knobs";
import { percentile, round } from "./lib/stats";

const PHASE_MS = knob("BENCH_SIGNIN_PHASE_MS", 10_000, 2_000);
const RATE = knob("BENCH_SIGNIN_RATE", 50);
const LOCKS = 100;
const TTL_MS = 1_500;
const RENEW_MS = Math.ceil(TTL_MS / 3); // the lease's own schedule (server/core/locks/lease.ts)
const USERS = 20;
const ADDRESSES = 20;
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const PREFIX = `interlock:bench:signin:${crypto.randomBytes(4).toString("hex")}:`;

/** Renewal lags (ms) per phase: each extend() call's time against the previous renewal's end plus the schedule. */
const lags: number[] = [];
let recording = false;
const lastRenewed = new Map<string, number>();

function measuredStore(store: LockStore): LockStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === "extend") {
        return async (...args: Parameters<LockStore["extend"]>) => {
          const id = `${args[0].scope}:${args[0].resource}`;
          const calledAt = performance.now();
          const previous = lastRenewed.get(id);
          if (recording && previous !== undefined) lags.push(Math.max(0, calledAt - previous - RENEW_MS));
          const result = await target.extend(...args);
          lastRenewed.set(id, performance.now());
          return result;
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** bcryptjs on the main thread, as the hasher was before its worker pool. */
class MainThreadHasher implements PasswordHasher {
  private decoy = bcrypt.hash(crypto.randomUUID(), 11);
  hash(password: string) {
    return bcrypt.hash(password, 11);
  }
  async verify(password: string, hash: string | null) {
    if (hash !== null) return bcrypt.compare(password, hash);
    await bcrypt.compare(password, await this.decoy);
    return false;
  }
}

const testDb = await createTestDatabase("bench_signin");
const db = await openDatabase({ kind: "postgres", url: testDb.url, poolSize: 8 });
const lockStore = await openRedisLockStore({ url: REDIS_URL, prefix: PREFIX });
const throttleStore = openRedisSignInThrottleStore({ url: REDIS_URL, prefix: PREFIX });
const pool = new BcryptWorkerPool();
const manager = await LockManager.start({ store: measuredStore(lockStore), config: { defaultTtlMs: TTL_MS } });

interface Phase {
  p50: number;
  p99: number;
  max: number;
  renewals: number;
  attempts: number;
  throttled: number;
  hashed: number;
  busy: number;
  attemptP99: number;
}

try {
  await applyMigrations(db);
  const identities = new PostgresIdentityStore(db);
  const workerHasher = new BcryptPasswordHasher(11, pool);
  const users = await Promise.all(Array.from({ length: USERS }, async (_, i) => {
    const email = `user-${i}@bench.example`;
    await identities.saveUser({ email, name: `User ${i}`, role: "VIEWER", passwordHash: await workerHasher.hash(`correct-${i}`) }, "insert");
    return email;
  }));

  async function phase(hasher: PasswordHasher | null, label: string): Promise<Phase & { lost: number }> {
    const leases = await Promise.all(Array.from({ length: LOCKS }, (_, i) => manager.acquire(`bench-${label}-${i}`, { scope: "SERVICE", resource: `signin-bench-${label}-${i}` }, { ttlMs: TTL_MS })));
    const attempts = new SignInAttempts({ store: throttleStore, policy: DEFAULT_SIGN_IN_THROTTLE_POLICY, audit: { append: async () => {} }, clock: systemClock, onBackgroundError: () => {} });
    const hot = `hot-${label}@bench.example`;
    const counts = { attempts: 0, throttled: 0, hashed: 0, busy: 0 };
    const attemptTimes: number[] = [];
    const inflight = new Set<Promise<void>>();
    let n = 0;
    const one = async () => {
      const i = n++;
      const roll = i % 10;
      const email = roll < 2 ? hot : roll < 6 ? users[i % USERS]! : `nobody-${crypto.randomUUID()}@bench.example`;
      const t = performance.now();
      counts.attempts++;
      try {
        const decision = await attempts.admit({ email, address: `192.0.2.${i % ADDRESSES}` });
        if (!decision.allowed) {
          counts.throttled++;
          return;
        }
        await verifyCredentials({ identities, hasher: hasher! }, email, "wrong-password");
        counts.hashed++;
      } catch (error) {
        if ((error as { code?: string }).code === "RATE_LIMITED") counts.busy++;
        else throw error;
      } finally {
        attemptTimes.push(performance.now() - t);
      }
    };
    lags.length = 0;
    recording = true;
    const started = performance.now();
    const timer = hasher
      ? setInterval(() => {
          const p = one().finally(() => inflight.delete(p));
          inflight.add(p);
        }, 1000 / RATE)
      : null;
    await new Promise((resolve) => setTimeout(resolve, PHASE_MS));
    if (timer) clearInterval(timer);
    recording = false;
    const renewals = lags.length;
    const sorted = [...lags].sort((a, b) => a - b);
    await Promise.all(inflight);
    attemptTimes.sort((a, b) => a - b);
    process.stderr.write(`${label}: ${renewals} renewals in ${Math.round(performance.now() - started)} ms, ${counts.attempts} attempts\n`);
    const lost = leases.filter((l) => l.signal.aborted).length;
    await Promise.all(leases.filter((l) => !l.signal.aborted).map((l) => l.release().catch(() => {})));
    return {
      lost, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? NaN, renewals, ...counts, attemptP99: percentile(attemptTimes, 0.99) };
  }

  const quiet = await phase(null, "quiet");
  const flood = await phase(workerHasher, "flood");
  const onLoop = await phase(new MainThreadHasher(), "flood-on-loop");

  console.log(`\nsign-in flood vs lock renewals (${LOCKS} leases, TTL ${TTL_MS} ms, renewal every ${RENEW_MS} ms; ${PHASE_MS} ms per phase; ${RATE} sign-ins/s; ${defaultPoolSize()} bcrypt worker(s))\n`);
  console.log(`${"phase".padEnd(30)} ${"renewals".padStart(8)} ${"lag p50".padStart(8)} ${"lag p99".padStart(8)} ${"lag max".padStart(8)} ${"attempts".padStart(8)} ${"hashed".padStart(7)} ${"429".padStart(5)} ${"busy".padStart(5)}`);
  for (const [name, p] of [["quiet", quiet], ["flood (bcrypt in workers)", flood], ["flood (bcrypt on the loop)", onLoop]] as const) {
    console.log(`${name.padEnd(30)} ${String(p.renewals).padStart(8)} ${p.p50.toFixed(2).padStart(8)} ${p.p99.toFixed(2).padStart(8)} ${p.max.toFixed(1).padStart(8)} ${String(p.attempts).padStart(8)} ${String(p.hashed).padStart(7)} ${String(p.throttled).padStart(5)} ${String(p.busy).padStart(5)}`);
  }
  const ratio = flood.p99 / quiet.p99;
  const summary = {
    bench: "signin",
    renewal_lag_p99_ms_quiet: round(quiet.p99, 2),
    renewal_lag_p99_ms_flood: round(flood.p99, 2),
    renewal_lag_p99_ms_flood_on_loop: round(onLoop.p99, 2),
    flood_vs_quiet: round(ratio, 2),
    flood_on_loop_vs_quiet: round(onLoop.p99 / quiet.p99, 2),
    renewal_lag_p50_ms_quiet: round(quiet.p50, 2),
    renewal_lag_p50_ms_flood: round(flood.p50, 2),
    renewal_lag_max_ms_flood: round(flood.max, 1),
    renewal_lag_max_ms_flood_on_loop: round(onLoop.max, 1),
    renewals_quiet: quiet.renewals,
    renewals_flood: flood.renewals,
    renewals_flood_on_loop: onLoop.renewals,
    signin_rate_s: RATE,
    flood_attempts: flood.attempts,
    flood_hashed: flood.hashed,
    flood_throttled: flood.throttled,
    flood_busy: flood.busy,
    flood_attempt_p99_ms: round(flood.attemptP99, 1),
    bcrypt_workers: defaultPoolSize(),
    leases_lost_quiet: quiet.lost,
    leases_lost_flood: flood.lost,
    leases_lost_flood_on_loop: onLoop.lost,
    phase_ms: PHASE_MS,
    target_met: ratio <= 2,
  };
  console.log(`\n${JSON.stringify(summary)}`);
} finally {
  await manager.close().catch(() => {});
  await lockStore.close().catch(() => {});
  await throttleStore.close();
  const { Redis } = await import("ioredis");
  const admin = new Redis(REDIS_URL);
  const keys = await admin.keys(`${PREFIX}*`);
  if (keys.length) await admin.del(...keys);
  admin.disconnect();
  await pool.close();
  await db.close();
  await testDb.drop();
}
