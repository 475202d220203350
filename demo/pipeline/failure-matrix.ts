// The failure injection matrix (docs/spec/failure-matrix.md), all 20 rows. Each row injects its
// fault into the real orchestrator (through the simulated signals, a lock
// store partition, a stuck lock, a killed worker, an edited audit row) and
// judges what the system then did against the row's expected reaction. The
// "actual" sentence is built from what was measured; nothing is written in
// advance, and a row that does not behave as expected fails.
import type { JsonValue } from "../../server/core/audit/types";
import type { OperationRecord } from "../../server/core/operations/ports";
import type { DemoEnvironment } from "./demo-environment";
import { INVENTORY_CONNECTION_RESETS, FULFILLMENT_TIMEOUT, PAYMENT_NULL_POINTER, PAYMENT_POOL_EXHAUSTED, PAYMENT_UNKNOWN_ERROR, USER_NULL_POINTER } from "./incident-scripts";
import { runSelfHealing, type IncidentScript, type ProgressEvent, type SelfHealingOutcome } from "./run-self-healing";
import { atRest, cancelIfOpen, describe, failedGatesOf, MATRIX_ACTOR, MATRIX_REVIEWER, seconds, sleep, submit, waitFor } from "./scenario-kit";

export interface ScenarioContext {
  progress?: (event: ProgressEvent) => void;
  log: (line: string) => void;
}

export interface ScenarioVerdict {
  passed: boolean;
  /** What happened, measured: states, figures, times. */
  actual: string;
  incident: { id: string; key: string } | null;
  operations: string[];
  /** Detected → resolved on the wall clock, when the row healed an incident. */
  mttrMs: number | null;
  /** Interlock's own decision time over the row's operations (conflict checks, locks, gates), real time; null when not measured. */
  orchestratorMs: number | null;
  evidence: { [key: string]: JsonValue };
}

export interface FailureScenario {
  id: string;
  /** The row of docs/spec/failure-matrix.md#the-rows, 1–20. */
  row: number;
  title: string;
  injectedAt: string;
  /** The row's expected reaction (docs/spec/failure-matrix.md#the-rows), with this estate's configured action where it differs. */
  expected: string;
  /** Why this row cannot run in `env` (null: it can); such a row is reported unavailable, never passed or failed. */
  unavailableIn?(env: Pick<DemoEnvironment, "workerProcesses">): string | null;
  /**
   * The row edits the store itself (row 14 rewrites a stored audit event and
   * puts it back): the console runs it in a sandbox of its own even where the
   * other rows run beside the server's store, so a process killed between the
   * edit and the restore cannot leave the server's chain broken (docs/demo.md#where-a-run-happens).
   */
  editsTheStore?: true;
  run(env: DemoEnvironment, ctx: ScenarioContext): Promise<ScenarioVerdict>;
}

const AUTO_HEALER = "auto-healing-system";

function verdict(passed: boolean, actual: string, extra: Partial<ScenarioVerdict> = {}): ScenarioVerdict {
  return { passed, actual, incident: null, operations: [], mttrMs: null, orchestratorMs: null, evidence: {}, ...extra };
}

async function heal(env: DemoEnvironment, ctx: ScenarioContext, script: IncidentScript, options: { params?: { [key: string]: JsonValue } } = {}): Promise<SelfHealingOutcome> {
  return runSelfHealing(
    {
      orchestrator: env.orchestrator,
      recorder: env.recorder,
      topology: env.topology,
      sources: env.sources,
      signals: env.signals,
      notifier: env.notifier,
      clock: env.clock,
      timeScale: env.timeScale,
      manualMttrMinutes: await env.manualMttrMinutes(),
      progress: ctx.progress,
    },
    script,
    { actor: AUTO_HEALER, params: options.params },
  );
}

