import "server-only";
import crypto, { type KeyObject } from "node:crypto";
import { AuditLog } from "./core/audit/audit-log";
import { createCheckpointSigner } from "./core/audit/checkpoint-signing";
import type { AuditStore, CheckpointSink } from "./core/audit/ports";
import { systemClock, type Clock } from "./core/clock";
import type { GraphStore } from "./core/graph/ports";
import type { DependencyProbe } from "./core/health/check-readiness";
import type { MarkerStore, TopologyStore } from "./core/topology/ports";
import { seedDemoTopology } from "./core/topology/seed-demo-topology";
import { databaseConfigFromEnv, openDatabase, type Database } from "./adapters/postgres/database";
import { PostgresGateHistory } from "./adapters/postgres/gate-history";
import { applyMigrationsAs } from "./adapters/postgres/migrate";
import { auditRewriteRights } from "./adapters/postgres/audit-privileges";
import { auditPlacementWarnings } from "./adapters/audit/placement";
import { neo4jConfigFromEnv } from "./adapters/neo4j/neo4j-config";
import { Neo4jGraphStore } from "./adapters/neo4j/neo4j-graph-store";
import { PostgresGraphStore } from "./adapters/postgres/postgres-graph-store";
import { PostgresGraphChangeStore } from "./adapters/postgres/graph-change-store";
import { PostgresGraphSourceStore } from "./adapters/postgres/graph-source-store";
import { CatalogSource } from "./adapters/backstage-catalog/read-catalog";
import { TracesSource } from "./adapters/prometheus/service-graph-source";
import { applyGraphChange } from "./core/graph/apply-graph-change";
import type { GraphSourceStore, SourceReader } from "./core/graph-sources/ports";
import type { RemovalsPolicy } from "./core/graph-sources/plan-source-sync";
import { refreshSources, type RefreshDeps } from "./core/graph-sources/refresh-sources";
import { GraphRefreshScheduler } from "./core/graph-sources/refresh-scheduler";
import { PrismaMarkerStore, PrismaTopologyStore } from "./adapters/postgres/topology-store";
import { PrismaAuditStore } from "./adapters/postgres/audit-store";
import { JsonlCheckpointSink } from "./adapters/audit/checkpoint-file-sink";
import { loadAuditSigningKey } from "./adapters/audit/signing-key";
import os from "node:os";
import { getConflictPolicy } from "./core/conflicts/get-conflict-policy";
import type { ConflictPolicy } from "./core/conflicts/policy";
import type { GateConfig } from "./core/gates/gate-config";
import { createSimulatedExecutors } from "./core/executors/executor-registry";
import type { SignalSource } from "./core/gates/ports";
import { getGateConfig } from "./core/gates/get-gate-config";
import { CachedGraphIndex } from "./core/graph/cached-graph-index";
import { LockManager } from "./core/locks/lock-manager";
import { orderViolationAuditEvent } from "./core/locks/order-violation-audit";
import type { LockStore } from "./core/locks/ports";
import { DEFAULT_ORCHESTRATOR_CONFIG, type OrchestratorConfig } from "./core/operations/orchestrator-config";
import { Orchestrator } from "./core/operations/orchestrator";
import { getIncidentSettings, type IncidentSettings, type IncidentSettingsStore } from "./core/incidents/incident-settings";
import type { IncidentStore } from "./core/incidents/incident-store";
import { IntakeWriter } from "./core/incidents/intake-writer";
import type { RemediationStore } from "./core/remediation/ports";
import { PostgresIncidentStore } from "./adapters/postgres/incident-store";
import { PostgresRemediationStore } from "./adapters/postgres/remediation-store";
import { PrismaIncidentSettingsStore } from "./adapters/postgres/incident-settings-store";
import { PostgresHaltStore } from "./adapters/postgres/halt-store";
import type { HaltStore } from "./core/freezes/halt-store";
import type { HaltReader } from "./core/freezes/ports";
import { haltReader } from "./core/freezes/halts-in-force";
import type { FreezeSource, FreezeWindowStore } from "./core/freezes/window-ports";
import type { OperationStore } from "./core/operations/ports";
import { PostgresFreezeWindowStore } from "./adapters/postgres/freeze-window-store";
import { cachedSetting } from "./core/settings-cache";
import { PrismaConflictPolicyStore } from "./adapters/postgres/conflict-policy-store";
import { PostgresDeploymentLedger } from "./adapters/postgres/deployment-ledger";
import { PrismaGateConfigStore } from "./adapters/postgres/gate-config-store";
import { PostgresLockStore } from "./adapters/postgres/lock-store";
import { PostgresExecutionLeaseStore } from "./adapters/postgres/execution-lease-store";
import { actorPeople } from "./core/identity/actor-people";
import { PostgresOperationStore } from "./adapters/postgres/operation-store";
import { openRedisLockStore } from "./adapters/redis/lock-store";
import { etcdLockStoreOptions } from "./adapters/etcd/etcd-config";
import { openEtcdLockStore } from "./adapters/etcd/lock-store";
import { PrometheusSignalSource, prometheusSignalConfigFromEnv } from "./adapters/signals/prometheus-signal-source";
import { SimulatedSignalSource } from "./adapters/signals/simulated-signal-source";
import { WebhookExecutor, webhookExecutorConfigFromEnv } from "./adapters/executors/webhook-executor";
import { loadRunbooksFile, withRunbooks } from "./adapters/executors/runbook-executor";
import { assertSafeToServe, EnvError, getEnv, graphDurationMs, type Env } from "./env";
import type { IdentityStore, PasswordHasher } from "./core/identity/ports";
import { seedDemoUsers } from "./core/identity/seed-demo-users";
import { accountsWithPublishedPasswords } from "./core/identity/published-passwords";
import { PostgresIdentityStore } from "./adapters/postgres/identity-store";
import { approvalDeps, PostgresApprovalStore } from "./adapters/postgres/approval-store";
import type { ApprovalStore } from "./core/approvals/ports";
import type { OidcIdentityStore } from "./core/identity/oidc-ports";
import { PostgresOidcIdentityStore } from "./adapters/postgres/oidc-identity-store";
import { describeOidcProvisioning, oidcConfigFromEnv } from "./adapters/auth/oidc-provider";
import { BcryptPasswordHasher } from "./adapters/auth/bcrypt-password-hasher";
import { SignInAttempts } from "./core/identity/sign-in-attempts";
import { DEFAULT_SIGN_IN_THROTTLE_POLICY } from "./core/identity/sign-in-throttle";
import { PostgresSignInThrottleStore } from "./adapters/postgres/sign-in-throttle-store";
import { openRedisSignInThrottleStore } from "./adapters/redis/sign-in-throttle-store";
import { loadAuthSecret } from "./adapters/auth/auth-secret";
import type { NextAuthOptions } from "next-auth";
import { buildAuthOptions } from "./adapters/auth/next-auth-options";
import type { OperationQueries } from "./core/operations/query-ports";
import type { IncidentQueries } from "./core/incidents/ports";
import { PostgresOperationQueries } from "./adapters/postgres/operation-queries";
import { PostgresIncidentQueries } from "./adapters/postgres/incident-queries";
import type { KpiQueries } from "./core/kpis/ports";
import { PostgresKpiQueries } from "./adapters/postgres/kpi-queries";
import type { GateConfigStore } from "./core/gates/get-gate-config";
import type { ConflictPolicyStore } from "./core/conflicts/ports";
import { createInterlockMetrics, type InterlockMetrics } from "./adapters/metrics/interlock-metrics";
import { verifyIfDue } from "./core/audit/verify-if-due";
import { DEFAULT_NOTIFIER_CONFIG, Notifier } from "./core/notify/notifier";
import type { NotificationStore } from "./core/notify/ports";
import type { NotifyRouting } from "./core/notify/routing";
import { getNotifyRouting, type NotifyRoutingStore } from "./core/notify/notify-routing-settings";
import { PostgresNotificationStore } from "./adapters/postgres/notification-store";
import { PostgresSlackStore } from "./adapters/postgres/slack-store";
import type { SlackInteractivityConfig } from "./adapters/notify/notify-config";
import type { SlackStore } from "./core/slack/ports";
import type { SlackResponseMessage } from "./core/slack/slack-interaction";
import { postToResponseUrl } from "./adapters/notify/slack-response-url";
import { PrismaNotifyRoutingStore } from "./adapters/postgres/notify-routing-store";
import { notifyChannelsFromEnv } from "./adapters/notify/notify-config";
import { ChangeFeed } from "./core/live/change-feed";
import { PostgresChangeSource } from "./adapters/postgres/change-source";
import type { NotifyChannel } from "./core/notify/types";
import { getLogger, type Logger } from "./logger";

