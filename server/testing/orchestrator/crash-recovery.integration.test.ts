// Crash recovery of the orchestrator (docs/lifecycle.md#how-the-orchestrator-drives-an-operation): a worker process
// killed with SIGKILL at a random point, then a fresh one started. Real parts
// throughout: each worker is its own Node process (crash-worker.ts) with its
// own connections, lock manager and timers, on one Postgres database and one
// Redis lock prefix, as replicas are in production.
//
// Each trial submits a batch of operations on distinct services (a mix of
// canary and direct deployments, remediations, config changes, maintenance,
// verifications and rollbacks; in some trials several also share a SYSTEM
// lock, so some wait in a lock queue when the kill comes), lets the running
// worker (A) drive them, and kills it: after a random delay, or as soon as an
// operation is seen at a chosen point (claimed in INIT; its locks granted by
// Redis but not yet recorded, or LOCKED; SAFETY_CHECK; IN_PROGRESS plus a
// random part of the canary). The worker adds random latency to its I/O
// (crash-worker.ts, `jitter`) so that kills also land inside open transactions,
// between a lock grant and its record, and between an operation's last commit
// and the release of its locks. What the store and Redis hold at the kill is
// recorded; then a standby process, booted ahead, starts its worker (B) and
// must finish the batch. B is the next trial's A.
//
// After each trial:
//   - every operation is finished, and COMPLETED (the comment at that check
//     says why nothing less is accepted);
//   - each operation's transitions are a valid path of the state machine with
//     versions 0, 1, 2… without gaps or repeats, each audited exactly once, and
//     the steps committed before the kill are kept (B continued, did not restart);
//   - every operation A had taken up was resumed by a new attempt, which holds
//     its own locks with higher fencing tokens; each lease A left behind was
//     taken back (audited `lock.recovered`) or expired at its TTL;
//   - no lease of the dead process is ever reported past the expiry it had at
//     the kill, or extended; once the batch is done no lock is held at all;
//   - no deployment was carried out twice: each production-changing step
//     ("canary 10%", "promote", "restore version"…) was recorded once, and the
//     deployment ledger (the resource the SERVICE lock fences) holds exactly the
//     write of the step that recorded it, under that attempt's fencing token,
//     with the previous version the test's own model of the ledger expects;
//   - neither worker reported a background error (nothing but the kill fails).
// After all trials the audit chain (written by every process, killed ones too)
// verifies.
//
// Reproduce a run with CRASH_SEED=<seed printed at start> (the batch plans and
// kill triggers repeat; timing on a loaded machine does not, so the exact kill
// point may differ). CRASH_TRIALS overrides the number of trials (default 20);
// CRASH_ORCHESTRATOR_CONFIG (JSON) overrides the workers' orchestrator settings, e.g.
// '{"claimLeaseMs":300}' makes claims lapse under load, a harsher test of the
// worker's claim handling.
// Only outcomes are asserted, never timings; deadlines are generous.
import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import path from "node:path";
import readline from "node:readline";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../adapters/postgres/database";
import { applyMigrations } from "../../adapters/postgres/migrate";
import type { AuditRecord } from "../../core/audit/types";
import type { LockSnapshot } from "../../core/locks/ports";
import type { OrchestratorConfig } from "../../core/operations/orchestrator-config";
import type { OperationRecord } from "../../core/operations/ports";
import { ALLOWED_TRANSITIONS, isFinished } from "../../core/operations/state-machine";
import type { OperationState, OperationType } from "../../core/operations/types";
import { DEMO_TOPOLOGY } from "../../core/topology/demo-topology";
import { orchestratorFixture } from "../orchestrator";
import { createTestDatabase, type TestDatabase } from "../postgres";
import { DEFAULT_COUNTER_URL, deleteKeysWithPrefix } from "../reliability/fenced-counter";
import type { CrashWorkerConfig, CrashWorkerMessage } from "./crash-worker";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const WORKER = path.join(ROOT, "server/testing/orchestrator/crash-worker.ts");
const RUN = crypto.randomBytes(4).toString("hex");
const REDIS_PREFIX = `interlock:test:crash:${RUN}:`;
const SEED = Number(process.env.CRASH_SEED ?? crypto.randomInt(1, 2 ** 31));
const TRIALS = Number(process.env.CRASH_TRIALS ?? 20);

