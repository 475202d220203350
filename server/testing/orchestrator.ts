// An orchestrator over real parts for integration tests: a migrated Postgres
// database with the demo topology, locks on Redis (or the store), the audit
// log, the simulated signals and executors with the ledger in the store.
import crypto from "node:crypto";
import { PostgresDeploymentLedger } from "../adapters/postgres/deployment-ledger";
import { PostgresGateHistory } from "../adapters/postgres/gate-history";
import { PostgresExecutionLeaseStore } from "../adapters/postgres/execution-lease-store";
import { PostgresIdentityStore } from "../adapters/postgres/identity-store";
import { approvalDeps } from "../adapters/postgres/approval-store";
import { actorPeople } from "../core/identity/actor-people";
import { PostgresOperationStore } from "../adapters/postgres/operation-store";
import { PostgresGraphStore } from "../adapters/postgres/postgres-graph-store";
import { PostgresLockStore } from "../adapters/postgres/lock-store";
import { PrismaMarkerStore, PrismaTopologyStore } from "../adapters/postgres/topology-store";
import { openRedisLockStore } from "../adapters/redis/lock-store";
import { SimulatedSignalSource } from "../adapters/signals/simulated-signal-source";
import type { Database } from "../adapters/postgres/database";
import { systemClock, type Clock } from "../core/clock";
import { DEFAULT_CONFLICT_POLICY, type ConflictPolicy } from "../core/conflicts/policy";
import { createSimulatedExecutors } from "../core/executors/executor-registry";
import type { OperationExecutor } from "../core/executors/ports";
import { DEFAULT_GATE_CONFIG, type GateConfig } from "../core/gates/gate-config";
import { CachedGraphIndex } from "../core/graph/cached-graph-index";
import { LockManager } from "../core/locks/lock-manager";
import type { LockStore } from "../core/locks/ports";
import { DEFAULT_ORCHESTRATOR_CONFIG, type OrchestratorConfig } from "../core/operations/orchestrator-config";
import { executorsOf, Orchestrator, type OrchestratorParts } from "../core/operations/orchestrator";
import type { OrchestratorDeps } from "../core/operations/orchestrator-deps";
import { NeighbourhoodLoader } from "../core/operations/neighbourhood-loader";
import { TransitionCommitter } from "../core/operations/transition-committer";
import type { OperationRecord } from "../core/operations/ports";
import { isFinished } from "../core/operations/state-machine";
import type { OperationType } from "../core/operations/types";
import { seedDemoTopology } from "../core/topology/seed-demo-topology";
import { auditFixture } from "./audit";

export interface OrchestratorFixtureOptions {
  db: Database;
  locks?: "redis" | "store";
  config?: Partial<OrchestratorConfig>;
  gates?: GateConfig;
  policy?: ConflictPolicy;
  clock?: Clock;
  /** Replace the executor of some types (a no-op for the benchmark, a slow one for crash tests). */
  executors?: Partial<Record<OperationType, OperationExecutor>>;
  workerId?: string;
  /** Reuse an audit fixture (several orchestrators on one store share one chain). */
  audit?: ReturnType<typeof auditFixture>;
  seedTopology?: boolean;
  /**
   * Key prefix of the Redis lock store (default: a fresh random one per
   * fixture). Processes of one test that must see each other's locks (the
   * crash-recovery test's workers) share it.
   */
  redisPrefix?: string;
  /** Share another fixture's signals (several orchestrators standing for processes that read the same production). */
  signals?: SimulatedSignalSource;
  /** Freeze windows and halts for the FREEZE gate (docs/freezes.md); none by default. */
  freezes?: OrchestratorParts["freezes"];
}

export async function orchestratorFixture(options: OrchestratorFixtureOptions) {
  const { db } = options;
  const clock = options.clock ?? systemClock;
  if (options.seedTopology ?? true) await seedDemoTopology({ topology: new PrismaTopologyStore(db.prisma), markers: new PrismaMarkerStore(db.prisma), now: clock.now() });
  const audit = options.audit ?? auditFixture(db);
  const lockStore: LockStore = options.locks === "store" ? new PostgresLockStore(db) : await openRedisLockStore({ prefix: options.redisPrefix ?? `interlock:test:${crypto.randomUUID()}:` });
  const errors: { error: unknown; context: string }[] = [];
  const onBackgroundError = (error: unknown, context: string) => errors.push({ error, context });
  const locks = await LockManager.start({ store: lockStore, onBackgroundError });
  const signals = options.signals ?? new SimulatedSignalSource({ clock });
  const ledger = new PostgresDeploymentLedger(db);
  const registry = createSimulatedExecutors({ signals, ledger });
  const store = new PostgresOperationStore(db);
  const graph = new CachedGraphIndex(new PostgresGraphStore(db), 60_000);
  let gates = options.gates ?? DEFAULT_GATE_CONFIG;
  let policy = options.policy ?? DEFAULT_CONFLICT_POLICY;
  const config: OrchestratorConfig = { ...DEFAULT_ORCHESTRATOR_CONFIG, pollMs: 200, ...options.config };
  const parts: OrchestratorParts = {
    store,
    audit: audit.log,
    locks,
    lockStore,
    graph,
    conflictPolicy: async () => policy,
    gateConfig: async () => gates,
    signals,
    gateHistory: new PostgresGateHistory(db),
    leases: new PostgresExecutionLeaseStore(db),
    people: actorPeople(new PostgresIdentityStore(db)),
    approvals: approvalDeps(db),
    executorFor: (type) => options.executors?.[type] ?? registry.forType(type),
    ...(options.freezes ? { freezes: options.freezes } : {}),
    clock,
    config,
    newId: () => crypto.randomUUID(),
    onBackgroundError,
  };
  const orchestrator = new Orchestrator(parts, options.workerId ?? `worker-${crypto.randomUUID().slice(0, 8)}`);
  /**
   * The same parts wired as the orchestrator wires them, for tests that call a
   * use case or the committer directly (releaseOrphanedLocks, a racing
   * transition). Its committer batches on its own and its events reach no
   * listener of the orchestrator.
   */
  const deps: OrchestratorDeps = { ...parts, executorFor: executorsOf(parts), committer: new TransitionCommitter(store, audit.log, config.maxBatch), neighbourhood: new NeighbourhoodLoader(store), publish: () => {} };

  /** Polls the store until the operation satisfies `until` (a state, or finished by default). */
  async function waitFor(id: string, until: (op: OperationRecord) => boolean = (op) => isFinished(op.state), timeoutMs = 30_000): Promise<OperationRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const op = await store.get(id);
      // A finished operation's run still releases its locks and records that: let it.
      if (op && until(op)) return isFinished(op.state) ? (await orchestrator.settled(id), op) : op;
      if (Date.now() > deadline) throw new Error(`operation ${id} did not reach the expected state in ${timeoutMs} ms; it is ${op?.state ?? "missing"} (${op?.reason ?? ""})`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async function auditOf(operationId: string) {
    const page = await audit.store.query({ operationId, limit: 500 });
    return page.events.reverse();
  }

  return {
    orchestrator,
    deps,
    store,
    audit,
    lockStore,
    locks,
    signals,
    ledger,
    graph,
    errors,
    config,
    waitFor,
    auditOf,
    setGates: (next: GateConfig) => void (gates = next),
    setPolicy: (next: ConflictPolicy) => void (policy = next),
    async close() {
      await orchestrator.stop(5_000);
      await locks.close();
      await lockStore.close();
      await audit.log.settle?.();
    },
  };
}