// The one place that builds the core from configuration. Built once per process
// and kept on globalThis so that dev hot reloads do not open a second client
// (PGlite in particular allows one opener per data directory).

export interface Container {
  env: Env;
  log: Logger;
  clock: Clock;
  db: Database;
  topology: TopologyStore;
  markers: MarkerStore;
  /** The dependency graph: Neo4j when NEO4J_URI is set, else the store's own tables. */
  graph: GraphStore;
  audit: { log: AuditLog; store: AuditStore; sink: CheckpointSink; publicKey: KeyObject };
  /** Distributed locks: as LOCK_BACKEND says (docs/locks-etcd.md#configuration); by default Redis when REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES is set (docs/locks-redis-ha.md), else lease rows in the store. */
  locks: { manager: LockManager; store: LockStore };
  /** Production's signals: Prometheus when PROMETHEUS_URL is set, else the simulated source. */
  signals: SignalSource;
  orchestrator: Orchestrator;
  /** The settings the orchestrator was built with (from env), for other orchestrators over the same store. */
  orchestratorConfig: OrchestratorConfig;
  /** The run-time conflict policy and gate config as the orchestrator reads them (5 s cache). */
  policies: { conflictPolicy(): Promise<ConflictPolicy>; gateConfig(): Promise<GateConfig> };
  /** The dependency graph indexed in memory, shared by the orchestrator and the API (reloaded every 30 s). */
  graphIndex: CachedGraphIndex;
  /** The graph's one write path (docs/graph-changes.md): revision, provenance, incremental applies; always Postgres/PGlite. */
  graphChanges: PostgresGraphChangeStore;
  /** Neo4j when the graph is read from there: given each new topology after the Postgres commit (not atomic with it). */
  graphMirror: GraphStore | null;
  /**
   * The graph's sources (docs/graph-sources.md): the configured readers (a
   * Backstage catalog, the trace service graph), their runs and held changes,
   * what a refresh runs on, and the schedule that refreshes them.
   */
  graphSources: {
    readers: SourceReader[];
    store: GraphSourceStore;
    config: { ageOutMs: number; removals: RemovalsPolicy; refreshIntervalMs: number };
    refreshDeps: RefreshDeps;
    scheduler: GraphRefreshScheduler;
  };
  /** Notifications (docs/notifications.md): the notifier, its store and routing, and the channels configured from env. */
  notifications: {
    notifier: Notifier;
    store: NotificationStore;
    routing(): Promise<NotifyRouting>;
    routingStore: NotifyRoutingStore;
    invalidateRouting(): void;
    channels: { channel: NotifyChannel; target: string }[];
    /** The console's public URL, for links in messages. */
    baseUrl: string;
    /** Approve in Slack (docs/slack.md): the signing secret and allowed response_url origins when configured, and the Slack links and replay guard. */
    slack: { interactivity: SlackInteractivityConfig | null; store: SlackStore; respond(url: string, message: SlackResponseMessage): Promise<void> };
  };
  /** What changed, for the console's live updates (one poller per process, shared by every open console). */
  changes: ChangeFeed;
  /** Prometheus metrics (the names of docs/operations.md#alerts), served at /api/metrics. */
  metrics: InterlockMetrics;
  /**
   * Incidents from alerting and the API, and the remediation rules
   * (docs/incidents.md); the incident settings as the intake reads them (5 s cache).
   */
  incidents: { store: IncidentStore; remediation: RemediationStore; intake: IntakeWriter; settings(): Promise<IncidentSettings>; invalidateSettings(): void };
  /** Stop the line (docs/freezes.md#stop-the-line): the halts as stored, and those in force (manual and from open incidents) as the FREEZE gate and the banner read them. */
  halts: { store: HaltStore; reader: HaltReader };
  /** Change freeze windows (docs/freezes.md): the store, what the FREEZE gate reads (windows and halts), and the operations break-glass marks and wakes. */
  freezes: { windows: FreezeWindowStore; source: FreezeSource; operations: Pick<OperationStore, "get" | "announceWork"> };
  /** Approval policies, previews and the count of a review's approvals (docs/approvals.md). */
  approvals: ApprovalStore;
  /** The read side of the API and the console. */
  queries: { operations: OperationQueries; incidents: IncidentQueries; kpis: KpiQueries };
  /** The run-time settings an admin edits in the console (the orchestrator reads them through a 5 s cache). */
  settings: { gates: GateConfigStore; conflictPolicy: ConflictPolicyStore; incidents: IncidentSettingsStore };
  /** Users, API tokens and the session secret; `authOptions` configures next-auth. */
  identity: { store: IdentityStore; hasher: PasswordHasher; secret: string; authOptions: NextAuthOptions; signInAttempts: SignInAttempts; oidcIdentities: OidcIdentityStore; oidcIssuer: string | null };
  probes: DependencyProbe[];
  /**
   * Registers work to do first when the container is disposed, before the
   * notifier, the orchestrator, the locks and the store close: for parts
   * built on top of the container (the console's demo stops its own worker).
   */
  onShutdown(fn: () => Promise<void>): void;
}