/**
 * Short leases so a dead worker's claims and locks run out within a trial:
 * its claims after 1.5 s, its locks after 3 s. Canary bakes of 5 simulated
 * minutes take 150 ms (a canary 450 ms, a rollback's bake 30 ms).
 */
const WORKER_CONFIG: Partial<OrchestratorConfig> = {
  claimLeaseMs: 1_500,
  lockTtlMs: 3_000,
  pollMs: 100,
  timeScale: 2_000,
  lockWaitMs: 20_000,
  // For experiments (see the header): CRASH_ORCHESTRATOR_CONFIG='{"claimLeaseMs":300}'.
  ...(JSON.parse(process.env.CRASH_ORCHESTRATOR_CONFIG ?? "{}") as Partial<OrchestratorConfig>),
};
const JITTER: CrashWorkerConfig["jitter"] = { commitMs: 25, graphMs: 60, lockMs: 40, releaseMs: 40, signalsMs: 60 };
const SHARED_SYSTEM_LOCK = "crash-test-shared-db";

const DEPLOYING: readonly OperationType[] = ["DEPLOYMENT", "REMEDIATION", "CONFIG_CHANGE", "MAINTENANCE"];
const COMPLETED_PATH: OperationState[] = ["INIT", "LOCKED", "SAFETY_CHECK", "IN_PROGRESS", "COMPLETED"];
/** Steps that change production: a resumed execution must never record one of them twice. */
const CHANGING_STEP = /^((canary|direct) \d+%|promote|rollback|restore version)$/;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** mulberry32: a small seeded PRNG, so a failing run's plan can be replayed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T,>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    shuffle: <T,>(items: readonly T[]): T[] => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
  };
}

// ---------------------------------------------------------------------------
// Worker processes

const children = new Set<CrashWorker>();