/** Rows 1–4: the incident must be healed end to end with the named template. */
function autoResolves(outcome: SelfHealingOutcome, template: string): ScenarioVerdict {
  const remediation = outcome.operations.find((o) => o.type === "REMEDIATION" || o.type === "CONFIG_CHANGE");
  const verification = outcome.operations.find((o) => o.type === "VERIFICATION");
  const rollout = outcome.stages.filter((s) => /^(canary|direct)_\d+%$/.test(s.stage)).map((s) => `${s.stage.replace("_", " ")} ${s.outcome}`);
  const passed = outcome.status === "RESOLVED" && outcome.patch?.template === template && remediation?.state === "COMPLETED" && verification?.state === "COMPLETED";
  const where = outcome.location ? `${outcome.location.file}:${outcome.location.line}` : "no location";
  const actual =
    outcome.status === "RESOLVED"
      ? `${outcome.incident?.key} auto-resolved in ${outcome.times?.text.mttr ?? seconds(outcome.mttrMs ?? 0)}: ${outcome.detection?.pattern} → ${outcome.patch?.template} at ${where} (risk ${outcome.plan?.riskScore}, ${outcome.plan?.strategy}), ${remediation?.type} ${rollout.join(", ") || "not rolled out"}, verification ${verification?.state ?? "not run"}`
      : `${outcome.incident?.key ?? "no incident"} ended ${outcome.status}: ${outcome.summary}`;
  return verdict(passed, actual, { incident: outcome.incident, operations: outcome.operations.map((o) => o.id), mttrMs: outcome.mttrMs, orchestratorMs: outcome.orchestratorMs, evidence: { template: outcome.patch?.template ?? null, diff: outcome.patch?.diff ?? null, stages: outcome.stages.map((s) => `${s.stage}:${s.outcome}`) } });
}

/** Rows 10–11: the bad patch's canary must fail its analysis and the executor roll it back. */
function rolledBackByCanary(outcome: SelfHealingOutcome, figure: string): ScenarioVerdict {
  const remediation = outcome.operations.find((o) => o.type === "REMEDIATION" || o.type === "CONFIG_CHANGE");
  const failedStep = outcome.stages.find((s) => /^canary_\d+%$/.test(s.stage) && s.outcome === "FAILED");
  const rollback = outcome.stages.find((s) => s.stage === "rollback");
  const canaryStart = outcome.stages.find((s) => /^canary_\d+%$/.test(s.stage));
  const rolledBackInMs = rollback && canaryStart ? Date.parse(rollback.endedAt) - Date.parse(canaryStart.startedAt) : null;
  const passed = remediation?.state === "ROLLED_BACK" && failedStep !== undefined && (remediation.reason ?? "").includes(figure) && outcome.status === "ESCALATED";
  const actual =
    remediation?.state === "ROLLED_BACK"
      ? `Canary failed at ${failedStep?.stage.slice(7) ?? "?"} and was rolled back ${rolledBackInMs !== null ? `${seconds(rolledBackInMs)} after the canary started` : ""}: ${remediation.reason}; ${outcome.incident?.key} ${outcome.status}`
      : `The bad patch was not rolled back by its canary: remediation ${remediation ? `${remediation.state}/${remediation.result}` : "not submitted"}; ${outcome.summary}`;
  return verdict(passed, actual, { incident: outcome.incident, operations: outcome.operations.map((o) => o.id), evidence: { rolledBackInMs } });
}

/** A change a scenario submits directly (no incident): a canary rollout of a new version. */
function change(service: string, version: string, extra: { [key: string]: JsonValue } = {}) {
  return { type: "REMEDIATION" as const, service, params: { version, strategy: "canary", ...extra } };
}

