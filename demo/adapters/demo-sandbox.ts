import "server-only";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { AuditLog } from "../../server/core/audit/audit-log";
import { createCheckpointSigner } from "../../server/core/audit/checkpoint-signing";
import { systemClock } from "../../server/core/clock";
import type { DemoEnvironment } from "../pipeline/demo-environment";
import { PartitionableLockStore } from "../faults/partitionable-lock-store";
import { createSimulatedExecutors } from "../../server/core/executors/executor-registry";
import { DEFAULT_GATE_CONFIG } from "../../server/core/gates/gate-config";
import { CachedGraphIndex } from "../../server/core/graph/cached-graph-index";
import { LockManager } from "../../server/core/locks/lock-manager";
import { DEFAULT_NOTIFIER_CONFIG, Notifier } from "../../server/core/notify/notifier";
import { DEFAULT_NOTIFY_ROUTING } from "../../server/core/notify/routing";
import { DEFAULT_CONFLICT_POLICY } from "../../server/core/conflicts/policy";
import { DEFAULT_ORCHESTRATOR_CONFIG, type OrchestratorConfig } from "../../server/core/operations/orchestrator-config";
import { Orchestrator } from "../../server/core/operations/orchestrator";
import { seedDemoTopology } from "../../server/core/topology/seed-demo-topology";
import { JsonlCheckpointSink } from "../../server/adapters/audit/checkpoint-file-sink";
import { openDatabase, type Database } from "../../server/adapters/postgres/database";
import { PostgresDeploymentLedger } from "../../server/adapters/postgres/deployment-ledger";
import { PostgresGateHistory } from "../../server/adapters/postgres/gate-history";
import { PostgresGraphStore } from "../../server/adapters/postgres/postgres-graph-store";
import { PostgresIdentityStore } from "../../server/adapters/postgres/identity-store";
import { approvalDeps } from "../../server/adapters/postgres/approval-store";
import { PostgresLockStore } from "../../server/adapters/postgres/lock-store";
import { applyMigrations } from "../../server/adapters/postgres/migrate";
import { PrismaAuditStore } from "../../server/adapters/postgres/audit-store";
import { PrismaIncidentSettingsStore } from "../../server/adapters/postgres/incident-settings-store";
import { PostgresNotificationStore } from "../../server/adapters/postgres/notification-store";
import { PostgresOperationQueries } from "../../server/adapters/postgres/operation-queries";
import { PostgresExecutionLeaseStore } from "../../server/adapters/postgres/execution-lease-store";
import { actorPeople } from "../../server/core/identity/actor-people";
import { PostgresOperationStore } from "../../server/adapters/postgres/operation-store";
import { PrismaMarkerStore, PrismaTopologyStore } from "../../server/adapters/postgres/topology-store";
import { openRedisLockStore } from "../../server/adapters/redis/lock-store";
import { SimulatedSignalSource } from "../../server/adapters/signals/simulated-signal-source";
import { SECOND_PROCESS_UNAVAILABLE, workerProcesses } from "../faults/worker-processes";
import { buildDemoEnvironment } from "./build-demo-environment";

// A throwaway estate for one demo run: a fresh store (an embedded PGlite in a
// temporary directory, or a database the caller created), the demo topology,
// its own audit chain and signing key, locks on Redis (under a key prefix of
// its own) or the store, the simulated signals and executors, the notifier
// with one on-call approver reading the console inbox and no other channel, and
// a real orchestrator driving it all (on a Postgres database, the crash row's
// worker process opens the same store and locks). Used by `npm run demo`, by
// the matrix's integration tests, and by the console's demo on a DATABASE_URL
// deployment (demo/console/console-demo.ts; docs/demo.md#where-a-run-happens),
// so each scenario's outcome depends on its own injection only (no cooldown
// left by the last row) and nothing it does reaches the server's own store.

export interface DemoSandboxOptions {
  /** A Postgres database to use (it must be empty or hold only Interlock's tables); default: a temporary PGlite. */
  databaseUrl?: string;
  /**
   * A Postgres server on which the sandbox creates a throwaway database of
   * its own and drops it on close (the database the URL names is only used
   * to connect). Ignored when `databaseUrl` is given.
   */
  postgresServerUrl?: string;
  /** Locks on this Redis (under a fresh key prefix); default: lease rows in the store. */
  redisUrl?: string;
  timeScale: number;
  orchestrator?: Partial<OrchestratorConfig>;
  onBackgroundError?: (error: unknown, context: string) => void;
  /** Where the inbox's links point (default http://localhost:3000). */
  consoleUrl?: string;
  /** The manual-MTTR baseline runs are compared with (default: the sandbox's own incident setting, 45 min). */
  manualMttrMinutes?: () => Promise<number>;
  /** Why the crash row cannot run on a PGlite sandbox (default: how `npm run demo` gets a Postgres one). */
  secondProcessUnavailable?: string;
}

