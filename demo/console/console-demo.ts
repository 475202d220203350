import "server-only";
import crypto from "node:crypto";
import os from "node:os";
import { webhookExecutorConfigFromEnv } from "../../server/adapters/executors/webhook-executor";
import { PostgresDeploymentLedger } from "../../server/adapters/postgres/deployment-ledger";
import { PostgresGateHistory } from "../../server/adapters/postgres/gate-history";
import { PostgresExecutionLeaseStore } from "../../server/adapters/postgres/execution-lease-store";
import { PostgresOperationStore } from "../../server/adapters/postgres/operation-store";
import { SimulatedSignalSource } from "../../server/adapters/signals/simulated-signal-source";
import { getContainer, type Container } from "../../server/container";
import { systemClock } from "../../server/core/clock";
import { createSimulatedExecutors } from "../../server/core/executors/executor-registry";
import { getIncidentSettings } from "../../server/core/incidents/incident-settings";
import { LockManager } from "../../server/core/locks/lock-manager";
import { Orchestrator } from "../../server/core/operations/orchestrator";
import { buildDemoEnvironment } from "../adapters/build-demo-environment";
import { PartitionableLockStore } from "../faults/partitionable-lock-store";
import { SECOND_PROCESS_UNAVAILABLE, workerProcesses } from "../faults/worker-processes";
import type { DemoEnvironment } from "../pipeline/demo-environment";
import { DemoRunner } from "../pipeline/demo-runner";

// The console's self-healing demo and failure matrix (docs/architecture.md#the-demo-as-a-client), built beside the
// app's container from its public parts, never inside it: the container
// names nothing of the demo.
//
// The demo has an orchestrator of its own, like another replica of the
// server: its own worker id, over the container's database and audit chain,
// with a lock manager on a PartitionableLockStore that wraps the container's
// lock store, and its own simulated executors over the server's simulated
// signals. Everything a scenario submits goes through it, so a partition or a
// killed worker touches only the demo's work.
//
// Which worker drives an operation: any worker over the store may claim any
// runnable operation (OperationStore.claim; operation-worker.ts). A
// submission wakes its own orchestrator's worker at once, and the others only
// through the store's notification a moment later, so in the normal case the
// demo's worker drives the demo's operations and the server's worker the
// server's. If the other one claims first (it was polling at that instant, or
// an operation waited and was taken up later), it drives the operation as any
// replica would, with the same simulated signals (both read the server's
// simulated estate, injected figures included) but its own lock path. The
// demo is available only where the server itself runs on the simulated
// signals and executors, so either way no real system is touched.

const globalForDemo = globalThis as unknown as { __interlockConsoleDemo?: Promise<DemoRunner> };

/** The console's demo runner, built once per process on first use (and again after the container is disposed). */
export function getConsoleDemo(): Promise<DemoRunner> {
  globalForDemo.__interlockConsoleDemo ??= buildConsoleDemo().catch((error: unknown) => {
    globalForDemo.__interlockConsoleDemo = undefined;
    throw error;
  });
  return globalForDemo.__interlockConsoleDemo;
}

/** Why this server cannot run the demo, from its configuration; null when it can. */
export function demoUnavailableReason(container: Pick<Container, "env" | "signals">, source: Record<string, string | undefined> = process.env): string | null {
  // The demo injects faults into simulated signals and executors; on real ones it would be acting on production.
  if (container.signals.kind === "prometheus") return "it reads production's signals from Prometheus (PROMETHEUS_URL); the demo injects faults only into the simulated signals";
  if (webhookExecutorConfigFromEnv(source)) return "its changes go to the deploy system's webhook (EXECUTOR_WEBHOOK_URL); the demo runs only on the simulated executors";
  if (!container.env.ORCHESTRATOR_WORKER) return "this process does not drive operations (ORCHESTRATOR_WORKER=false), and the demo's own worker would run here; run the demo on a process that drives operations";
  return null;
}

