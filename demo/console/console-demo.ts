import "server-only";
import crypto from "node:crypto";
import os from "node:os";
import { webhookExecutorConfigFromEnv } from "../../server/adapters/executors/webhook-executor";
import { PostgresDeploymentLedger } from "../../server/adapters/postgres/deployment-ledger";
import { PostgresGateHistory } from "../../server/adapters/postgres/gate-history";
import { PostgresExecutionLeaseStore } from "../../server/adapters/postgres/execution-lease-store";
import { PostgresIdentityStore } from "../../server/adapters/postgres/identity-store";
import { approvalDeps } from "../../server/adapters/postgres/approval-store";
import { actorPeople } from "../../server/core/identity/actor-people";
import { PostgresOperationStore } from "../../server/adapters/postgres/operation-store";
import { SimulatedSignalSource } from "../../server/adapters/signals/simulated-signal-source";
import { getContainer, type Container } from "../../server/container";
import { systemClock } from "../../server/core/clock";
import { createSimulatedExecutors } from "../../server/core/executors/executor-registry";
import { getIncidentSettings } from "../../server/core/incidents/incident-settings";
import { LockManager } from "../../server/core/locks/lock-manager";
import { Orchestrator } from "../../server/core/operations/orchestrator";
import { AppError } from "../../server/core/errors";
import { buildDemoEnvironment } from "../adapters/build-demo-environment";
import { openDemoSandbox, type DemoSandboxOptions } from "../adapters/demo-sandbox";
import { PartitionableLockStore } from "../faults/partitionable-lock-store";
import { SECOND_PROCESS_UNAVAILABLE } from "../faults/worker-processes";
import type { WorkerProcesses } from "../pipeline/demo-environment";
import { besideTheStore, type DemoEstate } from "../pipeline/demo-estate";
import { DemoRunner } from "../pipeline/demo-runner";

// The console's self-healing demo and failure matrix (docs/architecture.md#the-demo-as-a-client), built beside the
// app's container from its public parts, never inside it: the container
// names nothing of the demo. It is built only where INTERLOCK_DEMO is on (by
// default only on the embedded store), on first use; where it is off, nothing
// of it is built and its endpoints answer 404 (docs/security.md#the-demo-on-a-real-deployment).
//
// Where its runs happen (docs/demo.md#where-a-run-happens):
//
// - On a DATABASE_URL deployment, in a sandbox opened for each run and
//   dropped after it (demo/adapters/demo-sandbox.ts, as `npm run demo` does): a
//   throwaway database on the same Postgres server (or a temporary PGlite when
//   the server's role may not create databases), with its own topology, audit
//   chain and key, lease-row locks, simulated signals and executors, and a
//   notifier whose only channel is the sandbox's console inbox. Nothing a
//   scenario does reaches the server's audit table, lock store, operations or
//   paging channels, and a process killed mid-run leaves nothing of the
//   server's half-done.
//
// - On the embedded store (the single-machine demo install, whose store is the
//   demo's own), beside the server's store as another replica would run: its
//   own orchestrator and worker id over the container's database and audit
//   chain, with a lock manager on a PartitionableLockStore that wraps the
//   container's lock store, and its own simulated executors over the server's
//   simulated signals, so the run's incident and operations are in the
//   console's lists and the KPIs. A partition or a killed worker touches only
//   the demo's work. The one row that edits the store itself (row 14, an
//   audit row rewritten and put back) runs in a temporary sandbox even here.
//
// Which worker drives an operation beside the store: any worker over the
// store may claim any runnable operation (OperationStore.claim;
// operation-worker.ts). A submission wakes its own orchestrator's worker at
// once, and the others only through the store's notification a moment later,
// so in the normal case the demo's worker drives the demo's operations and the
// server's worker the server's. If the other one claims first, it drives the
// operation as any replica would, with the same simulated signals (both read
// the server's simulated estate, injected figures included) but its own lock
// path. The demo runs beside the store only where the server itself runs on
// the simulated signals and executors, so either way no real system is touched.