export interface DemoSandbox {
  env: DemoEnvironment;
  db: Database;
  describe: { store: string; locks: string };
  close(): Promise<void>;
}

export async function openDemoSandbox(options: DemoSandboxOptions): Promise<DemoSandbox> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-demo-"));
  const throwaway = !options.databaseUrl && options.postgresServerUrl ? await createThrowawayDatabase(options.postgresServerUrl) : null;
  const databaseUrl = options.databaseUrl ?? throwaway?.url;
  let db: Database;
  try {
    db = await openDatabase(databaseUrl ? { kind: "postgres", url: databaseUrl, poolSize: 10 } : { kind: "pglite", dataDir: path.join(dir, "pglite") });
  } catch (error) {
    await throwaway?.drop().catch(() => {});
    throw error;
  }
  // Run in reverse: the last thing opened is closed first, and the directory goes after the store that lives in it.
  const closers: (() => Promise<unknown>)[] = [async () => fs.rmSync(dir, { recursive: true, force: true }), ...(throwaway ? [() => throwaway.drop()] : []), async () => db.close()];
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

    const redisPrefix = `interlock:demo:${crypto.randomUUID()}:`;
    const inner = options.redisUrl ? await openRedisLockStore({ url: options.redisUrl, prefix: redisPrefix }) : new PostgresLockStore(db);
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
        leases: new PostgresExecutionLeaseStore(db),
        people: actorPeople(new PostgresIdentityStore(db)),
        approvals: approvalDeps(db),
        audit: log,
        locks,
        lockStore,
        graph: new CachedGraphIndex(graph, 60_000),
        conflictPolicy: async () => DEFAULT_CONFLICT_POLICY,
        gateConfig: async () => DEFAULT_GATE_CONFIG,
        signals,
        gateHistory: new PostgresGateHistory(db),
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
      links: { baseUrl: options.consoleUrl ?? "http://localhost:3000" },
      config: DEFAULT_NOTIFIER_CONFIG,
      random: Math.random,
      onBackgroundError,
    });
    // Notifications come from the committed audit log (docs/notifications.md): a commit only wakes the dispatcher.
    orchestrator.onEvent(() => notifier.poke());
    await notifier.start();
    await orchestrator.start();
    closers.push(async () => log.settle(), async () => notifier.stop(), async () => orchestrator.stop(5_000));

    const processes = databaseUrl
      ? workerProcesses({
          databaseUrl,
          audit: { kind: "given", signingKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), sinkFile: path.join(dir, "audit-checkpoints.jsonl") },
          graph: "store",
          locks: options.redisUrl ? { kind: "redis", url: options.redisUrl, prefix: redisPrefix } : { kind: "store" },
          // Its claim lapses soon after the kill, so the recovery the row measures comes within seconds.
          orchestrator: { timeScale: config.timeScale, claimLeaseMs: Math.min(config.claimLeaseMs, 3_000), lockTtlMs: config.lockTtlMs, lockWaitMs: config.lockWaitMs },
        })
      : ({ available: false, reason: options.secondProcessUnavailable ?? `${SECOND_PROCESS_UNAVAILABLE} (npm run demo: --postgres <server url>)` } as const);
    const built = buildDemoEnvironment({ db, orchestrator, lockStore, locks, signals, audit: { log, store: auditStore, sink, publicKey }, graph, notifier, consoleUrl: options.consoleUrl ?? "http://localhost:3000", gateConfig: async () => DEFAULT_GATE_CONFIG, timeScale: config.timeScale, incidentSettings: new PrismaIncidentSettingsStore(db), workerProcesses: processes });
    const env = options.manualMttrMinutes ? { ...built, manualMttrMinutes: options.manualMttrMinutes } : built;
    return { env, db, describe: { store: db.kind === "postgres" ? (throwaway ? `postgres (temporary database ${throwaway.name})` : "postgres") : "pglite (temporary)", locks: inner.backend }, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A database of its own on a Postgres server, for one sandbox. */
async function createThrowawayDatabase(serverUrl: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `interlock_demo_${crypto.randomBytes(6).toString("hex")}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