export const FAILURE_SCENARIOS: readonly FailureScenario[] = [
  {
    id: "high-error-rate",
    row: 1,
    title: "High Error Rate",
    injectedAt: "payment-service",
    expected: "Detect → RCA → Patch → Canary Deploy: the incident is resolved automatically",
    run: async (env, ctx) => autoResolves(await heal(env, ctx, PAYMENT_NULL_POINTER), "add_null_check"),
  },
  {
    id: "high-latency",
    row: 2,
    title: "High Latency",
    injectedAt: "fulfillment-service → inventory-service (originally order-service, whose 27 % blast radius pauses every change in this estate — row 8)",
    expected: "Detect → RCA → Timeout Increase → Deploy: the incident is resolved automatically",
    run: async (env, ctx) => autoResolves(await heal(env, ctx, FULFILLMENT_TIMEOUT), "increase_timeout"),
  },
  {
    id: "null-pointer",
    row: 3,
    title: "Null Pointer Exception",
    injectedAt: "user-service",
    expected: "Detect → RCA → Add Null Check → Deploy: the incident is resolved automatically",
    run: async (env, ctx) => autoResolves(await heal(env, ctx, USER_NULL_POINTER), "add_null_check"),
  },
  {
    id: "db-pool-exhausted",
    row: 4,
    title: "Database Connection Pool Exhausted",
    injectedAt: "postgres_primary (payment-service's pool)",
    expected: "Detect → RCA → Increase Pool Size → Config Update (CONFIG_CHANGE holding postgres_primary): resolved automatically",
    run: async (env, ctx) => {
      const outcome = await heal(env, ctx, PAYMENT_POOL_EXHAUSTED);
      const result = autoResolves(outcome, "increase_pool_size");
      const configChange = outcome.operations.some((o) => o.type === "CONFIG_CHANGE");
      return { ...result, passed: result.passed && configChange, actual: configChange ? result.actual : `${result.actual}; the fix did not go out as a CONFIG_CHANGE` };
    },
  },
  {
    id: "concurrent-same-service",
    row: 5,
    title: "Concurrent Incident (Same Service)",
    injectedAt: "payment-service",
    expected: "Conflict detected → the second operation waits in line behind the first and never runs beside it (DIRECT: QUEUE, docs/conflicts.md; the original refused it); then it is cancelled, as the row asks",
    run: async (env) => {
      const first = await changeUnderWay(env, change("payment-service", "1.0.1", { incident: "matrix-5-first" }));
      const second = await submit(env, change("payment-service", "1.0.2", { incident: "matrix-5-second" }));
      const queued = await waitFor(env, second.id, (o) => o.queuedAt !== null || atRest(o));
      const firstDone = await waitFor(env, first.id);
      // After the first, the second would wait out the timing window (300 s) and run: the row ends it here.
      const secondNow = (await env.orchestrator.get(second.id)) ?? queued;
      const secondDone = atRest(secondNow) ? secondNow : await env.orchestrator.cancel({ operationId: second.id, actor: MATRIX_ACTOR, mayCancelOthers: true, reason: "failure matrix row 5: the second change is not wanted" }).catch(() => secondNow);
      const waitedBehindFirst = queued.queuedAt !== null && (queued.reason ?? "").includes(first.id);
      const passed = waitedBehindFirst && queued.startedAt === null && secondDone.startedAt === null && firstDone.state === "COMPLETED";
      return verdict(passed, `Second operation waited in line (${queued.reason ?? "no reason"}) and never started; then ${describe(secondDone)}; the first ${describe(firstDone)}`, { operations: [first.id, second.id] });
    },
  },
  {
    id: "concurrent-dependency",
    row: 6,
    title: "Concurrent Incident (Dependency)",
    injectedAt: "user-service + payment-service",
    expected: "Dependency conflict → pause for review, a human is notified",
    run: async (env) => {
      const first = await changeUnderWay(env, change("payment-service", "1.0.1", { incident: "matrix-6-payment" }));
      const second = await submit(env, change("user-service", "2.4.1", { incident: "matrix-6-user" }));
      const paused = await waitFor(env, second.id, atRest);
      const notified = paused.state === "PAUSED_FOR_HUMAN_REVIEW" ? await notificationOf(env, second.id, "human_review_required") : null;
      await cancelIfOpen(env, paused, "failure matrix row 6: the review was the point");
      const firstDone = await waitFor(env, first.id);
      const conflicts = ((paused.conflictCheck?.conflicts ?? []) as { type?: string }[]).map((c) => c.type);
      const humanNotified = env.notificationsFor === null || notified !== null;
      const passed = paused.state === "PAUSED_FOR_HUMAN_REVIEW" && conflicts.some((t) => t === "DEPENDENCY" || t === "DOWNSTREAM") && humanNotified && firstDone.state === "COMPLETED";
      return verdict(passed, `user-service change ${describe(paused)} on ${conflicts.join(", ") || "no"} conflict with the payment-service change; ${notified ? `reviewers notified (${notified})` : env.notificationsFor ? "no notification was queued" : "no notifier in this environment"}; payment-service change ${describe(firstDone)}`, { operations: [first.id, second.id] });
    },
  },
  {
    id: "gate-error-budget",
    row: 7,
    title: "Safety Gate Failure (Error Budget)",
    injectedAt: "system-wide",
    expected: "Error budget exhausted (2.5 % > 2.0 %) → the operation is stopped at the gates (blocked, or paused where ERROR_BUDGET is configured to pause, as it does by default)",
    run: async (env) => {
      env.signals.setDefaults({ errorBudgetPct: 2.5 });
      const op = await submit(env, change("payment-service", "1.0.1", { incident: "matrix-7" }));
      const done = await waitFor(env, op.id, atRest);
      const failed = await failedGatesOf(env, op.id);
      const action = (await env.gateConfig()).gates.ERROR_BUDGET.onFailure;
      await cancelIfOpen(env, done, "failure matrix row 7");
      const stopped = (done.state === "FAILED" && done.result === "BLOCKED_BY_GATE") || done.state === "PAUSED_FOR_HUMAN_REVIEW";
      const asConfigured = action === "BLOCK" ? done.result === "BLOCKED_BY_GATE" : done.state === "PAUSED_FOR_HUMAN_REVIEW";
      return verdict(stopped && asConfigured && failed.includes("ERROR_BUDGET"), `${describe(done)} on failed gates ${failed.join(", ") || "none"} (ERROR_BUDGET configured to ${action}): ${done.reason ?? ""}`, { operations: [op.id] });
    },
  },
  {
    id: "gate-blast-radius",
    row: 8,
    title: "Safety Gate Failure (Blast Radius)",
    injectedAt: "order-service (touches many services)",
    expected: "Blast radius > 20 % → pause for review, a human is notified",
    run: async (env) => {
      const op = await submit(env, change("order-service", "3.2.0", { incident: "matrix-8" }));
      const done = await waitFor(env, op.id, atRest);
      const failed = await failedGatesOf(env, op.id);
      const notified = done.state === "PAUSED_FOR_HUMAN_REVIEW" ? await notificationOf(env, op.id, "human_review_required") : null;
      await cancelIfOpen(env, done, "failure matrix row 8");
      const blast = done.conflictCheck?.blastRadius as { score?: number; totalServices?: number; affectedCount?: number } | undefined;
      const pct = blast?.score !== undefined && blast.totalServices ? Math.round((blast.score / blast.totalServices) * 1000) / 10 : null;
      const passed = done.state === "PAUSED_FOR_HUMAN_REVIEW" && failed.includes("BLAST_RADIUS") && (env.notificationsFor === null || notified !== null);
      return verdict(passed, `${describe(done)}: estimated impact ${pct ?? "?"} % (${blast?.affectedCount ?? "?"} services), failed gates ${failed.join(", ") || "none"}; ${notified ? `reviewers notified (${notified})` : "no notification seen"}`, { operations: [op.id] });
    },
  },
  {
    id: "gate-cooldown",
    row: 9,
    title: "Safety Gate Failure (Cooldown)",
    injectedAt: "invoice-service, just deployed",
    expected: "Time since last deploy < 300 s → the change does not run now (COOLDOWN blocks it, or the TIMING conflict rule holds it until the window has passed)",
    run: async (env) => {
      const first = await submit(env, { type: "DEPLOYMENT", service: "invoice-service", params: { version: "5.0.1", strategy: "direct" } });
      const firstDone = await waitFor(env, first.id);
      const second = await submit(env, change("invoice-service", "5.0.2", { incident: "matrix-9" }));
      const held = await waitFor(env, second.id, (op) => atRest(op) || (op.state === "INIT" && op.notBefore !== null), 60_000);
      const failed = await failedGatesOf(env, second.id);
      await cancelIfOpen(env, held, "failure matrix row 9: the hold was the point");
      const sinceDeploy = firstDone.finishedAt ? Date.now() - firstDone.finishedAt.getTime() : null;
      const blocked = held.result === "BLOCKED_BY_GATE" && failed.includes("COOLDOWN");
      const delayed = held.state === "INIT" && held.notBefore !== null && firstDone.finishedAt !== null && held.notBefore.getTime() >= firstDone.finishedAt.getTime() + 299_000;
      const actual = blocked
        ? `Blocked by COOLDOWN ${seconds(sinceDeploy ?? 0)} after the deploy: ${held.reason}`
        : delayed
          ? `Held by the TIMING conflict until ${held.notBefore!.toISOString()} (300 s after the deploy finished), then cancelled by the matrix: ${held.reason ?? ""}`
          : `Not held: ${describe(held)} ${held.reason ?? ""} (first deploy ${describe(firstDone)})`;
      return verdict(firstDone.state === "COMPLETED" && (blocked || delayed), actual, { operations: [first.id, second.id] });
    },
  },
  {
    id: "canary-error-rate",
    row: 10,
    title: "Canary Failure (Error Rate)",
    injectedAt: "a bad patch (inventory-service retry storm)",
    expected: "Canary error rate > 2 % → automatic rollback",
    run: async (env, ctx) => rolledBackByCanary(await heal(env, ctx, { ...INVENTORY_CONNECTION_RESETS, patched: { errorRatePct: 6.5, latencyP99Ms: 280 } }), "error rate"),
  },
  {
    id: "canary-latency",
    row: 11,
    title: "Canary Failure (Latency)",
    injectedAt: "slow code (user-service's null-check patch)",
    expected: "Canary p99 latency > 500 ms → automatic rollback",
    run: async (env, ctx) => rolledBackByCanary(await heal(env, ctx, { ...USER_NULL_POINTER, patched: { errorRatePct: 0.2, latencyP99Ms: 820 } }), "latency"),
  },
  {
    id: "verification-failure",
    row: 12,
    title: "Verification Failure",
    injectedAt: "payment-service health check",
    expected: "Health endpoint returns 500 after the rollout → verification fails → rollback",
    run: async (env) => {
      const correlationId = `matrix-12-${Date.now().toString(36)}`;
      const deploy = await submit(env, { type: "DEPLOYMENT", service: "payment-service", correlationId, params: { version: "1.0.1", strategy: "canary" } });
      const deployed = await waitFor(env, deploy.id);
      // The new build's health endpoint answers 500 on a share of requests once it serves everything.
      env.signals.set("payment-service", { errorRatePct: 6.2 });
      const verify = await submit(env, { type: "VERIFICATION", service: "payment-service", correlationId, params: { version: "1.0.1" } });
      const verified = await waitFor(env, verify.id);
      let rollback: OperationRecord | null = null;
      if (verified.state === "FAILED") {
        const started = Date.now();
        const submitted = await submit(env, { type: "ROLLBACK", service: "payment-service", correlationId, params: { to_version: "1.0.0", reason: verified.reason ?? "verification failed" } });
        // 1.0.0 was healthy: once it is restored, the service reports healthy again.
        await waitForStep(env, submitted.id, "restore version");
        env.signals.set("payment-service", { errorRatePct: 0.4 });
        rollback = await waitFor(env, submitted.id);
        const passed = deployed.state === "COMPLETED" && rollback.state === "COMPLETED";
        return verdict(passed, `Verification ${describe(verified)}: ${verified.reason}; ROLLBACK to 1.0.0 ${describe(rollback)} in ${seconds(Date.now() - started)}`, { operations: [deploy.id, verify.id, rollback.id] });
      }
      return verdict(false, `Verification did not fail: ${describe(verified)} (deployment ${describe(deployed)})`, { operations: [deploy.id, verify.id] });
    },
  },
  {
    id: "lock-timeout",
    row: 13,
    title: "Lock Timeout",
    injectedAt: "a stuck lock on shipping-service",
    expected: "Wait timeout → the operation fails with LOCK_TIMEOUT, escalated and notified",
    run: async (env) => {
      const stuck = await env.locks.acquire(`stuck-holder:${Date.now().toString(36)}`, { scope: "SERVICE", resource: "shipping-service" }, { ttlMs: 15 * 60_000 });
      try {
        const started = Date.now();
        const op = await submit(env, change("shipping-service", "7.1.0", { incident: "matrix-13" }));
        const done = await waitFor(env, op.id);
        const notified = await notificationOf(env, op.id, "operation_failed");
        const passed = done.state === "FAILED" && done.result === "LOCK_TIMEOUT" && (env.notificationsFor === null || notified !== null);
        return verdict(passed, `${describe(done)} after ${seconds(Date.now() - started)}: ${done.reason}; ${notified ? `notified (${notified})` : env.notificationsFor ? "no notification was queued" : "no notifier in this environment"}`, { operations: [op.id] });
      } finally {
        await stuck.release().catch(() => false);
      }
    },
  },
  {
    id: "audit-tampering",
    row: 14,
    title: "Audit Log Tampering",
    injectedAt: "the audit log",
    expected: "Tampered entry → the hash chain breaks at that entry → alert (a CRITICAL verification event, hash_chain_valid 0)",
    editsTheStore: true,
    run: async (env) => {
      const tampering = await env.audit.tamper();
      let broken;
      try {
        broken = await env.audit.verify(MATRIX_ACTOR);
      } finally {
        await tampering.restore();
      }
      const repaired = await env.audit.verify(MATRIX_ACTOR);
      const passed = !broken.valid && broken.firstBadSeq === tampering.seq && repaired.valid;
      return verdict(
        passed,
        `${tampering.field} of event ${tampering.seq} changed from '${tampering.from}' to '${tampering.to}': verification ${broken.valid ? "did NOT notice" : `broke at seq ${broken.firstBadSeq} (${broken.kind})`} and recorded a CRITICAL event; restored, the chain verifies again (${repaired.checked} events)`,
        { evidence: { tamperedSeq: tampering.seq, firstBadSeq: broken.firstBadSeq } },
      );
    },
  },
  {
    id: "orchestrator-crash",
    row: 15,
    title: "State Machine Corruption (Orchestrator Crash)",
    injectedAt: "the worker process driving a canary",
    expected: "Crash mid-operation (the worker's process is killed with SIGKILL) → recovered from the store: taken up again, the dead attempt's locks taken back, the rollout resumed",
    unavailableIn: (env) => (env.workerProcesses.available ? null : env.workerProcesses.reason),
    run: async (env) => {
      const processes = env.workerProcesses;
      if (!processes.available) return verdict(false, `Not run: ${processes.reason}`);
      // A worker of its own in another process submits the change and drives it; the row
      // kills that process after canary 10%. The demo's own worker stands aside until the
      // process has claimed the operation, so the crash always hits the process that drives
      // it (any worker may claim any runnable operation), then comes back to recover it.
      await env.orchestrator.stop();
      let worker: Awaited<ReturnType<typeof processes.start>>;
      try {
        worker = await processes.start({ type: "REMEDIATION", service: "invoice-service", actor: MATRIX_ACTOR, actorKind: "AUTOMATION", params: { version: "5.1.0", strategy: "canary", incident: "matrix-15" } });
        await waitForClaim(env, worker);
      } finally {
        await env.orchestrator.start();
      }
      try {
        const id = worker.operationId;
        await waitForStep(env, id, "canary 10%");
        if (!worker.drives(id)) {
          const done = await waitFor(env, id);
          return verdict(false, `Another worker claimed the operation before the worker process could (as any replica may), so there was no process to kill: ${describe(done)}`, { operations: [id] });
        }
        const crashedAt = Date.now();
        await worker.kill();
        const done = await waitFor(env, id);
        const steps = await env.orchestrator.listSteps(id);
        const events = await env.auditEventsOf(id);
        const recovered = events.filter((e) => e.action === "lock.recovered").length;
        const tenPct = steps.filter((s) => s.name === "canary 10%").length;
        const passed = done.state === "COMPLETED" && done.attempt >= 2 && recovered > 0 && tenPct === 1 && steps.some((s) => s.name === "canary 100%" && s.outcome === "PASSED");
        return verdict(
          passed,
          `Worker process ${worker.pid} killed (SIGKILL) after canary 10%; attempt ${done.attempt} took the operation up ${seconds((done.finishedAt?.getTime() ?? Date.now()) - crashedAt)} later, took back ${recovered} lock(s) of the dead attempt and resumed after the recorded 10% step (steps ${steps.filter((s) => s.name.startsWith("canary")).map((s) => s.name.slice(7)).join(" → ")}, 10% run once): ${describe(done)}`,
          { operations: [id] },
        );
      } finally {
        await worker.close();
      }
    },
  },
  {
    id: "network-partition",
    row: 16,
    title: "Network Partition",
    injectedAt: "lock store ↔ orchestrator",
    expected: "Lock acquisition fails → retried, then given up with a clear failure (no lock held, nothing changed)",
    run: async (env) => {
      env.lockStore.partition([{ scope: "SERVICE", resource: "notification-service" }]);
      try {
        const op = await submit(env, change("notification-service", "2.0.3", { incident: "matrix-16" }));
        const done = await waitFor(env, op.id, undefined, 120_000);
        const steps = await env.orchestrator.listSteps(op.id);
        const passed = done.state === "FAILED" && env.lockStore.refusedCalls >= 2 && done.attempt >= 2 && steps.length === 0;
        return verdict(passed, `${env.lockStore.refusedCalls} lock-store calls refused over ${done.attempt} attempts, then ${describe(done)}: ${done.reason}; executor steps run: ${steps.length}`, { operations: [op.id] });
      } finally {
        env.lockStore.heal();
      }
    },
  },
  {
    id: "consecutive-failures",
    row: 17,
    title: "Multiple Consecutive Failures",
    injectedAt: "tax-service",
    expected: "Failures > 2 → the next change is stopped at the RECENT_FAILURES gate for a person (blocked here by default; the human-override configuration pauses)",
    run: async (env) => {
      const since = new Date(Date.now() - 1000);
      const correlationId = `matrix-17-${Date.now().toString(36)}`;
      const failures: OperationRecord[] = [];
      for (let i = 1; i <= 3; i++) {
        // Each attempt is refused by the deploy system (a strategy it does not run), a real FAILED change.
        const op = await submit(env, { type: "REMEDIATION", service: "tax-service", correlationId, params: { version: `1.9.${i}`, strategy: "blue-green" } });
        failures.push(await waitFor(env, op.id));
      }
      const counted = await env.incidents.countFailedChanges("tax-service", since);
      const next = await submit(env, { type: "REMEDIATION", service: "tax-service", correlationId, params: { version: "1.9.4", strategy: "canary" } });
      const done = await waitFor(env, next.id, atRest);
      const failed = await failedGatesOf(env, next.id);
      await cancelIfOpen(env, done, "failure matrix row 17");
      const stopped = done.result === "BLOCKED_BY_GATE" || done.state === "PAUSED_FOR_HUMAN_REVIEW";
      const passed = failures.every((f) => f.state === "FAILED") && counted >= 3 && stopped && failed.includes("RECENT_FAILURES");
      return verdict(passed, `${failures.map(describe).join(", ")}; ${counted} failed changes counted in the store; the next change ${describe(done)} on ${failed.join(", ") || "no"} gate: ${done.reason ?? ""}`, { operations: [...failures.map((f) => f.id), next.id] });
    },
  },
  {
    id: "high-blast-radius-conflict",
    row: 18,
    title: "High Blast Radius Conflict",
    injectedAt: "api-gateway (reaches 15+ services)",
    expected: "Blast radius > 10 services → pause for review, a human is notified",
    run: async (env) => {
      const op = await submit(env, change("api-gateway", "12.0.0", { incident: "matrix-18" }));
      const done = await waitFor(env, op.id, atRest);
      const review = done.state === "PAUSED_FOR_HUMAN_REVIEW" ? await env.orchestrator.pendingReview(op.id) : null;
      const notified = review ? await notificationOf(env, op.id, "human_review_required") : null;
      await cancelIfOpen(env, done, "failure matrix row 18");
      const blast = done.conflictCheck?.blastRadius as { affectedCount?: number; percentage?: number } | undefined;
      const affected = blast?.affectedCount ?? 0;
      const passed = done.state === "PAUSED_FOR_HUMAN_REVIEW" && affected > 10 && review !== null && (env.notificationsFor === null || notified !== null);
      return verdict(passed, `${describe(done)}: ${affected} services in the blast radius; review ${review ? `opened (${review.reason})` : "not opened"}; ${notified ? `reviewers notified (${notified})` : "no notification seen"}`, { operations: [op.id] });
    },
  },
  {
    id: "unknown-error-pattern",
    row: 19,
    title: "Unknown Error Pattern",
    injectedAt: "payment-service, a new error type",
    expected: "Confidence < 70 % → escalated to a human, no automatic change",
    run: async (env, ctx) => {
      const outcome = await heal(env, ctx, PAYMENT_UNKNOWN_ERROR);
      const confidence = outcome.detection ? Math.round(outcome.detection.confidence * 100) : null;
      const passed = outcome.status === "ESCALATED" && outcome.operations.length === 0 && outcome.detection?.pattern === "UNKNOWN";
      return verdict(passed, `${outcome.incident?.key ?? "no incident"} ${outcome.status}: pattern ${outcome.detection?.pattern ?? "none"} at ${confidence ?? "?"} % confidence; ${outcome.operations.length} change(s) submitted; ${outcome.summary}`, { incident: outcome.incident, operations: outcome.operations.map((o) => o.id) });
    },
  },
  {
    id: "human-override",
    row: 20,
    title: "Human Override Test",
    injectedAt: "a manual pause on loyalty-service",
    expected: "A human pauses → the operation waits for approval → approved by someone else, it resumes and completes",
    run: async (env) => {
      const op = await submit(env, change("loyalty-service", "4.4.0", { incident: "matrix-20", reviewRequired: "on-call asked to watch this rollout (human override)" }));
      const paused = await waitFor(env, op.id, atRest);
      if (paused.state !== "PAUSED_FOR_HUMAN_REVIEW") return verdict(false, `Did not pause: ${describe(paused)} ${paused.reason ?? ""}`, { operations: [op.id] });
      const decision = await env.orchestrator.decide({ operationId: op.id, decision: "APPROVE", actor: MATRIX_REVIEWER, notes: "Watched the canary plan: go." });
      const done = await waitFor(env, op.id);
      const transitions = await env.orchestrator.listTransitions(op.id);
      const resumedBy = transitions.find((t) => t.from === "PAUSED_FOR_HUMAN_REVIEW" && t.to === "IN_PROGRESS")?.actor ?? null;
      const passed = done.state === "COMPLETED" && resumedBy === MATRIX_REVIEWER;
      return verdict(passed, `Paused (${paused.reason}); approved by ${MATRIX_REVIEWER} as ${decision.approvalId}; resumed by ${resumedBy ?? "nobody"}; ${describe(done)}`, { operations: [op.id] });
    },
  },
];

