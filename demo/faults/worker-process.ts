// The failure matrix's "orchestrator crash" (row 15) kills a real process:
// this one. It opens the same database and the same lock backend as the
// demo's orchestrator, starts an orchestrator worker of its own (a replica
// like any other), submits the one operation it was given and drives it, and
// runs until it is killed. What it leaves in the store and in the lock backend
// when SIGKILL comes is all the demo's orchestrator has to recover from, as
// after a crash in production.
//
// Run as (demo/faults/worker-processes.ts starts it):
//   node --conditions=react-server --import tsx demo/faults/worker-process.ts
// with its config (WorkerProcessConfig, JSON) in the env DEMO_WORKER_CONFIG.
// It reports JSON lines on stdout: {"type":"submitted"} with the operation,
// {"type":"claimed"} for each claim its worker makes, {"type":"error"} for its
// background errors, {"type":"fatal"} when it cannot go on. When stdin
// closes (the parent died) it exits.
import crypto from "node:crypto";
import readline from "node:readline";
import { JsonlCheckpointSink } from "../../server/adapters/audit/checkpoint-file-sink";
import { loadAuditSigningKey } from "../../server/adapters/audit/signing-key";
import { neo4jConfigFromEnv } from "../../server/adapters/neo4j/neo4j-config";
import { Neo4jGraphStore } from "../../server/adapters/neo4j/neo4j-graph-store";
import { PrismaAuditStore } from "../../server/adapters/postgres/audit-store";
import { PrismaConflictPolicyStore } from "../../server/adapters/postgres/conflict-policy-store";
import { openDatabase } from "../../server/adapters/postgres/database";
import { PostgresDeploymentLedger } from "../../server/adapters/postgres/deployment-ledger";
import { PostgresGateHistory } from "../../server/adapters/postgres/gate-history";
import { PrismaGateConfigStore } from "../../server/adapters/postgres/gate-config-store";
import { PostgresLockStore } from "../../server/adapters/postgres/lock-store";
import { PostgresExecutionLeaseStore } from "../../server/adapters/postgres/execution-lease-store";
import { PostgresIdentityStore } from "../../server/adapters/postgres/identity-store";
import { approvalDeps } from "../../server/adapters/postgres/approval-store";
import { actorPeople } from "../../server/core/identity/actor-people";
import { PostgresOperationStore } from "../../server/adapters/postgres/operation-store";
import { PostgresGraphStore } from "../../server/adapters/postgres/postgres-graph-store";
import { openRedisLockStore } from "../../server/adapters/redis/lock-store";
import { SimulatedSignalSource } from "../../server/adapters/signals/simulated-signal-source";
import { AuditLog } from "../../server/core/audit/audit-log";
import { createCheckpointSigner } from "../../server/core/audit/checkpoint-signing";
import { systemClock } from "../../server/core/clock";
import { getConflictPolicy } from "../../server/core/conflicts/get-conflict-policy";
import { isAppError } from "../../server/core/errors";
import { createSimulatedExecutors } from "../../server/core/executors/executor-registry";
import { getGateConfig } from "../../server/core/gates/get-gate-config";
import { CachedGraphIndex } from "../../server/core/graph/cached-graph-index";
import { LockManager } from "../../server/core/locks/lock-manager";
import type { LockStore } from "../../server/core/locks/ports";
import { Orchestrator } from "../../server/core/operations/orchestrator";
import { DEFAULT_ORCHESTRATOR_CONFIG, type OrchestratorConfig } from "../../server/core/operations/orchestrator-config";
import { getEnv } from "../../server/env";

export interface WorkerProcessConfig {
  /** A Postgres database (the embedded PGlite store admits one process, so it cannot be shared). */
  databaseUrl: string;
  /** The lock backend the demo's orchestrator uses: Redis under its key prefix, or lease rows in the store. */
  locks: { kind: "redis"; url: string; prefix: string } | { kind: "store" };
  /**
   * How it joins the audit chain. Its log checkpoints the head after its first
   * append (as every process's does), so it signs with the chain's key and
   * anchors in the same sink: the sandbox hands over its throwaway key, and on
   * a server it loads the server's key from the server's configuration, as
   * any replica started with that configuration does.
   */
  audit: { kind: "given"; signingKeyPem: string; sinkFile: string } | { kind: "server" };
  /**
   * Where the dependency graph is read: beside a server, where the server keeps
   * it (Neo4j when NEO4J_URI is inherited); in a sandbox, the sandbox's own
   * tables, never the server's graph.
   */
  graph?: "server" | "store";
  workerId: string;
  orchestrator: Partial<OrchestratorConfig>;
  /** What to submit (the orchestrator's submission input). */
  submission: Record<string, unknown>;
}