async function buildConsoleDemo(): Promise<DemoRunner> {
  const container = await getContainer();
  const { log } = container;
  const unavailableReason = demoUnavailableReason(container);
  const runner = (env: DemoEnvironment | null) =>
    new DemoRunner({ env, unavailableReason, manualMttrMinutes: async () => (await getIncidentSettings({ incidentSettings: container.settings.incidents })).manualMttrMinutes, clock: systemClock, newId: () => crypto.randomUUID(), onError: (error) => log.error({ err: error }, "a demo run failed") });
  if (unavailableReason) {
    container.onShutdown(async () => void (globalForDemo.__interlockConsoleDemo = undefined));
    return runner(null);
  }

  const { env, db } = container;
  const onBackgroundError = (error: unknown, context: string) => log.error({ err: error, context }, "demo background work failed");
  // A pass-through until the network-partition row cuts the path for one service's locks. It is
  // closed with the container's store, not here: closing the demo's locks leaves the server's alone.
  const lockStore = new PartitionableLockStore(container.locks.store);
  const locks = await LockManager.start({
    store: lockStore,
    config: { defaultTtlMs: env.LOCK_DEFAULT_TTL_SECONDS * 1000, defaultWaitTimeoutMs: env.LOCK_WAIT_TIMEOUT_SECONDS * 1000 },
    onBackgroundError,
  });
  // The server's own simulated estate (the demo is unavailable on Prometheus): the injected figures are
  // what every worker reads, so a demo change gets the same readings whichever worker drives it.
  // By its kind, not instanceof: the container may have been built by another copy of the module (Next.js
  // bundles the start-up code apart from the routes).
  const signals = container.signals.kind === "simulated" ? (container.signals as SimulatedSignalSource) : new SimulatedSignalSource();
  const executors = createSimulatedExecutors({ signals, ledger: new PostgresDeploymentLedger(db) });
  const config = { ...container.orchestratorConfig, pollMs: Math.min(container.orchestratorConfig.pollMs, 500) };
  const orchestrator = new Orchestrator(
    {
      store: new PostgresOperationStore(db),
      leases: new PostgresExecutionLeaseStore(db),
      audit: container.audit.log,
      locks,
      lockStore,
      graph: container.graphIndex,
      conflictPolicy: container.policies.conflictPolicy,
      gateConfig: container.policies.gateConfig,
      signals,
      gateHistory: new PostgresGateHistory(db),
      executorFor: (type) => executors.forType(type),
      clock: systemClock,
      config,
      newId: () => crypto.randomUUID(),
      onBackgroundError,
    },
    `demo:${os.hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`,
  );
  orchestrator.onEvent(() => container.notifications.notifier.poke());
  await orchestrator.start();

  // The crash row's worker process opens the same database and lock backend, which the embedded store does not allow.
  const processes =
    db.kind === "postgres" && env.DATABASE_URL
      ? workerProcesses({
          databaseUrl: env.DATABASE_URL,
          audit: { kind: "server" },
          locks: env.REDIS_URL ? { kind: "redis", url: env.REDIS_URL, prefix: env.LOCK_KEY_PREFIX } : { kind: "store" },
          orchestrator: { timeScale: config.timeScale, claimLeaseMs: Math.min(config.claimLeaseMs, 5_000), lockTtlMs: config.lockTtlMs, lockWaitMs: config.lockWaitMs },
        })
      : ({ available: false, reason: SECOND_PROCESS_UNAVAILABLE } as const);

  const demo = runner(
    buildDemoEnvironment({
      db,
      orchestrator,
      lockStore,
      locks,
      signals,
      audit: container.audit,
      graph: container.graph,
      notifier: container.notifications.notifier,
      consoleUrl: container.notifications.baseUrl,
      gateConfig: container.policies.gateConfig,
      timeScale: config.timeScale,
      incidentSettings: container.settings.incidents,
      workerProcesses: processes,
    }),
  );
  log.info({ worker: "demo", locks: lockStore.backend, crashRow: processes.available }, "the console's demo is ready");

  container.onShutdown(async () => {
    globalForDemo.__interlockConsoleDemo = undefined;
    // A scenario under way withdraws what it injected when it ends: let it, for a while.
    await Promise.race([demo.settled(), new Promise((resolve) => setTimeout(resolve, 15_000).unref())]);
    require("node:fs").appendFileSync("/tmp/dbg.log", `demo settled\n`);
    await orchestrator.stop(10_000);
    require("node:fs").appendFileSync("/tmp/dbg.log", `demo orch stopped\n`);
    await locks.close();
    require("node:fs").appendFileSync("/tmp/dbg.log", `demo locks closed\n`);
  });
  return demo;
}