export function findScenario(id: string): FailureScenario | undefined {
  return FAILURE_SCENARIOS.find((s) => s.id === id || String(s.row) === id);
}

/** Submits a change and waits until it is executing (holding its locks), the other half of a concurrency row. */
async function changeUnderWay(env: DemoEnvironment, request: Parameters<typeof submit>[1]): Promise<OperationRecord> {
  const op = await submit(env, request);
  return waitFor(env, op.id, (o) => o.state === "IN_PROGRESS" || atRest(o));
}

/** Waits for the notifier to queue a message of `template` about the operation; its channels, or null if none came within 5 s. */
async function notificationOf(env: DemoEnvironment, operationId: string, template: string): Promise<string | null> {
  if (!env.notificationsFor) return null;
  const deadline = Date.now() + 5_000;
  for (;;) {
    const found = (await env.notificationsFor(operationId)).filter((n) => n.template === template);
    if (found.length > 0) return `${template} via ${[...new Set(found.map((n) => n.channel))].join(", ")}`;
    if (Date.now() > deadline) return null;
    await sleep(100);
  }
}

/** Resolves once the worker process has claimed its operation, or the operation came to rest, or a minute passed (the row then says what happened). */
async function waitForClaim(env: DemoEnvironment, worker: { operationId: string; drives(id: string): boolean }, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!worker.drives(worker.operationId) && Date.now() < deadline) {
    const op = await env.orchestrator.get(worker.operationId);
    if (op && atRest(op)) return;
    await sleep(50);
  }
}

async function waitForStep(env: DemoEnvironment, operationId: string, step: string, timeoutMs = 5 * 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const steps = await env.orchestrator.listSteps(operationId);
    if (steps.some((s) => s.name === step)) return;
    const op = await env.orchestrator.get(operationId);
    if (op && atRest(op)) throw new Error(`Operation ${operationId} came to rest (${op.state}) before its "${step}" step`);
    if (Date.now() > deadline) throw new Error(`Operation ${operationId} recorded no "${step}" step within ${Math.round(timeoutMs / 1000)} s`);
    await sleep(50);
  }
}
