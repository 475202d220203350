// A child process of the lock reliability suite (locks-reliability.integration.test.ts).
// Mutual exclusion only means something between processes, each with its own
// LockManager, connections and timers, so the suite runs the lock clients here
// and keeps only the orchestration (and SIGSTOP / SIGKILL) in the parent.
//
// Run as:
//   node --conditions=react-server --import tsx server/testing/reliability/lock-worker.ts '<config JSON>'
// (the adapters import "server-only", which only resolves to an empty module
// under the react-server condition). The config is argv[2], or the env
// LOCK_WORKER_CONFIG. Reports go to stdout as JSON lines, one object per line;
// commands come on stdin as JSON lines. Roles:
//   contend      N async workers each do M fenced read-modify-writes under an
//                EXCLUSIVE lock on a random resource, reporting every hold interval.
//   churn        the same for a fixed duration, catching and counting every error
//                (for a lock store that goes away and comes back).
//   interactive  does what the parent says, step by step (acquire, read, write,
//                lease, release, releaseAll, exit), so the parent can pause it
//                between steps or line several processes up into a cycle.
// contend and churn start on {"op":"go"}, so process start-up skew does not
// eat into the schedule. A worker whose stdin closes (the parent died) exits.
import readline from "node:readline";
import { AppError, isAppError } from "../../core/errors";
import type { Lease } from "../../core/locks/lease";
import { LockManager, type LockManagerConfig } from "../../core/locks/lock-manager";
import type { LockStore } from "../../core/locks/ports";
import type { LockKey } from "../../core/locks/types";
import { FencedCounter } from "./fenced-counter";

export interface ContendConfig {
  workers: number;
  iterations: number;
  resources: string[];
  ttlMs: number;
  waitTimeoutMs: number;
  /** Random pause between the read and the write, 0..maxDelayMs. */
  maxDelayMs: number;
}

export interface ChurnConfig {
  workers: number;
  durationMs: number;
  resources: string[];
  ttlMs: number;
  waitTimeoutMs: number;
  maxDelayMs: number;
  /** Pause after an error, so a dead store is not hammered in a tight loop. */
  errorBackoffMs: number;
  /**
   * The last `pollers` workers never queue: they tryAcquire, and when the lock
   * is busy ask again `pollMs` later. Waiters sleep between re-checks, so
   * without pollers an outage can pass with nobody calling the store at all.
   */
  pollers: number;
  pollMs: number;
  /**
   * Worker 0 makes one slow, careless hold: `afterMs` after go it takes
   * `resource`, reads, waits `holdMs`, then writes without checking its lease,
   * like a client stalled (GC, swap, network) between its check and its write.
   * Timed to straddle a store outage, it gives fencing a stale write to stop.
   */
  straddle?: { resource: string; afterMs: number; holdMs: number };
}

export interface WorkerConfig {
  backend: "redis" | "postgres" | "etcd";
  /** Lock store on Redis. */
  redisUrl?: string;
  /** Key prefix of the lock store (Redis and etcd). */
  lockPrefix?: string;
  /** Lock store on etcd: the member's client URLs. */
  etcdEndpoints?: string[];
  /** The etcd store's per-call deadline (its own default when unset). */
  commandTimeoutMs?: number;
  /** Lock store on Postgres. */
  databaseUrl?: string;
  poolSize?: number;
  counterUrl: string;
  counterPrefix: string;
  /** Names this process in holder ids and reports. */
  name: string;
  manager?: Partial<LockManagerConfig>;
  role: "contend" | "churn" | "interactive";
  contend?: ContendConfig;
  churn?: ChurnConfig;
}

export type WorkerCommand =
  | { id: number; op: "acquire"; holderId: string; resource: string; ttlMs?: number; waitTimeoutMs?: number; autoExtend?: boolean; releaseAllAfter?: boolean }
  | { id: number; op: "read"; resource: string }
  | { id: number; op: "write"; resource: string; value: number }
  | { id: number; op: "lease"; resource: string }
  | { id: number; op: "release"; resource: string }
  | { id: number; op: "releaseAll"; holderId: string }
  | { id: number; op: "exit" }
  | { op: "go" };