const globalForDemo = globalThis as unknown as { __interlockConsoleDemo?: Promise<DemoRunner> };

/** The answer of every demo endpoint where the demo is off: 404, saying so and how to turn it on. */
export function demoIsOff(): AppError {
  return new AppError(
    "NOT_FOUND",
    "The demo is off on this deployment (INTERLOCK_DEMO is false; it is off by default when DATABASE_URL is set). To turn it on, start the server with INTERLOCK_DEMO=true: its runs then happen in a sandbox database of their own, never in this one. `npm run demo` runs the demo in a terminal without the server.",
    { demo: "off", enableWith: "INTERLOCK_DEMO=true" },
  );
}

/** The console's demo runner where the demo is on; where it is off, 404 and nothing is built. */
export async function consoleDemoFor(container: Pick<Container, "env">): Promise<DemoRunner> {
  if (!container.env.INTERLOCK_DEMO) throw demoIsOff();
  return getConsoleDemo();
}

/** The console's demo runner, built once per process on first use (and again after the container is disposed). */
export function getConsoleDemo(): Promise<DemoRunner> {
  globalForDemo.__interlockConsoleDemo ??= buildConsoleDemo().catch((error: unknown) => {
    globalForDemo.__interlockConsoleDemo = undefined;
    throw error;
  });
  return globalForDemo.__interlockConsoleDemo;
}

/** Whether the demo runner has been built in this process (tests: where the demo is off it never is). */
export function consoleDemoBuilt(): boolean {
  return globalForDemo.__interlockConsoleDemo !== undefined;
}

/** Why this server cannot run the demo beside its store, from its configuration; null when it can. */
export function demoUnavailableReason(container: Pick<Container, "env" | "signals">, source: Record<string, string | undefined> = process.env): string | null {
  // The demo injects faults into simulated signals and executors; on real ones it would be acting on production.
  if (container.signals.kind === "prometheus") return "it reads production's signals from Prometheus (PROMETHEUS_URL); the demo injects faults only into the simulated signals";
  if (webhookExecutorConfigFromEnv(source)) return "its changes go to the deploy system's webhook (EXECUTOR_WEBHOOK_URL); the demo runs only on the simulated executors";
  if (!container.env.ORCHESTRATOR_WORKER) return "this process does not drive operations (ORCHESTRATOR_WORKER=false), and the demo's own worker would run here; run the demo on a process that drives operations";
  return null;
}

async function buildConsoleDemo(): Promise<DemoRunner> {
  const container = await getContainer();
  if (!container.env.INTERLOCK_DEMO) throw demoIsOff();
  const { log } = container;
  const manualMttrMinutes = async () => (await getIncidentSettings({ incidentSettings: container.settings.incidents })).manualMttrMinutes;
  const onBackgroundError = (error: unknown, context: string) => log.error({ err: error, context }, "demo background work failed");
  const sandboxOptions = { timeScale: container.orchestratorConfig.timeScale, consoleUrl: container.notifications.baseUrl, manualMttrMinutes, onBackgroundError };
  const runner = (estate: DemoEstate | null, unavailableReason: string | null) =>
    new DemoRunner({ estate, unavailableReason, manualMttrMinutes, clock: systemClock, newId: () => crypto.randomUUID(), onError: (error) => log.error({ err: error }, "a demo run failed") });

  if (container.env.DATABASE_URL) {
    const estate = await sandboxedEstate(container, container.env.DATABASE_URL, sandboxOptions);
    const demo = runner(estate, null);
    log.info({ sandbox: estate.place.description }, "the console's demo is ready: each run in a sandbox of its own");
    container.onShutdown(async () => {
      globalForDemo.__interlockConsoleDemo = undefined;
      // A run under way drops its sandbox when it ends: let it, for a while.
      await Promise.race([demo.settled(), new Promise((resolve) => setTimeout(resolve, 15_000).unref())]);
    });
    return demo;
  }

  const unavailableReason = demoUnavailableReason(container);
  if (unavailableReason) {
    container.onShutdown(async () => void (globalForDemo.__interlockConsoleDemo = undefined));
    return runner(null, unavailableReason);
  }
  const beside = await besideTheServer(container, onBackgroundError);
  const demo = runner(
    besideTheStore({
      env: beside.env,
      description: "this server's own store (the embedded install): a run's operations, incident, locks and audit events are the console's, like any replica's",
      // A temporary PGlite of its own: the row that edits the store never touches this one.
      sandboxFor: async () => {
        const sandbox = await openDemoSandbox({ ...sandboxOptions, secondProcessUnavailable: SECOND_PROCESS_UNAVAILABLE });
        return { env: sandbox.env, sandbox: `${sandbox.describe.store}, deleted after the run (this row edits a stored audit event, so it never runs on this server's chain)`, close: () => sandbox.close() };
      },
    }),
    null,
  );
  log.info({ worker: "demo", locks: beside.locks, crashRow: beside.env.workerProcesses.available }, "the console's demo is ready beside the embedded store");
  container.onShutdown(async () => {
    globalForDemo.__interlockConsoleDemo = undefined;
    // A scenario under way withdraws what it injected when it ends: let it, for a while.
    await Promise.race([demo.settled(), new Promise((resolve) => setTimeout(resolve, 15_000).unref())]);
    await beside.close();
  });
  return demo;
}

