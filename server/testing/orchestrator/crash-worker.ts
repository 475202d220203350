// A worker process of the crash-recovery test (crash-recovery.integration.test.ts):
// one orchestrator worker over the test's Postgres database and its Redis lock
// prefix, with nothing of its own that outlives it. The test kills it with
// SIGKILL at a random point and starts another one; what the dead process left
// in the store and in Redis is all the next one has to go on, as after a crash
// in production.
//
// Run as:
//   node --conditions=react-server --import tsx server/testing/orchestrator/crash-worker.ts
// with its config (CrashWorkerConfig, JSON) in the env CRASH_WORKER_CONFIG.
// It builds the orchestrator, reports {"type":"ready"} on stdout, and starts
// its worker on the command {"op":"start"} on stdin (so a standby process can
// be booted ahead of time and started the moment the previous one dies), then
// reports {"type":"started"} and runs until killed. Background errors of the
// orchestrator are reported as {"type":"error"} lines, claims and lapsed claim
// renewals as {"type":"trace"} lines. When stdin closes (the parent died) it
// exits.
import crypto from "node:crypto";
import readline from "node:readline";
import { JsonlCheckpointSink } from "../../adapters/audit/checkpoint-file-sink";
import { PrismaAuditStore } from "../../adapters/postgres/audit-store";
import { openDatabase } from "../../adapters/postgres/database";
import { AuditLog } from "../../core/audit/audit-log";
import { createCheckpointSigner } from "../../core/audit/checkpoint-signing";
import { verifyAuditLog } from "../../core/audit/verify-audit-log";
import { systemClock } from "../../core/clock";
import { DEFAULT_CONFLICT_POLICY, type ConflictPolicy } from "../../core/conflicts/policy";
import { isAppError } from "../../core/errors";
import { DEFAULT_GATE_CONFIG, type GateConfig } from "../../core/gates/gate-config";
import type { OrchestratorConfig } from "../../core/operations/orchestrator-config";
import type { auditFixture } from "../audit";
import { orchestratorFixture } from "../orchestrator";

export interface CrashWorkerConfig {
  databaseUrl: string;
  /** The Redis lock prefix every process of the test shares. */
  redisPrefix: string;
  workerId: string;
  /** PKCS#8 PEM of the audit signing key, shared by every process as in production (checkpoints verify with one key). */
  auditSigningKey: string;
  /** The checkpoint sink file every process appends to. */
  auditSinkFile: string;
  orchestrator: Partial<OrchestratorConfig>;
  /**
   * Upper bounds (ms) of random latency added to slow I/O, so that a kill at a
   * random moment lands in every step, not nearly always in the canary's bake:
   * `commitMs` after a transition's UPDATE, inside its still open transaction
   * (a kill there rolls the transition back); `graphMs` on reading the
   * dependency graph (INIT); `lockMs` after Redis granted a lock and before the
   * worker knows it (a kill leaves a lease the store has and nobody recorded);
   * `releaseMs` before a lease is released (a kill after an operation's final
   * commit leaves its leases to run out at their TTL); `signalsMs` on reading
   * signals (SAFETY_CHECK, verifications).
   */
  jitter?: { commitMs?: number; graphMs?: number; lockMs?: number; releaseMs?: number; signalsMs?: number };
}

export type CrashWorkerMessage =
  | { type: "ready"; pid: number }
  | { type: "started"; workerId: string }
  | { type: "error"; context: string; code: string | null; message: string }
  | { type: "fatal"; message: string; stack?: string }
  /** What the worker claimed (id, attempt, state) and which claims it failed to renew: read when a trial fails. */
  | { type: "trace"; event: "claimed" | "renewal lost"; at: string; operations: string[] };

/**
 * Conflicts warn instead of pausing: an operation paused for a person would
 * not finish by itself, and conflicts are not what this test is about. DIRECT
 * still blocks (the test never submits two operations on one service at
 * once); TIMING is off, because each trial changes services that earlier
 * trials just changed and a 5-minute DELAY would only stretch the run.
 */
export const CRASH_TEST_POLICY: ConflictPolicy = {
  ...DEFAULT_CONFLICT_POLICY,
  rules: {
    ...DEFAULT_CONFLICT_POLICY.rules,
    DEPENDENCY: { enabled: true, severity: "HIGH", action: "WARN" },
    DOWNSTREAM: { enabled: true, severity: "HIGH", action: "WARN" },
    SHARED_RESOURCE: { enabled: true, severity: "HIGH", action: "WARN" },
    TIMING: { enabled: false, severity: "LOW", action: "DELAY" },
  },
};

/**
 * COOLDOWN is off (trials change the same services minutes apart, which it
 * would block) and so is BLAST_RADIUS (its verdict depends on which services a
 * trial happens to pick, and a pause would wait for a person). The other gates
 * run, and pass on the simulated source's healthy figures.
 */
export const CRASH_TEST_GATES: GateConfig = {
  gates: {
    ...DEFAULT_GATE_CONFIG.gates,
    COOLDOWN: { ...DEFAULT_GATE_CONFIG.gates.COOLDOWN, enabled: false },
    BLAST_RADIUS: { ...DEFAULT_GATE_CONFIG.gates.BLAST_RADIUS, enabled: false },
  },
};