/** A clock comparable across processes on one machine, with sub-millisecond resolution. */
export const wallClock = () => performance.timeOrigin + performance.now();

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const SCOPE = "SERVICE" as const;
const keyOf = (resource: string): LockKey => ({ scope: SCOPE, resource });

function emit(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}\n`);
}

/** The error code a caller sees: an AppError's code, else RAW (a crash the store should have translated). */
function describeError(error: unknown): { code: string; message: string } {
  if (isAppError(error)) return { code: error.code, message: error.message };
  return { code: "RAW", message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}

async function openStore(config: WorkerConfig): Promise<{ store: LockStore; close: () => Promise<void> }> {
  // Imported on demand: a Redis or etcd worker need not load Prisma, which is most of a Postgres worker's start-up.
  if (config.backend === "redis") {
    const { openRedisLockStore } = await import("../../adapters/redis/lock-store");
    const store = await openRedisLockStore({ url: config.redisUrl, prefix: config.lockPrefix });
    return { store, close: () => store.close() };
  }
  if (config.backend === "etcd") {
    if (!config.etcdEndpoints?.length) throw new Error("an etcd worker needs etcdEndpoints");
    const { openEtcdLockStore } = await import("../../adapters/etcd/lock-store");
    const store = await openEtcdLockStore({ endpoints: config.etcdEndpoints, prefix: config.lockPrefix, commandTimeoutMs: config.commandTimeoutMs });
    return { store, close: () => store.close() };
  }
  if (!config.databaseUrl) throw new Error("a postgres worker needs databaseUrl");
  const { openDatabase } = await import("../../adapters/postgres/database");
  const { PostgresLockStore } = await import("../../adapters/postgres/lock-store");
  const db = await openDatabase({ kind: "postgres", url: config.databaseUrl, poolSize: config.poolSize ?? 4 });
  const store = new PostgresLockStore(db);
  return {
    store,
    close: async () => {
      await store.close();
      await db.close();
    },
  };
}

class Counts {
  readonly byCode: Record<string, number> = {};
  readonly samples: Record<string, string> = {};
  /** Each error also goes out as a line of its own, with when it happened (`report`). */
  constructor(private readonly holderId: string, private readonly report = false) {}
  add(stage: string, error: unknown, tookMs?: number): void {
    const { code, message } = describeError(error);
    if (this.report) emit({ type: "error", holderId: this.holderId, stage, code, at: wallClock(), tookMs });
    const id = `${stage}:${code}`;
    this.byCode[id] = (this.byCode[id] ?? 0) + 1;
    this.samples[id] ??= message;
  }
}

async function contend(manager: LockManager, counter: FencedCounter, config: WorkerConfig, go: Promise<void>): Promise<void> {
  const c = config.contend;
  if (!c) throw new Error("role contend needs the contend config");
  await go;
  await Promise.all(
    Array.from({ length: c.workers }, async (_, w) => {
      const holderId = `${config.name}-w${w}`;
      const errors = new Counts(holderId);
      let completed = 0;
      for (let i = 0; i < c.iterations; i++) {
        const resource = c.resources[Math.floor(Math.random() * c.resources.length)]!;
        let lease: Lease;
        try {
          lease = await manager.acquire(holderId, keyOf(resource), { ttlMs: c.ttlMs, waitTimeoutMs: c.waitTimeoutMs });
        } catch (error) {
          errors.add("acquire", error);
          continue;
        }
        const start = wallClock();
        let end = start;
        try {
          const read = await counter.read(resource, lease.fencingToken);
          let wrote = false;
          let refused: "read" | "write" | null = read.ok ? null : "read";
          if (read.ok) {
            await sleep(Math.random() * c.maxDelayMs);
            const write = await counter.write(resource, lease.fencingToken, read.value + 1, holderId);
            wrote = write.ok;
            if (!write.ok) refused = "write";
          }
          end = wallClock();
          emit({ type: "hold", holderId, resource, token: lease.fencingToken, start, end, read: read.ok ? read.value : null, wrote, refused, valid: lease.isValid() });
          if (wrote) completed++;
        } catch (error) {
          errors.add("work", error);
        } finally {
          await lease.release().catch((error: unknown) => errors.add("release", error));
        }
      }
      emit({ type: "workerDone", holderId, completed, errors: errors.byCode, samples: errors.samples });
    }),
  );
}

async function churn(manager: LockManager, counter: FencedCounter, config: WorkerConfig, go: Promise<void>): Promise<void> {
  const c = config.churn;
  if (!c) throw new Error("role churn needs the churn config");
  await go;
  const startedAt = wallClock();
  const until = startedAt + c.durationMs;
  await Promise.all(
    Array.from({ length: c.workers }, async (_, w) => {
      const holderId = `${config.name}-w${w}`;
      const errors = new Counts(holderId, true);
      let attempts = 0;
      let accepted = 0;
      let refused = 0;
      let maxAcquireMs = 0;
      let busy = 0;
      const poller = w >= c.workers - c.pollers;
      let straddle = w === 0 ? c.straddle : undefined;
      while (wallClock() < until) {
        if (straddle && wallClock() >= startedAt + straddle.afterMs) {
          await straddleOnce(manager, counter, `${holderId}-straddler`, straddle, c);
          straddle = undefined;
        }
        attempts++;
        const resource = c.resources[Math.floor(Math.random() * c.resources.length)]!;
        let lease: Lease;
        const askedAt = wallClock();
        try {
          if (poller) {
            const got = await manager.tryAcquire(holderId, keyOf(resource), { ttlMs: c.ttlMs });
            if (!got) {
              busy++;
              await sleep(c.pollMs);
              continue;
            }
            lease = got;
          } else {
            lease = await manager.acquire(holderId, keyOf(resource), { ttlMs: c.ttlMs, waitTimeoutMs: c.waitTimeoutMs });
          }
        } catch (error) {
          // How long the caller waited to hear it: a wait timeout bounds the wait, not a hung store call.
          const tookMs = wallClock() - askedAt;
          maxAcquireMs = Math.max(maxAcquireMs, tookMs);
          errors.add("acquire", error, Math.round(tookMs));
          await sleep(c.errorBackoffMs);
          continue;
        }
        const grantedAt = wallClock();
        maxAcquireMs = Math.max(maxAcquireMs, grantedAt - askedAt);
        let failed = false;
        try {
          const read = await counter.read(resource, lease.fencingToken);
          if (!read.ok) {
            refused++;
            emit({ type: "refused", holderId, resource, token: lease.fencingToken, stage: "read", grantedAt, at: wallClock(), highest: read.highest });
          } else {
            await sleep(Math.random() * c.maxDelayMs);
            // What a careful client does before acting: throws LOCK_LOST once the lease is gone.
            // It narrows the window but cannot close it; fencing is what closes it.
            lease.assertValid();
            const write = await counter.write(resource, lease.fencingToken, read.value + 1, holderId);
            if (write.ok) {
              accepted++;
              emit({ type: "accepted", holderId, resource, token: lease.fencingToken, grantedAt, at: wallClock(), value: read.value + 1 });
            } else {
              refused++;
              emit({ type: "refused", holderId, resource, token: lease.fencingToken, stage: "write", grantedAt, at: wallClock(), highest: write.highest });
            }
          }
        } catch (error) {
          failed = true;
          errors.add("work", error);
        }
        try {
          await lease.release();
        } catch (error) {
          failed = true;
          errors.add("release", error);
        }
        if (failed) await sleep(c.errorBackoffMs);
      }
      emit({ type: "workerDone", holderId, poller, attempts, busy, accepted, refused, maxAcquireMs: Math.round(maxAcquireMs), errors: errors.byCode, samples: errors.samples });
    }),
  );
}

/** The slow, careless hold of ChurnConfig.straddle; reports everything it saw as one "straddle" line. */
async function straddleOnce(manager: LockManager, counter: FencedCounter, holderId: string, straddle: NonNullable<ChurnConfig["straddle"]>, c: ChurnConfig): Promise<void> {
  const report: Record<string, unknown> = { type: "straddle", holderId, resource: straddle.resource };
  try {
    const lease = await manager.acquire(holderId, keyOf(straddle.resource), { ttlMs: c.ttlMs, waitTimeoutMs: c.waitTimeoutMs });
    Object.assign(report, { token: lease.fencingToken, grantedAt: wallClock() });
    const read = await counter.read(straddle.resource, lease.fencingToken);
    Object.assign(report, { readAt: wallClock(), read: read.ok ? read.value : null });
    if (read.ok) {
      await sleep(straddle.holdMs);
      // What the lease would have said had the client looked (it does not).
      Object.assign(report, { validAtWrite: lease.isValid(), abortedAtWrite: lease.signal.aborted });
      const write = await counter.write(straddle.resource, lease.fencingToken, read.value + 1, holderId);
      Object.assign(report, { writeAt: wallClock(), accepted: write.ok, highest: write.ok ? null : write.highest });
    }
    await lease.release().catch((error: unknown) => Object.assign(report, { releaseError: describeError(error).code }));
  } catch (error) {
    Object.assign(report, { error: describeError(error), at: wallClock() });
  }
  emit(report);
}

/** Runs the parent's commands one by one per line; each gets one reply with its id. */
async function interactive(manager: LockManager, counter: FencedCounter, commands: AsyncIterable<WorkerCommand>): Promise<void> {
  const leases = new Map<string, Lease>();
  const pending = new Set<Promise<void>>();
  const handle = async (command: Exclude<WorkerCommand, { op: "go" }>): Promise<boolean> => {
    const lease = "resource" in command ? leases.get(command.resource) : undefined;
    const needLease = () => {
      if (!lease) throw new AppError("NOT_FOUND", `this process holds no lease on ${"resource" in command ? command.resource : "?"}`);
      return lease;
    };
    try {
      switch (command.op) {
        case "acquire": {
          let reply: Record<string, unknown>;
          try {
            const got = await manager.acquire(command.holderId, keyOf(command.resource), {
              ttlMs: command.ttlMs,
              waitTimeoutMs: command.waitTimeoutMs,
              autoExtend: command.autoExtend,
            });
            leases.set(command.resource, got);
            reply = { ok: true, token: got.fencingToken, grantedAt: wallClock() };
          } catch (error) {
            reply = { ok: false, ...describeError(error), at: wallClock() };
          }
          if (command.releaseAllAfter) {
            // Whatever happened, give back everything this holder has, as a client that finished (or was refused) would.
            await manager.releaseAll(command.holderId);
            for (const [resource, held] of leases) if (held.holderId === command.holderId) leases.delete(resource);
            reply.releasedAll = true;
          }
          emit({ type: "reply", id: command.id, ...reply });
          return true;
        }
        case "read": {
          const held = needLease();
          const read = await counter.read(command.resource, held.fencingToken);
          emit({ type: "reply", id: command.id, ok: true, token: held.fencingToken, ...(read.ok ? { accepted: true, value: read.value } : { accepted: false, highest: read.highest }) });
          return true;
        }
        case "write": {
          // Deliberately no validity check here: this is the write of a client that
          // checked before it was paused, and the one that fencing must stop.
          const held = needLease();
          const write = await counter.write(command.resource, held.fencingToken, command.value, held.holderId);
          emit({ type: "reply", id: command.id, ok: true, token: held.fencingToken, ...(write.ok ? { accepted: true } : { accepted: false, highest: write.highest }) });
          return true;
        }
        case "lease": {
          const held = needLease();
          const reason: unknown = held.signal.reason;
          emit({
            type: "reply",
            id: command.id,
            ok: true,
            isValid: held.isValid(),
            aborted: held.signal.aborted,
            abortCode: held.signal.aborted ? describeError(reason).code : null,
            assertValid: (() => {
              try {
                held.assertValid();
                return "ok";
              } catch (error) {
                return describeError(error).code;
              }
            })(),
          });
          return true;
        }
        case "release": {
          const released = await needLease().release();
          leases.delete(command.resource);
          emit({ type: "reply", id: command.id, ok: true, released });
          return true;
        }
        case "releaseAll": {
          await manager.releaseAll(command.holderId);
          for (const [resource, held] of leases) if (held.holderId === command.holderId) leases.delete(resource);
          emit({ type: "reply", id: command.id, ok: true });
          return true;
        }
        case "exit":
          await Promise.allSettled(pending);
          emit({ type: "reply", id: command.id, ok: true });
          return false;
      }
    } catch (error) {
      emit({ type: "reply", id: command.id, ok: false, ...describeError(error) });
      return true;
    }
  };
  // Commands run concurrently (a waiting acquire must not hold up the next line), except exit.
  for await (const command of commands) {
    if (command.op === "go") continue;
    if (command.op === "exit") {
      await handle(command);
      return;
    }
    const run: Promise<void> = handle(command).then(
      () => void pending.delete(run),
      () => void pending.delete(run),
    );
    pending.add(run);
  }
}

/** Parses stdin lines into commands; resolves `go` on the first go; exits the process when stdin closes early. */
function readCommands(onGo: () => void, isFinished: () => boolean): AsyncIterable<WorkerCommand> {
  const queue: WorkerCommand[] = [];
  let notify: (() => void) | null = null;
  let ended = false;
  const rl = readline.createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    if (!line.trim()) return;
    let command: WorkerCommand;
    try {
      command = JSON.parse(line) as WorkerCommand;
    } catch {
      emit({ type: "badCommand", line });
      return;
    }
    if (command.op === "go") onGo();
    queue.push(command);
    notify?.();
  });
  rl.on("close", () => {
    ended = true;
    notify?.();
    // The parent is gone (or gave up on us): nobody will read our reports, so do not linger as an orphan.
    if (!isFinished()) {
      emit({ type: "stdinClosed" });
      process.exit(3);
    }
  });
  return {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (ended) return;
        await new Promise<void>((resolve) => (notify = resolve));
        notify = null;
      }
    },
  };
}

async function main(): Promise<void> {
  const raw = process.argv[2] ?? process.env.LOCK_WORKER_CONFIG;
  if (!raw) throw new Error("lock-worker needs its config as argv[2] or LOCK_WORKER_CONFIG");
  const config = JSON.parse(raw) as WorkerConfig;
  let finished = false;
  let startGo: () => void = () => {};
  const go = new Promise<void>((resolve) => (startGo = resolve));
  const commands = readCommands(() => startGo(), () => finished);

  const counter = await FencedCounter.open({ url: config.counterUrl, prefix: config.counterPrefix });
  const { store, close } = await openStore(config);
  const manager = await LockManager.start({
    store,
    config: config.manager,
    onBackgroundError: (error, context) => emit({ type: "backgroundError", context, ...describeError(error), at: wallClock() }),
  });
  emit({ type: "ready", name: config.name, pid: process.pid, instanceId: manager.instanceId, at: wallClock() });

  if (config.role === "contend") await contend(manager, counter, config, go);
  else if (config.role === "churn") await churn(manager, counter, config, go);
  else await interactive(manager, counter, commands);

  finished = true;
  await manager.close();
  await close();
  await counter.close();
  emit({ type: "finished", name: config.name, at: wallClock() });
  // Flush the last line, then leave even if some client keeps a socket or a timer alive.
  await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
  process.exit(0);
}

// A crash is a finding, not noise: report it as such before dying.
for (const event of ["uncaughtException", "unhandledRejection"] as const) {
  process.on(event, (error: unknown) => {
    emit({ type: "fatal", event, ...describeError(error), stack: error instanceof Error ? error.stack : undefined });
    process.exit(1);
  });
}

main().catch((error: unknown) => {
  emit({ type: "fatal", ...describeError(error), stack: error instanceof Error ? error.stack : undefined });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
});