class CrashWorker {
  readonly messages: CrashWorkerMessage[] = [];
  readonly exited: Promise<void>;
  private readonly child: ChildProcess;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private stderr = "";
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly workerId: string,
    config: Omit<CrashWorkerConfig, "workerId">,
  ) {
    this.child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", WORKER], {
      cwd: ROOT,
      env: { ...process.env, CRASH_WORKER_CONFIG: JSON.stringify({ ...config, workerId }) },
      stdio: ["pipe", "pipe", "pipe"],
    });
    children.add(this);
    this.child.stdin?.on("error", () => {});
    readline.createInterface({ input: this.child.stdout! }).on("line", (line) => {
      try {
        this.messages.push(JSON.parse(line) as CrashWorkerMessage);
      } catch {
        this.messages.push({ type: "fatal", message: `non-JSON output: ${line}` });
      }
      this.notify();
    });
    this.child.stderr?.on("data", (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4_000)));
    this.exited = new Promise((resolve) =>
      this.child.on("exit", (code, signal) => {
        this.exit = { code, signal };
        children.delete(this);
        this.notify();
        resolve();
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  get errors() {
    return this.messages.filter((m) => m.type === "error" || m.type === "fatal");
  }

  describe(): string {
    return `${this.workerId} (pid ${this.child.pid}) ${this.exit ? `exited ${JSON.stringify(this.exit)}` : "running"}; messages ${JSON.stringify(this.messages.slice(-5))}${this.stderr ? `\nstderr: ${this.stderr.slice(-2_000)}` : ""}`;
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  waitFor(type: CrashWorkerMessage["type"], timeoutMs = 90_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.messages.some((m) => m.type === type)) return done(resolve);
        if (this.exit) return done(() => reject(new Error(`${this.workerId} exited before "${type}": ${this.describe()}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`${this.workerId}: no "${type}" within ${timeoutMs} ms: ${this.describe()}`))), timeoutMs);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        settle();
      };
      this.listeners.add(check);
      check();
    });
  }

  async start(): Promise<void> {
    await this.waitFor("ready");
    this.child.stdin?.write(`${JSON.stringify({ op: "start" })}\n`);
    await this.waitFor("started");
  }

  /** SIGKILL: no handler runs, nothing is flushed or released. */
  async kill(): Promise<void> {
    if (!this.exit) process.kill(this.pid, "SIGKILL");
    await this.exited;
  }
}

// ---------------------------------------------------------------------------
// Trials

interface PlannedOp {
  type: OperationType;
  service: string;
  params: Record<string, string>;
  systemLocks: string[];
}

/**
 * Where an operation stood at the kill, from the store and Redis, in the order
 * of the lifecycle. "locks taken" is an operation whose locks Redis granted
 * while the store still says INIT, or LOCKED (the orchestrator may commit
 * LOCKED together with SAFETY_CHECK, so LOCKED alone is rarely durable).
 */
const KILL_POINTS = ["INIT, not claimed", "INIT, claimed", "locks taken", "SAFETY_CHECK", "IN_PROGRESS", "finished"] as const;
type KillPoint = (typeof KILL_POINTS)[number];
type Trigger = { kind: "delay"; ms: number } | { kind: "state"; target: Exclude<KillPoint, "INIT, not claimed" | "finished">; extraMs: number };

interface Row {
  id: string;
  state: OperationState;
  attempt: number;
  lease_owner: string | null;
  version: number;
  steps: number;
}

interface DeadLease {
  scope: string;
  resource: string;
  holderId: string;
  fencingToken: bigint;
  expiresAt: Date;
}

const SERVICES = DEMO_TOPOLOGY.services.map((s) => s.name);
const TYPE_WEIGHTS: [OperationType, number][] = [
  ["DEPLOYMENT", 30],
  ["REMEDIATION", 15],
  ["CONFIG_CHANGE", 15],
  ["MAINTENANCE", 10],
  ["VERIFICATION", 12],
  ["ROLLBACK", 18],
];

function planTrial(rng: ReturnType<typeof prng>, trial: number): { ops: PlannedOp[]; trigger: Trigger } {
  const count = rng.int(4, 7);
  const services = rng.shuffle(SERVICES).slice(0, count);
  const total = TYPE_WEIGHTS.reduce((s, [, w]) => s + w, 0);
  const shared = rng.next() < 0.3 ? rng.int(2, 3) : 0;
  const ops = services.map((service, i): PlannedOp => {
    let r = rng.next() * total;
    const type = TYPE_WEIGHTS.find(([, w]) => (r -= w) < 0)?.[0] ?? "DEPLOYMENT";
    const params: Record<string, string> =
      type === "ROLLBACK" ? { to_version: `rb-${SEED}-${trial}-${i}` } : type === "VERIFICATION" ? { check: `trial-${trial}` } : { version: `v-${SEED}-${trial}-${i}`, strategy: rng.next() < 0.3 ? "direct" : "canary" };
    return { type, service, params, systemLocks: i < shared ? [SHARED_SYSTEM_LOCK] : [] };
  });
  const trigger: Trigger =
    rng.next() < 0.3
      ? { kind: "delay", ms: rng.int(0, 900) }
      : (() => {
          const target = rng.pick(["INIT, claimed", "locks taken", "SAFETY_CHECK", "IN_PROGRESS"] as const);
          return { kind: "state" as const, target, extraMs: target === "IN_PROGRESS" ? rng.int(0, 400) : 0 };
        })();
  return { ops, trigger };
}

const describeTrigger = (t: Trigger) => (t.kind === "delay" ? `after ${t.ms} ms` : `at first ${t.target}${t.extraMs ? ` + ${t.extraMs} ms` : ""}`);

/** `held`: the holder ids Redis has leases for. */
function killPointOf(row: Row, held: ReadonlySet<string>): KillPoint {
  if (isFinished(row.state)) return "finished";
  if (row.state === "INIT") return row.attempt === 0 ? "INIT, not claimed" : held.has(`op:${row.id}#${row.attempt}`) ? "locks taken" : "INIT, claimed";
  if (row.state === "LOCKED") return "locks taken";
  if (row.state === "SAFETY_CHECK" || row.state === "IN_PROGRESS") return row.state;
  throw new Error(`operation ${row.id} is ${row.state}, which this test never leads to`);
}

/** Waits until Postgres has no session of the given worker (they end as soon as it notices the dead socket). */
async function waitForSessionsGone(db: Database, workerId: string): Promise<void> {
  const until = Date.now() + 15_000;
  while (Date.now() < until) {
    const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [workerId]);
    if (row!.n === 0) return;
    await sleep(20);
  }
  throw new Error(`${workerId}'s Postgres sessions were still open 15 s after it was killed`);
}

const heldHolders = (snapshot: { locks: LockSnapshot[] }) => new Set(snapshot.locks.flatMap((l) => l.holders.map((h) => h.holderId)));
const describeKill = (row: Row, point: KillPoint) => (point === "IN_PROGRESS" ? `IN_PROGRESS (${row.steps} steps recorded)` : point);

describe("orchestrator crash recovery (worker processes killed with SIGKILL)", () => {
  let testDb: TestDatabase;
  let db: Database;
  let f: Awaited<ReturnType<typeof orchestratorFixture>>;
  let redis: Redis;
  let workerConfig: Omit<CrashWorkerConfig, "workerId">;
  let spawned = 0;

  beforeAll(async () => {
    console.log(`[crash recovery] seed ${SEED} (rerun with CRASH_SEED=${SEED}), ${TRIALS} trials`);
    testDb = await createTestDatabase("crash_recovery");
    db = await openDatabase({ kind: "postgres", url: testDb.url, poolSize: 6 });
    await applyMigrations(db);
    // Seeds the demo topology once, before any worker starts; never started itself:
    // it submits, reads the store, the locks, the ledger and the audit.
    f = await orchestratorFixture({ db, locks: "redis", redisPrefix: REDIS_PREFIX, seedTopology: true });
    redis = new Redis(DEFAULT_COUNTER_URL, { maxRetriesPerRequest: 1 });
    redis.on("error", () => {});
    workerConfig = {
      databaseUrl: testDb.url,
      redisPrefix: REDIS_PREFIX,
      auditSigningKey: f.audit.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      auditSinkFile: f.audit.sinkFile,
      orchestrator: WORKER_CONFIG,
      jitter: JITTER,
    };
  });

  afterAll(async () => {
    await Promise.allSettled([...children].map((c) => c.kill()));
    await f?.close().catch(() => {});
    f?.audit.cleanup();
    await db?.close().catch(() => {});
    await testDb?.drop().catch(() => {});
    if (redis) {
      await deleteKeysWithPrefix(redis, REDIS_PREFIX).catch(() => {});
      redis.disconnect();
    }
  });

  const newWorker = () => new CrashWorker(`crash-worker-${++spawned}`, workerConfig);

  async function readRows(ids: string[]): Promise<Row[]> {
    const rows = await db.query<Row>(
      `SELECT o.id::text AS id, o.state::text AS state, o.attempt, o.lease_owner, o.version,
         (SELECT count(*)::int FROM operation_steps st WHERE st.operation_id = o.id) AS steps
       FROM operations o WHERE o.id = ANY($1::uuid[])`,
      [ids],
    );
    return ids.map((id) => rows.find((r) => r.id === id)!);
  }

  async function stepsOf(id: string) {
    return db.query<{ name: string; attempt: number; outcome: string; detail: { [key: string]: unknown } }>(
      `SELECT name, attempt, outcome, detail FROM operation_steps WHERE operation_id = $1::uuid ORDER BY started_at, ended_at`,
      [id],
    );
  }

  it(`recovers every operation after ${TRIALS} SIGKILLs at random points: resumed or finished, no lock past its TTL, no double deployment, the audit chain verifies`, async () => {
    const rng = prng(SEED);
    const startedAt = Date.now();
    const figures = {
      trials: 0,
      operations: 0,
      /** Per operation, where the store had it at the kill. */
      atKill: {} as Record<string, number>,
      /** Per trial, the most advanced unfinished state at the kill. */
      killsByFurthestState: {} as Record<string, number>,
      resumed: 0,
      resumedMidCanary: 0,
      deadLeases: 0,
      /** Lock requests of the dead worker still queued at the kill (they drop out of the queue once no longer renewed). */
      deadWaiters: 0,
      leasesRecovered: 0,
      leasesExpired: 0,
      targetMissed: 0,
    };
    // The deployment ledger as this test expects it: what each service runs, and what it ran before.
    const ledgerModel = new Map<string, { version: string; previous: string | null }>();

    let current = newWorker();
    await current.start();
    let standby = newWorker();

    for (let trial = 0; trial < TRIALS; trial++) {
      const { ops: plan, trigger } = planTrial(rng, trial);
      const problems: string[] = [];
      const where = `seed ${SEED}, trial ${trial}`;

      const submitted = await Promise.all(plan.map((p) => f.orchestrator.submit({ type: p.type, service: p.service, actor: "crash-test@example.com", params: p.params, systemLocks: p.systemLocks })));
      expect(
        submitted.map((s) => s.result),
        where,
      ).toEqual(plan.map(() => "ACCEPTED"));
      const ids = submitted.map((s) => s.operation.id);

      // ── the kill ──
      let polls = 0;
      const submittedAt = Date.now();
      if (trigger.kind === "delay") {
        await sleep(trigger.ms);
      } else {
        // Polled as fast as the database answers; given up once every operation is past the target.
        const target = KILL_POINTS.indexOf(trigger.target);
        const until = Date.now() + 10_000;
        let seen = false;
        for (;;) {
          const held = trigger.target === "locks taken" ? heldHolders(await f.lockStore.snapshot()) : new Set<string>();
          const points = (await readRows(ids)).map((r) => KILL_POINTS.indexOf(killPointOf(r, held)));
          polls++;
          if ((seen = points.includes(target)) || points.every((p) => p > target) || Date.now() > until) break;
        }
        if (!seen) figures.targetMissed++;
        if (trigger.extraMs) await sleep(trigger.extraMs);
      }
      const triggerMs = Date.now() - submittedAt;
      const victim = current;
      await victim.kill();
      // Nothing had failed before the kill, so the worker had nothing to report either.
      if (victim.errors.length > 0) problems.push(`the killed worker had reported errors before the kill: ${JSON.stringify(victim.errors)}`);
      // A statement the worker sent just before it died (a COMMIT) still completes in Postgres:
      // the state "at the kill" is the state once its sessions are gone.
      await waitForSessionsGone(db, victim.workerId);
      const atKill = await readRows(ids);
      const killSnapshot = await f.lockStore.snapshot();
      const deadLeases = new Map<string, DeadLease>();
      for (const lock of killSnapshot.locks) {
        for (const h of lock.holders) {
          deadLeases.set(`${lock.key.scope}|${lock.key.resource}|${h.holderId}`, { scope: lock.key.scope, resource: lock.key.resource, holderId: h.holderId, fencingToken: h.fencingToken, expiresAt: h.expiresAt });
        }
      }
      figures.deadLeases += deadLeases.size;
      const deadWaiters = killSnapshot.locks.flatMap((l) => l.waiters.map((w) => `${w.holderId} on ${l.key.scope} ${l.key.resource}`));
      figures.deadWaiters += deadWaiters.length;
      const killPoints = atKill.map((r) => killPointOf(r, heldHolders(killSnapshot)));
      const killStates = atKill.map((r, i) => describeKill(r, killPoints[i]!));
      for (const s of killStates) figures.atKill[s] = (figures.atKill[s] ?? 0) + 1;
      const unfinished = killPoints.filter((p) => p !== "finished");
      const furthest = unfinished.length === 0 ? "all finished" : KILL_POINTS[Math.max(...unfinished.map((p) => KILL_POINTS.indexOf(p)))]!;
      figures.killsByFurthestState[furthest] = (figures.killsByFurthestState[furthest] ?? 0) + 1;

      /** A lease of the dead process must never be reported live past the expiry it had at the kill, nor extended. */
      const checkDeadLeases = (snapshot: { at: Date; locks: LockSnapshot[] }) => {
        for (const lock of snapshot.locks) {
          for (const h of lock.holders) {
            const dead = deadLeases.get(`${lock.key.scope}|${lock.key.resource}|${h.holderId}`);
            if (!dead) continue;
            if (h.expiresAt.getTime() > dead.expiresAt.getTime()) problems.push(`the dead worker's lease ${h.holderId} on ${lock.key.scope} ${lock.key.resource} was extended after the kill (to ${h.expiresAt.toISOString()}, was ${dead.expiresAt.toISOString()})`);
            if (snapshot.at.getTime() > dead.expiresAt.getTime()) problems.push(`the dead worker's lease ${h.holderId} on ${lock.key.scope} ${lock.key.resource} was still held at ${snapshot.at.toISOString()}, past its TTL (${dead.expiresAt.toISOString()})`);
          }
        }
      };

      // ── the restart ──
      const killedAt = Date.now();
      current = standby;
      await current.start();
      const restartMs = Date.now() - killedAt;
      standby = newWorker(); // boots while this trial runs: the next trial's restart

      const deadline = Date.now() + 60_000;
      let rows = atKill;
      for (;;) {
        checkDeadLeases(await f.lockStore.snapshot());
        rows = await readRows(ids);
        if (rows.every((r) => isFinished(r.state))) break;
        if (Date.now() > deadline) {
          problems.push(`not finished 60 s after the restart: ${rows.filter((r) => !isFinished(r.state)).map((r) => `${r.id} ${r.state} attempt ${r.attempt} owner ${r.lease_owner}`).join("; ")}`);
          break;
        }
        await sleep(50);
      }
      const finishedMs = Date.now() - killedAt;
      // Once the batch is done nothing may stay locked: the new worker released its
      // leases, and whatever the dead one left runs out at its TTL (never later).
      const lockDeadline = Date.now() + 2 * (WORKER_CONFIG.lockTtlMs ?? 0) + 5_000;
      for (;;) {
        const snapshot = await f.lockStore.snapshot();
        checkDeadLeases(snapshot);
        if (snapshot.locks.length === 0) break;
        if (Date.now() > lockDeadline) {
          problems.push(`locks still held after the batch finished: ${JSON.stringify(snapshot.locks.map((l) => ({ key: l.key, holders: l.holders.map((h) => ({ holderId: h.holderId, expiresAt: h.expiresAt })), waiters: l.waiters.map((w) => w.holderId) })))}`);
          break;
        }
        await sleep(100);
      }
      const unlockedMs = Date.now() - killedAt;

      // ── per operation ──
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]!;
        const planned = plan[i]!;
        const before = atKill[i]!;
        const op = (await f.store.get(id)) as OperationRecord;
        const label = `${planned.type} ${planned.service} ${id} (at the kill: ${killStates[i]}, attempt ${before.attempt}, version ${before.version})`;
        const transitions = await f.store.listTransitions(id);
        const events: AuditRecord[] = await f.auditOf(id);
        const steps = await stepsOf(id);

        // Finished, and completed. With healthy simulated signals, conflicts that
        // only warn, and gates that pass, every one of these operations completes
        // when nothing crashes; a crash must not change that. FAILED "abandoned",
        // LOCK_TIMEOUT (a dead worker's lock never taken back), or an executor
        // failure from a resumed step would each be a recovery defect, so any
        // non-COMPLETED outcome fails the test with its result and reason.
        if (op.state !== "COMPLETED" || op.result !== "SUCCESS") problems.push(`${label} ended ${op.state}/${op.result}: ${op.reason ?? ""} ${op.error ?? ""}`);

        // A valid path, versions 0..n, each transition audited once.
        const pathProblems: string[] = [];
        transitions.forEach((t, v) => {
          if (t.version !== v) pathProblems.push(`version ${t.version} at position ${v}`);
          if (v === 0) {
            if (t.from !== null || t.to !== "INIT") pathProblems.push(`starts ${t.from} → ${t.to}`);
            return;
          }
          const prev = transitions[v - 1]!;
          if (t.from !== prev.to) pathProblems.push(`v${v} moves from ${t.from} but v${v - 1} reached ${prev.to}`);
          if (!ALLOWED_TRANSITIONS[prev.to as OperationState]?.includes(t.to as OperationState)) pathProblems.push(`v${v} ${prev.to} → ${t.to} is not allowed`);
        });
        if (transitions.at(-1)?.to !== op.state || transitions.at(-1)?.version !== op.version) pathProblems.push(`the last transition (${transitions.at(-1)?.to} v${transitions.at(-1)?.version}) is not the operation's ${op.state} v${op.version}`);
        if (op.state === "COMPLETED" && transitions.map((t) => t.to).join() !== COMPLETED_PATH.join()) pathProblems.push(`completed by ${transitions.map((t) => t.to).join(" → ")}`);
        const audited = events.filter((e) => e.action === "operation.transition").map((e) => Number(e.payload.version));
        if (audited.join() !== transitions.slice(1).map((t) => t.version).join()) pathProblems.push(`audited transition versions ${audited.join(",")}`);
        if (events.filter((e) => e.action === "operation.submitted").length !== 1) pathProblems.push("not audited as submitted exactly once");
        // What was committed before the kill is the start of the final path: B continued from there.
        if (transitions[before.version]?.to !== before.state) pathProblems.push(`the state at the kill (${before.state} v${before.version}) is not in the final path`);
        const opProblems = problems.length;
        if (pathProblems.length > 0) problems.push(`${label}: transitions ${transitions.map((t) => `${t.from}→${t.to}@${t.version}`).join(", ")}: ${pathProblems.join("; ")}`);

        // Resumed by a new attempt, with its own locks and higher tokens than the dead attempt's.
        const acquired = events.filter((e) => e.action === "lock.acquired").map((e) => e.payload as { scope: string; resource: string; holderId: string; fencingToken: string; expiresAt: string; ttlMs: number });
        const finalHolder = `op:${id}#${op.attempt}`;
        const inFlightAtKill = !isFinished(before.state) && before.attempt > 0;
        if (inFlightAtKill) {
          figures.resumed++;
          if (before.state === "IN_PROGRESS" && before.steps > 0) figures.resumedMidCanary++;
          if (op.attempt <= before.attempt) problems.push(`${label} was not taken up by a new attempt (attempt ${op.attempt})`);
        }
        if (op.state === "COMPLETED") {
          for (const key of op.lockKeys) {
            const mine = acquired.filter((a) => a.holderId === finalHolder && a.scope === key.scope && a.resource === key.resource);
            if (mine.length !== 1) problems.push(`${label}: the completing attempt ${finalHolder} acquired ${key.scope} ${key.resource} ${mine.length} times`);
          }
        }
        for (const dead of deadLeases.values()) {
          if (!dead.holderId.startsWith(`op:${id}#`)) continue;
          const recovered = events.some((e) => e.action === "lock.recovered" && e.payload.holderId === dead.holderId && e.payload.resource === dead.resource && e.payload.scope === dead.scope);
          const retaken = acquired.filter((a) => a.holderId !== dead.holderId && a.scope === dead.scope && a.resource === dead.resource);
          if (recovered) figures.leasesRecovered++;
          else figures.leasesExpired++;
          for (const a of retaken) {
            if (BigInt(a.fencingToken) <= dead.fencingToken) problems.push(`${label}: ${a.holderId} got ${dead.scope} ${dead.resource} with token ${a.fencingToken}, not above the dead ${dead.holderId}'s ${dead.fencingToken}`);
            const acquiredAt = new Date(a.expiresAt).getTime() - a.ttlMs;
            // Retaken without a recorded take-back is fine only once the dead lease had run out.
            if (!recovered && acquiredAt < dead.expiresAt.getTime() - 50) problems.push(`${label}: ${a.holderId} got ${dead.scope} ${dead.resource} at ${new Date(acquiredAt).toISOString()} while the dead ${dead.holderId} held it until ${dead.expiresAt.toISOString()}, and no lock.recovered was recorded`);
          }
          if (inFlightAtKill && op.state === "COMPLETED" && retaken.length === 0 && !recovered && dead.scope === "SERVICE") problems.push(`${label}: the dead lease ${dead.holderId} was neither taken back nor re-acquired`);
        }

        // Each production change recorded once.
        const changing = steps.filter((s) => CHANGING_STEP.test(s.name));
        const names = changing.map((s) => s.name);
        const repeated = names.filter((n, k) => names.indexOf(n) !== k);
        if (repeated.length > 0) problems.push(`${label}: steps recorded more than once: ${repeated.join(", ")} (all: ${steps.map((s) => `${s.name}#${s.attempt}`).join(", ")})`);
        const failedSteps = changing.filter((s) => s.outcome === "FAILED");
        if (failedSteps.length > 0) problems.push(`${label}: failed steps ${failedSteps.map((s) => s.name).join(", ")}`);

        // The ledger holds exactly the write that counted, under the fence of the attempt that made it.
        const serviceToken = (attempt: number) => acquired.find((a) => a.holderId === `op:${id}#${attempt}` && a.scope === "SERVICE" && a.resource === planned.service)?.fencingToken;
        const live = await f.ledger.current(planned.service);
        const model = ledgerModel.get(planned.service) ?? null;
        if (op.state === "COMPLETED" && (DEPLOYING.includes(planned.type) || planned.type === "ROLLBACK")) {
          const version = planned.type === "ROLLBACK" ? planned.params.to_version! : planned.params.version!;
          const writeStep = steps.find((s) => s.name === (planned.type === "ROLLBACK" ? "restore version" : "promote"));
          if (!live || live.operationId !== id || live.version !== version) problems.push(`${label}: the ledger shows ${live ? `${live.version} by ${live.operationId}` : "nothing"}, not ${version} by this operation`);
          else if (!writeStep) problems.push(`${label}: completed without a ${planned.type === "ROLLBACK" ? "restore version" : "promote"} step`);
          else {
            const stepToken = typeof writeStep.detail.fencingToken === "string" ? writeStep.detail.fencingToken : null;
            if (stepToken !== null) {
              // The step's attempt wrote the ledger with its SERVICE token, and nothing wrote after it.
              if (live.fencingToken.toString() !== stepToken) problems.push(`${label}: the ledger's token ${live.fencingToken} is not the ${writeStep.name} step's ${stepToken}`);
              if (serviceToken(writeStep.attempt) !== stepToken) problems.push(`${label}: the ${writeStep.name} step of attempt ${writeStep.attempt} carries token ${stepToken}, but that attempt's SERVICE lock had ${serviceToken(writeStep.attempt)}`);
            } else {
              // A rollback whose earlier attempt wrote the ledger and died before recording it:
              // the resumed attempt found its own version live and did not write again.
              const earlier = Array.from({ length: writeStep.attempt - 1 }, (_, k) => serviceToken(k + 1));
              if (writeStep.detail.alreadyLive !== true || !earlier.includes(live.fencingToken.toString())) problems.push(`${label}: the ledger's token ${live.fencingToken} is from no earlier attempt of this operation (${earlier.join(", ")}), step ${JSON.stringify(writeStep.detail)}`);
            }
            if (live.previousVersion !== (model?.version ?? null)) problems.push(`${label}: the ledger's previous version is ${live.previousVersion}, expected ${model?.version ?? null} (a second write would have replaced it)`);
          }
          ledgerModel.set(planned.service, { version, previous: model?.version ?? null });
        } else if (op.state === "COMPLETED" && planned.type === "VERIFICATION") {
          if ((live?.version ?? null) !== (model?.version ?? null)) problems.push(`${label}: a verification changed the ledger to ${live?.version}`);
        }
        if (problems.length > opProblems) {
          // What happened to it, for the report.
          problems.push(
            `  history of ${id}: transitions ${transitions.map((t) => `${t.to}@${t.version} ${t.at.toISOString()}`).join(", ")}; audit ${events
              .map((e) => `#${e.seq} ${e.at} ${e.action}${e.payload.holderId ? ` ${String(e.payload.holderId).split("#")[1]}` : ""}${e.payload.to ? ` →${String(e.payload.to)}` : ""}`)
              .join(", ")}; steps ${steps.map((st) => `${st.name}#${st.attempt}`).join(", ")}; worker traces ${JSON.stringify(
              [victim, current].flatMap((w) => w.messages.filter((m) => m.type === "trace" && m.operations.some((o) => o.startsWith(id))).map((m) => ({ worker: w.workerId, ...m }))),
            )}`,
          );
        }
      }

      const trialErrors = current.errors;
      if (trialErrors.length > 0) problems.push(`the restarted worker reported errors: ${JSON.stringify(trialErrors)}`);

      figures.trials++;
      figures.operations += ids.length;
      console.log(
        `[crash recovery] trial ${trial}: ${plan.length} ops${plan.some((p) => p.systemLocks.length) ? " (some sharing a SYSTEM lock)" : ""}, killed ${describeTrigger(trigger)} (${triggerMs} ms after the submission${polls ? `, ${polls} polls` : ""}); at the kill: ${killStates.join(", ")}; ${deadLeases.size} leases and ${deadWaiters.length} queued requests left by the dead worker; after the kill: restarted ${restartMs} ms, batch finished ${finishedMs} ms, no lock ${unlockedMs} ms`,
      );
      expect(problems, `${where}: ${problems.length} problem(s):\n${problems.join("\n")}\n`).toEqual([]);
    }

    await current.kill();
    await standby.kill();
    await f.audit.log.settle();
    const verification = await f.audit.verify();
    expect(verification, `seed ${SEED}: audit chain`).toMatchObject({ valid: true });
    console.log(`[crash recovery] seed ${SEED}: ${JSON.stringify({ ...figures, auditEventsVerified: verification.checked, checkpoints: verification.checkpoints, seconds: Math.round((Date.now() - startedAt) / 100) / 10 })}`);
  }, 400_000);
});