export type WorkerProcessMessage =
  | { type: "submitted"; operationId: string; result: string; pid: number }
  | { type: "claimed"; operations: string[] }
  | { type: "error"; context: string; code: string | null; message: string }
  | { type: "fatal"; message: string };

function emit(message: WorkerProcessMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function main(): Promise<void> {
  const raw = process.env.DEMO_WORKER_CONFIG;
  if (!raw) throw new Error("worker-process needs its config in DEMO_WORKER_CONFIG");
  const config = JSON.parse(raw) as WorkerProcessConfig;
  // The parent is gone: nobody will kill us, so do not linger as an orphan.
  readline.createInterface({ input: process.stdin }).on("close", () => process.exit(0));

  const url = new URL(config.databaseUrl);
  url.searchParams.set("application_name", config.workerId);
  const db = await openDatabase({ kind: "postgres", url: url.toString(), poolSize: 4 });
  const onBackgroundError = (error: unknown, context: string) =>
    emit({ type: "error", context, code: isAppError(error) ? error.code : null, message: error instanceof Error ? error.message : String(error) });

  // It appends to the same audit chain, signing checkpoints with its key into its sink.
  const { privateKey, sinkFile } = auditKeyAndSink(config.audit);
  const audit = new AuditLog({
    store: new PrismaAuditStore(db),
    sink: new JsonlCheckpointSink(sinkFile),
    signer: createCheckpointSigner(privateKey),
    clock: systemClock,
    config: { checkpointEvery: 1_000_000_000, checkpointIntervalMs: 24 * 3_600_000, maxBatch: 500 },
    onBackgroundError: (error) => onBackgroundError(error, "audit"),
  });

  const lockStore: LockStore = config.locks.kind === "redis" ? await openRedisLockStore({ url: config.locks.url, prefix: config.locks.prefix }) : new PostgresLockStore(db);
  const locks = await LockManager.start({ store: lockStore, onBackgroundError });
  // The dependency graph where the server keeps it (the environment is inherited).
  const neo4j = config.graph === "store" ? null : neo4jConfigFromEnv(process.env);
  const graph = neo4j ? Neo4jGraphStore.open(neo4j) : new PostgresGraphStore(db);
  const policies = new PrismaConflictPolicyStore(db);
  const gates = new PrismaGateConfigStore(db);
  const signals = new SimulatedSignalSource();
  const executors = createSimulatedExecutors({ signals, ledger: new PostgresDeploymentLedger(db) });
  const store = new PostgresOperationStore(db);
  // Its claims, reported: the parent kills it only if it is the one driving the operation.
  const claim = store.claim.bind(store);
  store.claim = async (workerId, limit, leaseMs) => {
    const claimed = await claim(workerId, limit, leaseMs);
    if (claimed.length > 0) emit({ type: "claimed", operations: claimed.map((o) => o.id) });
    return claimed;
  };
  const orchestrator = new Orchestrator(
    {
      store,
      leases: new PostgresExecutionLeaseStore(db),
      people: actorPeople(new PostgresIdentityStore(db)),
      approvals: approvalDeps(db),
      audit,
      locks,
      lockStore,
      graph: new CachedGraphIndex(graph, 60_000),
      conflictPolicy: () => getConflictPolicy({ policies }),
      gateConfig: () => getGateConfig({ gates }),
      signals,
      gateHistory: new PostgresGateHistory(db),
      executorFor: (type) => executors.forType(type),
      clock: systemClock,
      // One operation at a time, and no polling: it takes up its own submission
      // (a submission wakes its own worker first) and as little else as possible.
      config: { ...DEFAULT_ORCHESTRATOR_CONFIG, ...config.orchestrator, concurrency: 1, pollMs: 3_600_000 },
      newId: () => crypto.randomUUID(),
      onBackgroundError,
    },
    config.workerId,
  );
  await orchestrator.start();
  const outcome = await orchestrator.submit({ ...config.submission, source: "DEMO" });
  emit({ type: "submitted", operationId: outcome.operation.id, result: outcome.result, pid: process.pid });
}

function auditKeyAndSink(audit: WorkerProcessConfig["audit"]): { privateKey: crypto.KeyObject; sinkFile: string } {
  if (audit.kind === "given") return { privateKey: crypto.createPrivateKey(audit.signingKeyPem), sinkFile: audit.sinkFile };
  const env = getEnv();
  return { privateKey: loadAuditSigningKey({ configured: env.AUDIT_SIGNING_KEY, keyFile: env.auditKeyFile }), sinkFile: env.auditCheckpointFile };
}

function fatal(error: unknown): void {
  emit({ type: "fatal", message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}

for (const event of ["uncaughtException", "unhandledRejection"] as const) process.on(event, fatal);

main().catch(fatal);