/**
 * A sandbox for each run on a DATABASE_URL deployment: a throwaway database on
 * the same Postgres server when the server's role may create databases (the
 * crash row's second process can then open it too), else a temporary PGlite.
 */
async function sandboxedEstate(container: Container, databaseUrl: string, options: Omit<DemoSandboxOptions, "postgresServerUrl">): Promise<DemoEstate> {
  const onPostgres = await mayCreateDatabases(container);
  const config = container.orchestratorConfig;
  const secondProcess = "needs a database a second process can open; this server's sandbox is a temporary PGlite because its database role may not create databases (grant CREATEDB for a throwaway Postgres database per run)";
  const workerProcesses: WorkerProcesses = onPostgres ? { available: true, start: () => Promise.reject(new Error("opened per run")) } : { available: false, reason: secondProcess };
  return {
    place: {
      sandboxed: true,
      description: onPostgres
        ? "a sandbox database created on this server's Postgres for each run and dropped after it, with its own audit chain, locks and console inbox; its operations are not in this console's lists"
        : "a temporary embedded store created for each run and deleted after it, with its own audit chain, locks and console inbox; its operations are not in this console's lists",
    },
    timeScale: options.timeScale,
    unavailableIn: (scenario) => scenario.unavailableIn?.({ workerProcesses }) ?? null,
    open: async () => {
      const sandbox = await openDemoSandbox({
        ...options,
        postgresServerUrl: onPostgres ? databaseUrl : undefined,
        secondProcessUnavailable: secondProcess,
        orchestrator: { lockTtlMs: config.lockTtlMs, lockWaitMs: config.lockWaitMs },
      });
      return { env: sandbox.env, sandbox: `${sandbox.describe.store}, dropped after the run`, close: () => sandbox.close() };
    },
  };
}

async function mayCreateDatabases(container: Container): Promise<boolean> {
  const rows = await container.db.query<{ may: boolean }>(`SELECT (rolcreatedb OR rolsuper) AS may FROM pg_roles WHERE rolname = current_user`);
  return rows[0]?.may === true;
}

/** The demo's own orchestrator over the embedded store, like another replica of the server. */
async function besideTheServer(container: Container, onBackgroundError: (error: unknown, context: string) => void) {
  const { env, db } = container;
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
      people: actorPeople(new PostgresIdentityStore(db)),
      approvals: approvalDeps(db),
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

  const demoEnv = buildDemoEnvironment({
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
    // The crash row's worker process opens the same database, which the embedded store does not allow.
    workerProcesses: { available: false, reason: SECOND_PROCESS_UNAVAILABLE },
  });
  return {
    env: demoEnv,
    locks: lockStore.backend,
    async close() {
      await orchestrator.stop(10_000);
      await locks.close();
    },
  };
}