function emit(message: CrashWorkerMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

const pause = (maxMs: number | undefined) => (maxMs && maxMs > 0 ? new Promise<void>((resolve) => setTimeout(resolve, Math.random() * maxMs)) : Promise.resolve());

async function main(): Promise<void> {
  const raw = process.env.CRASH_WORKER_CONFIG;
  if (!raw) throw new Error("crash-worker needs its config in CRASH_WORKER_CONFIG");
  const config = JSON.parse(raw) as CrashWorkerConfig;

  // Every connection carries the worker's name, so the test can wait for the dead worker's
  // sessions to end (a COMMIT sent just before the kill still completes) before it looks.
  const url = new URL(config.databaseUrl);
  url.searchParams.set("application_name", config.workerId);
  const db = await openDatabase({ kind: "postgres", url: url.toString(), poolSize: 6 });
  // The audit log with the test's shared key and sink (auditFixture would make a key of its own).
  const privateKey = crypto.createPrivateKey(config.auditSigningKey);
  const publicKey = crypto.createPublicKey(privateKey);
  const store = new PrismaAuditStore(db);
  const sink = new JsonlCheckpointSink(config.auditSinkFile);
  const log = new AuditLog({ store, sink, signer: createCheckpointSigner(privateKey), clock: systemClock, config: { checkpointEvery: 1_000_000, checkpointIntervalMs: 600_000, maxBatch: 500 } });
  const audit: ReturnType<typeof auditFixture> = {
    store,
    sink,
    sinkFile: config.auditSinkFile,
    log,
    privateKey,
    publicKey,
    verify: () => verifyAuditLog({ store, sink, publicKey, batchSize: 1000 }),
    cleanup: () => {},
  };

  const f = await orchestratorFixture({
    db,
    locks: "redis",
    redisPrefix: config.redisPrefix,
    seedTopology: false,
    config: config.orchestrator,
    policy: CRASH_TEST_POLICY,
    gates: CRASH_TEST_GATES,
    workerId: config.workerId,
    audit,
  });

  // Slow I/O, so that kills land everywhere (see CrashWorkerConfig.jitter).
  const jitter = config.jitter ?? {};
  const applyTransitions = f.store.applyTransitions.bind(f.store);
  f.store.applyTransitions = async (tx, writes) => {
    const applied = await applyTransitions(tx, writes);
    await pause(jitter.commitMs);
    return applied;
  };
  const currentGraph = f.graph.current.bind(f.graph);
  f.graph.current = async (now) => {
    await pause(jitter.graphMs);
    return currentGraph(now);
  };
  const acquire = f.lockStore.acquire.bind(f.lockStore);
  f.lockStore.acquire = async (request) => {
    const result = await acquire(request);
    if (result.granted) await pause(jitter.lockMs);
    return result;
  };
  // Claims and lapsed renewals, reported as traces: the history a failed trial is diagnosed from.
  const claim = f.store.claim.bind(f.store);
  f.store.claim = async (workerId, limit, leaseMs) => {
    const claimed = await claim(workerId, limit, leaseMs);
    if (claimed.length > 0) emit({ type: "trace", event: "claimed", at: new Date().toISOString(), operations: claimed.map((o) => `${o.id}#${o.attempt} ${o.state}`) });
    return claimed;
  };
  const renewClaims = f.store.renewClaims.bind(f.store);
  f.store.renewClaims = async (claims, leaseMs) => {
    const kept = await renewClaims(claims, leaseMs);
    const lost = claims.map((c) => c.id).filter((id) => !kept.includes(id));
    if (lost.length > 0) emit({ type: "trace", event: "renewal lost", at: new Date().toISOString(), operations: lost });
    return kept;
  };
  const release = f.lockStore.release.bind(f.lockStore);
  f.lockStore.release = async (key, holderId, fencingToken) => {
    await pause(jitter.releaseMs);
    return release(key, holderId, fencingToken);
  };
  const serviceSignals = f.signals.serviceSignals.bind(f.signals);
  f.signals.serviceSignals = async (service) => {
    await pause(jitter.signalsMs);
    return serviceSignals(service);
  };

  let reported = 0;
  const reportErrors = () => {
    for (; reported < f.errors.length; reported++) {
      const { error, context } = f.errors[reported]!;
      emit({ type: "error", context, code: isAppError(error) ? error.code : null, message: error instanceof Error ? error.message : String(error) });
    }
  };
  setInterval(reportErrors, 50);

  const rl = readline.createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    let command: { op?: string };
    try {
      command = JSON.parse(line) as { op?: string };
    } catch {
      return;
    }
    if (command.op === "start") {
      f.orchestrator.start().then(
        () => emit({ type: "started", workerId: config.workerId }),
        (error: unknown) => fatal(error),
      );
    }
  });
  // The parent is gone: nobody will kill us, so do not linger as an orphan.
  rl.on("close", () => process.exit(0));
  emit({ type: "ready", pid: process.pid });
}

function fatal(error: unknown): void {
  emit({ type: "fatal", message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined });
  process.exit(1);
}

for (const event of ["uncaughtException", "unhandledRejection"] as const) process.on(event, fatal);

main().catch(fatal);