const globalForContainer = globalThis as unknown as { __interlockContainer?: Promise<Container>; __interlockShutdownHooks?: (() => Promise<void>)[] };

export function getContainer(): Promise<Container> {
  globalForContainer.__interlockContainer ??= buildContainer().catch((error: unknown) => {
    // Let the next caller try again instead of caching the failure forever.
    globalForContainer.__interlockContainer = undefined;
    throw error;
  });
  return globalForContainer.__interlockContainer;
}

async function buildContainer(): Promise<Container> {
  const env = getEnv();
  assertSafeToServe(env);
  const log = getLogger();
  const db = await openDatabase(databaseConfigFromEnv(env));
  try {
    const migrations = await applyMigrationsAs(db, env.DATABASE_MIGRATION_URL).catch((error: unknown) => {
      throw storeError(db, env, error);
    });
    log.info({ store: db.kind, location: db.location, applied: migrations.applied, alreadyApplied: migrations.alreadyApplied }, "store ready");
    if (migrations.unknown.length > 0) log.warn({ unknown: migrations.unknown }, "the store has migrations this build does not know: is a newer version running?");

    await warnAboutAuditSafety(env, db, log);

    const audit = buildAudit(env, db, log);
    await audit.log.append({ category: "SYSTEM_HEALTH", severity: "INFO", actor: "system", action: "interlock.started", payload: { store: db.kind, migrationsApplied: migrations.applied, pid: process.pid } });
    // Sign now, not after the delay: whatever a stop that was not graceful left unsigned, and this start (docs/spec/audit.md#checkpoints).
    await audit.log.checkpoint().catch((error: unknown) => log.error({ err: error }, "audit checkpoint failed"));

    const topology = new PrismaTopologyStore(db.prisma);
    const markers = new PrismaMarkerStore(db.prisma);
    if (env.INTERLOCK_SEED_DEMO) {
      const outcome = await seedDemoTopology({ topology, markers, now: systemClock.now() });
      if (outcome.seeded) {
        log.info({ created: outcome.created }, "seeded the demo topology");
        await audit.log.append({ category: "SYSTEM_HEALTH", severity: "INFO", actor: "system", action: "topology.seeded", payload: { source: "demo", created: outcome.created } });
      }
    }
    audit.log.startCheckpointTimer();
    const neo4j = neo4jConfigFromEnv(process.env);
    const graph = neo4j ? Neo4jGraphStore.open(neo4j) : new PostgresGraphStore(db);
    const graphChanges = new PostgresGraphChangeStore(db);
    // Revision-aware (docs/graph-changes.md#freshness-across-processes): a change in another process is seen within ~1 s.
    // On Postgres the graph and its revision are read in one snapshot; Neo4j is read after the revision (its mirror may lag).
    const graphIndex = new CachedGraphIndex(graph, 30_000, {
      revision: () => graphChanges.revision(),
      loadRevisioned: neo4j ? undefined : () => graphChanges.loadRevisioned(),
      // A few revisions behind: apply their diffs rather than read the whole graph (not with Neo4j, whose mirror may lag them).
      diffsSince: neo4j ? undefined : (revision) => graphChanges.revisionDiffsSince(revision),
      onError: (error) => log.warn({ err: error }, "graph index refresh failed; the previous graph stays in use"),
    });
    // The incident settings are read by the halts in force (an open incident may halt its service), so before the orchestrator.
    const incidentSettingsStore = new PrismaIncidentSettingsStore(db);
    const incidentSettings = cachedSetting(() => getIncidentSettings({ incidentSettings: incidentSettingsStore }), 5_000);
    const haltStore = new PostgresHaltStore(db);
    const halts = { store: haltStore, reader: haltReader({ halts: haltStore, incidentSettings: () => incidentSettings.get() }) };
    const freezeWindows = new PostgresFreezeWindowStore(db);
    const freezes = { windows: freezeWindows, source: { windows: freezeWindows, halts: halts.reader }, operations: new PostgresOperationStore(db) };
    const { locks, signals, orchestrator, orchestratorConfig, policies, metrics } = await buildOrchestrator(env, db, graphIndex, audit.log, log, freezes.source);
    const identity = await buildIdentity(env, db, audit.log, log);
    startChainVerification(env, audit, locks.manager, log);
    const queries = { operations: new PostgresOperationQueries(db), incidents: new PostgresIncidentQueries(db), kpis: new PostgresKpiQueries(db) };
    const settings = { gates: new PrismaGateConfigStore(db), conflictPolicy: new PrismaConflictPolicyStore(db), incidents: incidentSettingsStore };
    const incidentStore = new PostgresIncidentStore(db);
    const remediation = new PostgresRemediationStore(db);
    const intake = new IntakeWriter({ incidents: incidentStore, remediation, audit: audit.log, clock: systemClock, newId: () => crypto.randomUUID() });
    const incidents = { store: incidentStore, remediation, intake, settings: () => incidentSettings.get(), invalidateSettings: () => incidentSettings.invalidate() };
    const notifications = buildNotifications(env, db, audit.log, queries.operations, log);
    // Notifications come from the committed audit log (docs/notifications.md): a commit here only wakes the dispatcher, which also polls for other processes' commits.
    orchestrator.onEvent(() => notifications.notifier.poke());
    if (env.ORCHESTRATOR_WORKER) await notifications.notifier.start();
    const probes: DependencyProbe[] = [{ name: "store", check: () => db.ping() }];
    const graphSources = buildGraphSources(env, db, { changes: graphChanges, graphIndex, mirror: neo4j ? graph : null, audit: audit.log }, log);
    const shutdownHooks = (globalForContainer.__interlockShutdownHooks = [] as (() => Promise<void>)[]);
    return {
      env,
      log,
      clock: systemClock,
      db,
      topology,
      markers,
      graph,
      graphIndex,
      graphChanges,
      graphMirror: neo4j ? graph : null,
      graphSources,
      audit,
      locks,
      signals,
      orchestrator,
      orchestratorConfig,
      policies,
      identity,
      probes,
      metrics,
      queries,
      settings,
      incidents,
      halts,
      freezes,
      approvals: new PostgresApprovalStore(db),
      notifications,
      changes: new ChangeFeed(new PostgresChangeSource(db), 1_000, (error) => log.warn({ err: error }, "live updates could not read the store")),
      onShutdown: (fn) => void shutdownHooks.push(fn),
    };
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}

/** The audit log over a store, from configuration: the server and the command-line tools build it here. */
export function buildAudit(env: Env, db: Database, log: Logger): Container["audit"] {
  const privateKey = loadAuditSigningKey({ configured: env.AUDIT_SIGNING_KEY, keyFile: env.auditKeyFile });
  const store = new PrismaAuditStore(db);
  const sink = new JsonlCheckpointSink(env.auditCheckpointFile);
  const auditLog = new AuditLog({
    store,
    sink,
    signer: createCheckpointSigner(privateKey),
    clock: systemClock,
    config: {
      checkpointEvery: env.AUDIT_CHECKPOINT_EVERY,
      checkpointIntervalMs: env.AUDIT_CHECKPOINT_INTERVAL_SECONDS * 1000,
      checkpointDelayMs: env.AUDIT_CHECKPOINT_DELAY_SECONDS * 1000,
      maxBatch: 500,
    },
    onBackgroundError: (error) => log.error({ err: error }, "audit checkpoint failed"),
    onCheckpointRefused: (result) =>
      log.error({ firstBadSeq: result.firstBadSeq, kind: result.kind, detail: result.detail }, "audit checkpoint refused: the chain since the last checkpoint does not verify, so nothing was signed"),
  });
  return { log: auditLog, store, sink, publicKey: crypto.createPublicKey(privateKey) };
}

/**
 * The orchestrator and what it runs on, from configuration (the embedded and production backends):
 * locks on Redis, etcd or the store, signals from Prometheus or the simulation,
 * changes through the deploy system's webhook or the simulated executors.
 * This process drives operations unless ORCHESTRATOR_WORKER=false.
 */
async function buildOrchestrator(env: Env, db: Database, graphIndex: CachedGraphIndex, auditLog: AuditLog, log: Logger, freezes: FreezeSource) {
  const lockStore: LockStore =
    env.lockBackend === "etcd"
      ? await openEtcdLockStore({ ...etcdLockStoreOptions(env.etcdLocks!), prefix: env.LOCK_KEY_PREFIX })
      : env.lockBackend === "redis"
        ? await openRedisLockStore({ connection: env.redisLocks!, prefix: env.LOCK_KEY_PREFIX })
        : new PostgresLockStore(db);
  const onBackgroundError = (error: unknown, context: string) => log.error({ err: error, context }, "background work failed");
  const metrics = createInterlockMetrics({ db, lockStore });
  const manager = await LockManager.start({
    store: lockStore,
    metrics: metrics.lockMetrics,
    config: { defaultTtlMs: env.LOCK_DEFAULT_TTL_SECONDS * 1000, defaultWaitTimeoutMs: env.LOCK_WAIT_TIMEOUT_SECONDS * 1000 },
    onBackgroundError,
    // Audited (docs/locks.md); the caller gets its refusal whether or not the event is written.
    onOrderViolation: (violation) =>
      auditLog.append(orderViolationAuditEvent(violation)).then(
        () => {},
        (error: unknown) => log.error({ err: error, holderId: violation.holderId }, "auditing a lock order violation failed"),
      ),
  });
  const prometheus = prometheusSignalConfigFromEnv(process.env);
  const signals: SignalSource = prometheus ? new PrometheusSignalSource(prometheus) : new SimulatedSignalSource();
  const simulated = createSimulatedExecutors({ signals, ledger: new PostgresDeploymentLedger(db) });
  const webhook = webhookExecutorConfigFromEnv(process.env);
  // With a deploy system configured, every change goes to it; verifications stay local (they only read signals).
  const defaultExecutors = webhook
    ? (["DEPLOYMENT", "ROLLBACK", "REMEDIATION", "CONFIG_CHANGE", "MAINTENANCE"] as const).reduce((registry, type) => registry.with(type, new WebhookExecutor(webhook)), simulated)
    : simulated;
  // An admin's runbooks (docs/runbooks.md) take the operations they match; the rest keep the default executor of their type.
  // A bad file stops the start here, naming the file and the path in it.
  const executors = env.INTERLOCK_RUNBOOKS_FILE ? withRunbooks(defaultExecutors, await loadRunbooksFile(env.INTERLOCK_RUNBOOKS_FILE)) : defaultExecutors;
  const policies = new PrismaConflictPolicyStore(db);
  const gates = new PrismaGateConfigStore(db);
  const conflictPolicy = cachedSetting(() => getConflictPolicy({ policies }), 5_000);
  const gateConfig = cachedSetting(() => getGateConfig({ gates }), 5_000);
  const config: OrchestratorConfig = {
    ...DEFAULT_ORCHESTRATOR_CONFIG,
    concurrency: env.ORCHESTRATOR_CONCURRENCY,
    claimLeaseMs: env.ORCHESTRATOR_CLAIM_SECONDS * 1000,
    lockTtlMs: env.LOCK_DEFAULT_TTL_SECONDS * 1000,
    lockWaitMs: env.LOCK_WAIT_TIMEOUT_SECONDS * 1000,
    executorTimeoutMs: env.EXECUTOR_TIMEOUT_MINUTES * 60_000,
    queueWaitMs: env.ORCHESTRATOR_QUEUE_WAIT_MINUTES * 60_000,
    reviewTimeoutMs: env.REVIEW_TIMEOUT_MINUTES * 60_000,
    reviewTimeoutOutcome: ({ reject: "REJECT", keep_waiting: "KEEP_WAITING", escalate_only: "ESCALATE_ONLY" } as const)[env.REVIEW_TIMEOUT_OUTCOME],
    timeScale: env.SIMULATION_TIME_SCALE,
  };
  const workerId = `${os.hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`;
  const orchestrator = new Orchestrator(
    {
      store: new PostgresOperationStore(db),
      leases: new PostgresExecutionLeaseStore(db),
      people: actorPeople(new PostgresIdentityStore(db)),
      approvals: approvalDeps(db),
      freezes,
      audit: auditLog,
      locks: manager,
      lockStore,
      graph: graphIndex,
      conflictPolicy: () => conflictPolicy.get(),
      gateConfig: () => gateConfig.get(),
      signals,
      gateHistory: new PostgresGateHistory(db),
      executorFor: (type) => executors.forType(type),
      clock: systemClock,
      config,
      newId: () => crypto.randomUUID(),
      onBackgroundError,
    },
    workerId,
  );
  if (env.ORCHESTRATOR_WORKER) await orchestrator.start();
  log.info({ locks: lockStore.backend, signals: signals.kind, executor: webhook ? "webhook" : "simulated", worker: env.ORCHESTRATOR_WORKER ? workerId : null }, "orchestrator ready");
  return { locks: { manager, store: lockStore }, signals, orchestrator, orchestratorConfig: config, policies: { conflictPolicy: () => conflictPolicy.get(), gateConfig: () => gateConfig.get() }, metrics };
}

const globalForVerifier = globalThis as unknown as { __interlockVerifier?: NodeJS.Timeout; __interlockFirstVerify?: NodeJS.Timeout };

/**
 * Verifies the audit chain in the background once per AUDIT_VERIFY_INTERVAL_MINUTES
 * across all replicas (soon after start, then checking every minute whether it is due),
 * so hash_chain_valid and its alert rest on a recent check.
 */
function startChainVerification(env: Env, audit: Container["audit"], locks: LockManager, log: Logger): void {
  if (env.AUDIT_VERIFY_INTERVAL_MINUTES === 0) return;
  const intervalMs = env.AUDIT_VERIFY_INTERVAL_MINUTES * 60_000;
  const holderId = `audit-verifier:${os.hostname()}:${process.pid}`;
  let running = false;
  const tick = () => {
    if (running) return;
    running = true;
    verifyIfDue({ store: audit.store, sink: audit.sink, publicKey: audit.publicKey, log: audit.log, locks, holderId, now: systemClock.now(), intervalMs })
      .then((result) => {
        if (result && !result.valid) log.error({ firstBadSeq: result.firstBadSeq, kind: result.kind, detail: result.detail }, "the audit chain does not verify");
        else if (result) log.info({ checked: result.checked }, "audit chain verified");
      })
      .catch((error: unknown) => log.error({ err: error }, "audit chain verification failed to run"))
      .finally(() => (running = false));
  };
  globalForVerifier.__interlockFirstVerify = setTimeout(tick, 5_000);
  globalForVerifier.__interlockFirstVerify.unref();
  globalForVerifier.__interlockVerifier = setInterval(tick, Math.min(intervalMs, 60_000));
  globalForVerifier.__interlockVerifier.unref();
}

/**
 * The notifier: channels from env (a bad value stops the start naming the
 * variable), routing from the settings table (the default routing of
 * docs/notifications.md unless saved, cached 5 s), links into the console at
 * CONSOLE_URL; what to tell comes from the committed audit log.
 */
function buildNotifications(env: Env, db: Database, auditLog: AuditLog, operations: OperationQueries, log: Logger): Container["notifications"] {
  const channels = notifyChannelsFromEnv(process.env);
  const store = new PostgresNotificationStore(db);
  const routingStore = new PrismaNotifyRoutingStore(db);
  const routing = cachedSetting(() => getNotifyRouting({ routing: routingStore, onInvalid: (error) => log.error({ err: error }, "the stored notification routing is invalid; using the default") }), 5_000);
  const baseUrl = (env.CONSOLE_URL ?? env.AUTH_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, "");
  const notifier = new Notifier({
    store,
    senders: channels.senders,
    routing: () => routing.get(),
    operations,
    audit: auditLog,
    clock: systemClock,
    links: { baseUrl },
    config: { ...DEFAULT_NOTIFIER_CONFIG, escalateAtTimeout: env.REVIEW_TIMEOUT_OUTCOME === "escalate_only" },
    random: Math.random,
    onBackgroundError: (error, context) => log.error({ err: error, context }, "notification work failed"),
  });
  log.info({ channels: [...channels.describe, { channel: "INBOX", target: "console" }] }, "notifications ready");
  const slack = { interactivity: channels.slack, store: new PostgresSlackStore(db), respond: (url: string, message: SlackResponseMessage) => postToResponseUrl(url, message) };
  return { notifier, store, routing: () => routing.get(), routingStore, invalidateRouting: () => routing.invalidate(), channels: [...channels.describe, { channel: "INBOX", target: "console" }], baseUrl, slack };
}

/** Sign-in and API tokens; on the embedded store, the demo users of the README. */
async function buildIdentity(env: Env, db: Database, auditLog: AuditLog, log: Logger): Promise<Container["identity"]> {
  const store = new PostgresIdentityStore(db);
  const hasher = new BcryptPasswordHasher();
  const secret = loadAuthSecret({ configured: env.AUTH_SECRET, secretFile: env.authSecretFile });
  if (env.demoUsers) {
    const created = await seedDemoUsers({ identities: store, hasher });
    if (created.length) {
      log.info({ created }, "created the demo users (passwords in the README)");
      await auditLog.append({ category: "SYSTEM_HEALTH", severity: "WARNING", actor: "system", action: "users.demo_seeded", payload: { created } });
    }
  }
  // A real deployment must not keep accounts whose passwords are in the README, even ones an earlier start created.
  if (env.store === "postgres" && !env.INTERLOCK_INSECURE_DEMO_USERS) {
    const published = await accountsWithPublishedPasswords({ identities: store, hasher });
    if (published.length) {
      throw new EnvError([
        {
          variable: "DATABASE_URL",
          message:
            `this store has enabled accounts whose passwords are published in the README (${published.join(", ")}); ` +
            "give each a new password (printf %s \"$PW\" | npm run user:create -- --email <email> --name <name> --role <role> --reset) or disable it, " +
            "or set INTERLOCK_INSECURE_DEMO_USERS=true for a throwaway test database",
        },
      ]);
    }
  }
  // OIDC people are found by linked identity (docs/security.md#identity-oidc); the log says who gets an account on first sign-in.
  const oidc = oidcConfigFromEnv(env);
  const oidcIdentities = new PostgresOidcIdentityStore(db);
  if (oidc) log.info({ issuer: oidc.issuer, allowList: oidc.allowList }, describeOidcProvisioning(oidc));
  // Throttling counts on Redis when there is one (shared by every replica), else in the store (docs/security.md#sign-in-abuse).
  const signInAttempts = new SignInAttempts({
    store: env.redisLocks ? openRedisSignInThrottleStore({ connection: env.redisLocks, prefix: env.LOCK_KEY_PREFIX }) : new PostgresSignInThrottleStore(db),
    policy: { ...DEFAULT_SIGN_IN_THROTTLE_POLICY, accountLimit: env.SIGN_IN_ACCOUNT_LIMIT, addressLimit: env.SIGN_IN_ADDRESS_LIMIT },
    audit: auditLog,
    clock: systemClock,
    onBackgroundError: (error, context) => log.warn({ err: error, context }, "sign-in throttling housekeeping failed"),
  });
  const authOptions = buildAuthOptions({ identities: store, hasher, audit: auditLog, secret, oidc, oidcIdentities: { store: oidcIdentities, audit: auditLog }, log, signInAttempts });
  return { store, hasher, secret, authOptions, signInAttempts, oidcIdentities, oidcIssuer: oidc?.issuer ?? null };
}

/**
 * The graph's sources from configuration (docs/graph-sources.md#configuration):
 * the catalog when GRAPH_CATALOG_PATHS is set, the traces when
 * GRAPH_TRACES_PROMETHEUS_URL is; the catalog first, so traffic is matched to
 * the services it declares. The schedule refreshes them at start-up and every
 * GRAPH_REFRESH_INTERVAL (0: only on request); every replica may run it, the
 * refresh is safe to run twice at once.
 */
function buildGraphSources(
  env: Env,
  db: Database,
  graph: { changes: PostgresGraphChangeStore; graphIndex: CachedGraphIndex; mirror: GraphStore | null; audit: AuditLog },
  log: Logger,
): Container["graphSources"] {
  const config = { ageOutMs: graphDurationMs(env.GRAPH_OBSERVED_AGE_OUT), removals: env.GRAPH_REMOVALS, refreshIntervalMs: graphDurationMs(env.GRAPH_REFRESH_INTERVAL) };
  const readers: SourceReader[] = [];
  if (env.GRAPH_CATALOG_PATHS) {
    const catalog = new CatalogSource(env.GRAPH_CATALOG_PATHS.split(","));
    readers.push({ source: "CATALOG", description: `Backstage catalog: ${catalog.paths.join(", ")}`, read: () => catalog.read() });
  }
  if (env.GRAPH_TRACES_PROMETHEUS_URL) {
    const traces = new TracesSource({ url: env.GRAPH_TRACES_PROMETHEUS_URL, window: env.GRAPH_TRACES_WINDOW, minRequests: env.GRAPH_TRACES_MIN_REQUESTS, timeoutMs: 15_000 });
    readers.push({
      source: "TRACES",
      description: `${traces.origin}; edges with at least ${env.GRAPH_TRACES_MIN_REQUESTS} requests; an edge not seen for ${env.GRAPH_OBSERVED_AGE_OUT} ages out`,
      read: async () => ({ assertion: await traces.assertion() }),
    });
  }
  const store = new PostgresGraphSourceStore(db);
  const refreshDeps: RefreshDeps = {
    readers,
    graph: graph.changes,
    applyChange: (request) => applyGraphChange({ changes: graph.changes, audit: graph.audit, clock: systemClock, graphIndex: graph.graphIndex, mirror: graph.mirror }, request),
    store,
    audit: graph.audit,
    clock: systemClock,
    newId: () => crypto.randomUUID(),
    config,
  };
  const scheduler = new GraphRefreshScheduler(
    async (trigger) => {
      for (const run of await refreshSources(refreshDeps, { trigger, actor: "system" })) {
        const level = run.outcome === "FAILED" || run.outcome === "REFUSED" ? "warn" : "info";
        log[level]({ source: run.source, trigger, outcome: run.outcome, heldChangeId: run.heldChangeId, revision: run.revision }, `graph source refresh: ${run.message}`);
      }
    },
    readers.length > 0 ? config.refreshIntervalMs : 0,
    (error) => log.error({ err: error }, "graph source refresh failed to run"),
  );
  scheduler.start();
  if (readers.length > 0) log.info({ sources: readers.map((r) => r.description), intervalMs: config.refreshIntervalMs, removals: config.removals }, "graph sources ready");
  return { readers, store, config, refreshDeps, scheduler };
}

/** Closes the store if it was opened; for shutdown and tests. */
export async function disposeContainer(): Promise<void> {
  const pending = globalForContainer.__interlockContainer;
  globalForContainer.__interlockContainer = undefined;
  const container = pending ? await pending.catch(() => null) : null;
  if (!container) return;
  // Parts built on top of the container go first (each bounds its own wait).
  const hooks = globalForContainer.__interlockShutdownHooks ?? [];
  globalForContainer.__interlockShutdownHooks = undefined;
  for (const hook of hooks.reverse()) await hook().catch((error: unknown) => container.log.error({ err: error }, "a shutdown hook failed"));
  await container.notifications.notifier.stop();
  await container.graphSources.scheduler.stop();
  clearTimeout(globalForVerifier.__interlockFirstVerify);
  clearInterval(globalForVerifier.__interlockVerifier);
  await container.orchestrator.stop(10_000);
  await container.locks.manager.close();
  await container.locks.store.close();
  await container.identity.signInAttempts.close();
  container.audit.log.stopCheckpointTimer();
  await container.audit.log.settle();
  await container.audit.log.checkpoint().catch(() => null);
  if (container.graph instanceof Neo4jGraphStore) await container.graph.close();
  await container.db.close();
}

/**
 * On a real deployment, says at start-up what would let someone with the
 * database's credentials rewrite the audit trail unseen (docs/security.md#the-audit-chain-against-the-databases-own-users).
 */
async function warnAboutAuditSafety(env: Env, db: Database, log: Logger): Promise<void> {
  const rights = await auditRewriteRights(db).catch((error: unknown) => [`its rights could not be read (${error instanceof Error ? error.message : String(error)})`]);
  if (rights.length > 0) {
    log.warn(
      { problems: rights, migrationUrl: Boolean(env.DATABASE_MIGRATION_URL) },
      `the server's database role can rewrite the audit chain: ${rights.join("; ")}. Run migrations as the owner (DATABASE_MIGRATION_URL) and the server as a runtime role (npm run db:roles)`,
    );
  }
  for (const warning of auditPlacementWarnings(env)) log.warn(warning);
}

/** Start-up failures name the store and the variable that chose it, so the fix is obvious. */
function storeError(db: Database, env: Env, error: unknown): Error {
  if (error instanceof Error && error.name === "AppError") return error; // a migration problem: already explicit
  const message = error instanceof Error ? error.message : String(error);
  const source = env.DATABASE_URL ? "DATABASE_URL" : "INTERLOCK_DATA_DIR";
  return new Error(`cannot open the store at ${db.location} (${source}): ${message}`, { cause: error });
}
