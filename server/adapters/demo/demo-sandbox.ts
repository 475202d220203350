import "server-only";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { AuditLog } from "../../core/audit/audit-log";
import { createCheckpointSigner } from "../../core/audit/checkpoint-signing";
import { systemClock } from "../../core/clock";
import type { DemoEnvironment } from "../../core/demo/demo-environment";
import { PartitionableLockStore } from "../../core/demo/faults/partitionable-lock-store";
import { createSimulatedExecutors } from "../../core/executors/executor-registry";
import { DEFAULT_GATE_CONFIG } from "../../core/gates/gate-config";
import { CachedGraphIndex } from "../../core/graph/cached-graph-index";
import { LockManager } from "../../core/locks/lock-manager";
import { DEFAULT_NOTIFIER_CONFIG, Notifier } from "../../core/notify/notifier";
import { DEFAULT_NOTIFY_ROUTING } from "../../core/notify/routing";
import { DEFAULT_CONFLICT_POLICY } from "../../core/conflicts/policy";
import { DEFAULT_ORCHESTRATOR_CONFIG, type OrchestratorConfig } from "../../core/operations/orchestrator-config";
import { Orchestrator } from "../../core/operations/orchestrator";
import { seedDemoTopology } from "../../core/topology/seed-demo-topology";
import { JsonlCheckpointSink } from "../audit/checkpoint-file-sink";
import { openDatabase, type Database } from "../prisma/database";
import { PostgresDeploymentLedger } from "../prisma/deployment-ledger";
import { PostgresGraphStore } from "../prisma/postgres-graph-store";
import { PostgresIdentityStore } from "../prisma/identity-store";
import { PostgresLockStore } from "../prisma/lock-store";
import { applyMigrations } from "../prisma/migrate";
import { PrismaAuditStore } from "../prisma/audit-store";
import { PostgresNotificationStore } from "../prisma/notification-store";
import { PostgresOperationQueries } from "../prisma/operation-queries";
import { PostgresOperationStore } from "../prisma/operation-store";
import { PrismaMarkerStore, PrismaTopologyStore } from "../prisma/topology-store";
import { openRedisLockStore } from "../redis/lock-store";
import { SimulatedSignalSource } from "../signals/simulated-signal-source";
import { buildDemoEnvironment } from "./build-demo-environment";

// A throwaway estate for one demo run: a fresh store (an embedded PGlite in a
// temporary directory, or a database the caller created), the demo topology,
// its own audit chain and signing key, locks on Redis or the store, the
// simulated signals and executors, the notifier with one on-call approver
// reading the console inbox, and a real orchestrator driving it all. Used by
// `npm run demo` and by the matrix's integration tests, so each scenario's
// outcome depends on its own injection only (no cooldown left by the last row).

export interface DemoSandboxOptions {
  /** A Postgres database to use (it must be empty or hold only Interlock's tables); default: a temporary PGlite. */
  databaseUrl?: string;
  /** Locks on this Redis (under a fresh key prefix); default: lease rows in the store. */
  redisUrl?: string;
  timeScale: number;
  orchestrator?: Partial<OrchestratorConfig>;
  onBackgroundError?: (error: unknown, context: string) => void;
}

export interface DemoSandbox {
  env: DemoEnvironment;
  db: Database;
  describe: { store: string; locks: string };
  close(): Promise<void>;
}

export async function openDemoSandbox(options: DemoSandboxOptions): Promise<DemoSandbox> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-demo-"));
  const db = await openDatabase(options.databaseUrl ? { kind: "postgres", url: options.databaseUrl, poolSize: 10 } : { kind: "pglite", dataDir: path.join(dir, "pglite") });
  // Run in reverse: the last thing opened is closed first, and the directory goes after the store that lives in it.
  const closers: (() => Promise<unknown>)[] = [async () => fs.rmSync(dir, { recursive: true, force: true }), async () => db.close()];
  const close = async () => {
    for (const fn of closers.reverse()) await fn().catch(() => {});
  };
  try {
    await applyMigrations(db);
    await seedDemoTopology({ topology: new PrismaTopologyStore(db.prisma), markers: new PrismaMarkerStore(db.prisma), now: systemClock.now() });
    const onBackgroundError = options.onBackgroundError ?? (() => {});

    const { privateKey, publicKey } = crypto.generateKeyPairSync("ed25519");
    const auditStore = new PrismaAuditStore(db);
    const sink = new JsonlCheckpointSink(path.join(dir, "audit-checkpoints.jsonl"));
    const log = new AuditLog({ store: auditStore, sink, signer: createCheckpointSigner(privateKey), clock: systemClock, config: { checkpointEvery: 1000, checkpointIntervalMs: 60_000, maxBatch: 500 }, onBackgroundError: (e) => onBackgroundError(e, "audit checkpoint") });
    await log.append({ category: "SYSTEM_HEALTH", severity: "INFO", actor: "system", action: "demo.sandbox.opened", payload: { store: db.kind } });

    const inner = options.redisUrl ? await openRedisLockStore({ url: options.redisUrl, prefix: `interlock:demo:${crypto.randomUUID()}:` }) : new PostgresLockStore(db);
    const lockStore = new PartitionableLockStore(inner);
    const locks = await LockManager.start({ store: lockStore, onBackgroundError });
    closers.push(async () => lockStore.close(), async () => locks.close());

    const signals = new SimulatedSignalSource();
    const executors = createSimulatedExecutors({ signals, ledger: new PostgresDeploymentLedger(db) });
    const graph = new PostgresGraphStore(db);
    const config: OrchestratorConfig = { ...DEFAULT_ORCHESTRATOR_CONFIG, pollMs: 200, sweepMs: 2_000, timeScale: options.timeScale, ...options.orchestrator };
    const orchestrator = new Orchestrator(
      {
        store: new PostgresOperationStore(db),
        audit: log,
        locks,
        lockStore,
        graph: new CachedGraphIndex(graph, 60_000),
        conflictPolicy: async () => DEFAULT_CONFLICT_POLICY,
        gateConfig: async () => DEFAULT_GATE_CONFIG,
        signals,
        executorFor: (type) => executors.forType(type),
        clock: systemClock,
        config,
        newId: () => crypto.randomUUID(),
        onBackgroundError,
      },
      `demo-${crypto.randomUUID().slice(0, 8)}`,
    );

    // Someone on call, so review requests have an inbox to land in.
    await new PostgresIdentityStore(db).saveUser({ email: "on-call@interlock.local", name: "On-call approver", role: "APPROVER", passwordHash: null }, "upsert");
    const notifier = new Notifier({
      store: new PostgresNotificationStore(db),
      senders: [],
      routing: async () => DEFAULT_NOTIFY_ROUTING,
      operations: new PostgresOperationQueries(db),
      audit: log,
      clock: systemClock,
      links: { baseUrl: "http://localhost:3000" },
      config: DEFAULT_NOTIFIER_CONFIG,
      random: Math.random,
      onBackgroundError,
    });
    orchestrator.onEvent((event) => void notifier.onOperationEvent(event).catch((error: unknown) => onBackgroundError(error, "queueing notifications")));
    await orchestrator.start();
    closers.push(async () => log.settle(), async () => orchestrator.stop(5_000));

    const env = buildDemoEnvironment({ db, orchestrator, lockStore, locks, signals, audit: { log, store: auditStore, sink, publicKey }, graph, notifier, consoleUrl: "http://localhost:3000", gateConfig: async () => DEFAULT_GATE_CONFIG, timeScale: config.timeScale });
    return { env, db, describe: { store: db.kind === "postgres" ? "postgres" : "pglite (temporary)", locks: inner.backend }, close };
  } catch (error) {
    await close();
    throw error;
  }
}
