// The self-healing pipeline, end to end: detect → RCA → localize → plan → patch →
// the orchestrator (gates, locks, canary 10 % → 50 % → 100 %) → verify →
// close, or roll back / escalate. Each stage is recorded on the incident as
// it happens, so the MTTR timeline is what the run did, not a script.
//
// Simulated (docs/demo.md#what-is-real-and-what-is-simulated): the telemetry, the
// production figures the fault and the fix produce, and the waits of systems
// that do not exist here (trace indexing, the image build, the observation
// window), scaled by the same time scale as the canary's bakes.
import type { JsonValue } from "../../server/core/audit/types";
import type { Clock } from "../../server/core/clock";
import { AppError, isAppError } from "../../server/core/errors";
import type { ExecutionStep } from "../../server/core/executors/ports";
import type { CohortSignals, ServiceSignals } from "../../server/core/gates/ports";
import type { IncidentStatus } from "../../server/core/incidents/ports";
import type { Orchestrator } from "../../server/core/operations/orchestrator";
import type { OperationRecord, TransitionRecord } from "../../server/core/operations/ports";
import { isFinished } from "../../server/core/operations/state-machine";
import type { OperationType } from "../../server/core/operations/types";
import type { TopologySpec } from "../../server/core/topology/types";
import { analyzeRootCause } from "./analysis/analyze-root-cause";
import { detectIncident } from "./analysis/detect-incident";
import { planFix } from "./analysis/plan-fix";
import { simulateTelemetry, type FaultTelemetrySpec } from "./analysis/simulate-telemetry";
import { generatePatch } from "./code/generate-patch";
import { localizeCode } from "./code/localize-code";
import { decisionMs, demoTimes, type DemoTimes } from "./demo-times";
import type { IncidentRecorder, RecordedIncident } from "./incident-recorder";
import type { IncidentNotifier, SampleSources } from "./ports";
import type { CodeLocation, Detection, FixPlan, GeneratedPatch, RootCause } from "./types";

/** Real-world durations of what is simulated, before the time scale divides them. */
export const SIMULATED_DELAYS_MS = {
  /** RCA waits until the error window's spans are indexed by the (mocked) trace store. */
  traceCollection: 180_000,
  /** Build, unit-test and push the patched image (simulated, 7 min scaled: docs/demo.md#what-is-real-and-what-is-simulated). */
  imageBuild: 420_000,
  /** Metrics gathered on 100 % of traffic before the verification reads them. */
  observationWindow: 180_000,
} as const;

/** Failure matrix row 19: "Confidence <70% → Escalate to Human". */
export const MIN_PATTERN_CONFIDENCE = 0.7;

/** Where the simulated production figures are set and read back: the demo's simulated signal source. */
export interface SignalControl {
  /** What the source reports for the service now (the orchestrator's gates and canary read the same source). */
  serviceSignals(service: string): Promise<ServiceSignals>;
  set(service: string, values: Partial<Omit<ServiceSignals, "service" | "at">>): void;
  setCanary(service: string, override: { baseline?: Partial<CohortSignals>; canary?: Partial<CohortSignals> }): void;
}

/** What production does in one injected incident. */
export interface IncidentScript {
  telemetry: FaultTelemetrySpec;
  /** The faulty build's figures (what the gates and a baseline cohort see while the fault lasts). */
  faulty: { errorRatePct: number; latencyP99Ms: number };
  /** The patched build's figures: its canary cohort, and the whole service once promoted. */
  patched: { errorRatePct: number; latencyP99Ms: number };
  /** What the service shows after promotion, when that is not `patched` (a verification failure). */
  afterDeploy?: { errorRatePct: number; latencyP99Ms: number; capacityHeadroomPct?: number };
  /** The property a TypeError names ("reading 'email'"), for the localizer. */
  property?: string;
}

export interface SelfHealingOptions {
  actor: string;
  /** Extra submission fields for the remediation (a scenario's own idempotency key, a forced review). */
  params?: { [key: string]: JsonValue };
  /** How long to wait for each operation to come to rest before giving up. */
  operationTimeoutMs?: number;
  /** Let a paused remediation wait for a person (the console); else the run ends ESCALATED at the pause. */
  waitForReviewMs?: number;
}

export type ProgressEvent =
  | { kind: "stage"; stage: string; outcome: string; at: string; detail: { [key: string]: JsonValue } }
  | { kind: "incident"; incidentId: string; key: string; status: IncidentStatus }
  | { kind: "operation"; operationId: string; type: OperationType; state: string; result: string | null; reason: string | null };

export interface SelfHealingDeps {
  orchestrator: Orchestrator;
  recorder: IncidentRecorder;
  topology: () => Promise<TopologySpec>;
  sources: SampleSources;
  signals: SignalControl;
  notifier: IncidentNotifier | null;
  clock: Clock;
  /** Divides the simulated delays (the orchestrator's SIMULATION_TIME_SCALE). */
  timeScale: number;
  /** The manual baseline the MTTR is compared with (the incident setting manualMttrMinutes). */
  manualMttrMinutes: number;
  progress?: (event: ProgressEvent) => void;
}

export interface OperationSummaryOfRun {
  id: string;
  type: OperationType;
  state: string;
  result: string | null;
  reason: string | null;
}

export interface SelfHealingOutcome {
  incident: { id: string; key: string } | null;
  status: IncidentStatus | "NO_INCIDENT";
  detection: Detection | null;
  rootCause: RootCause | null;
  location: CodeLocation | null;
  plan: FixPlan | null;
  patch: Pick<GeneratedPatch, "template" | "file" | "diff" | "linesAdded" | "linesRemoved" | "syntaxValid"> | null;
  operations: OperationSummaryOfRun[];
  /** Detected → resolved, measured on the wall clock; null when the incident was not resolved. */
  mttrMs: number | null;
  /** Interlock's own decision time over the run's operations (conflict checks, locks, gates), real time; null before any operation came to rest. */
  orchestratorMs: number | null;
  /** The MTTR on the simulated basis against the manual baseline, and Interlock's share apart (docs/demo.md#time-in-the-demo); null when not resolved. */
  times: DemoTimes | null;
  stages: { stage: string; startedAt: string; endedAt: string; outcome: string }[];
  /** Why the run ended where it did, in one sentence. */
  summary: string;
}

/** Runs the pipeline for one injected incident and reports what happened. */
export async function runSelfHealing(deps: SelfHealingDeps, script: IncidentScript, options: SelfHealingOptions): Promise<SelfHealingOutcome> {
  return new SelfHealingRun(deps, script, options).run();
}

class SelfHealingRun {
  private incident: RecordedIncident | null = null;
  private readonly outcome: SelfHealingOutcome = { incident: null, status: "NO_INCIDENT", detection: null, rootCause: null, location: null, plan: null, patch: null, operations: [], mttrMs: null, orchestratorMs: null, times: null, stages: [], summary: "" };
  private readonly service: string;

  constructor(
    private readonly deps: SelfHealingDeps,
    private readonly script: IncidentScript,
    private readonly options: SelfHealingOptions,
  ) {
    this.service = script.telemetry.service;
  }

  async run(): Promise<SelfHealingOutcome> {
    const { deps, script } = this;
    // The fault goes live: the service now reports the faulty build's figures.
    deps.signals.set(this.service, { errorRatePct: script.faulty.errorRatePct, latencyP99Ms: script.faulty.latencyP99Ms });
    try {
      await this.pipeline();
    } catch (error) {
      await this.failed(error);
    }
    // A run that did not resolve still reports Interlock's own share of what it did.
    if (this.outcome.orchestratorMs === null && this.outcome.operations.length > 0) await this.measureDecisions().catch(() => null);
    return this.outcome;
  }

  private async pipeline(): Promise<void> {
    const { deps, script } = this;
    const detectedAt = deps.clock.now();
    // The window's figures are what the signal source reports for the service now (the
    // injected fault); the logs and traces around them are the simulated observability.
    const reading = await deps.signals.serviceSignals(this.service);
    const telemetry = simulateTelemetry({ ...script.telemetry, errorRatePct: reading.errorRatePct, latencyP99Ms: reading.latencyP99Ms }, detectedAt);
    const detection = detectIncident({ telemetry, now: detectedAt });
    this.outcome.detection = detection;
    if (!detection) {
      this.outcome.summary = `No anomaly in ${this.service}'s metric window: nothing to heal.`;
      return;
    }
    const correlationId = `corr-${detectedAt.getTime().toString(36)}-${this.service}`;
    const title = `${detection.metric.replace(/_/g, " ")} ${detection.value}${detection.unit === "%" ? "%" : " ms"} on ${detection.service} (${detection.pattern.replace(/_/g, " ").toLowerCase()})`;
    this.incident = await deps.recorder.open(
      // The time scale on the incident, so its pages can say that its times ran that many times faster (docs/demo.md#time-in-the-demo).
      { service: this.service, title, severity: detection.severity, correlationId, detectedAt, summary: { detection: toJson(detection), timeScale: deps.timeScale } },
      { metric: detection.metric, value: detection.value, threshold: detection.threshold, pattern: detection.pattern, confidence: detection.confidence },
    );
    this.outcome.incident = { id: this.incident.id, key: this.incident.info.key };
    this.outcome.status = "OPEN";
    this.emit({ kind: "incident", incidentId: this.incident.id, key: this.incident.info.key, status: "OPEN" });
    await this.recordDerived("detection", detectedAt, deps.clock.now(), "DETECTED", { metric: detection.metric, value: detection.value, threshold: detection.threshold, unit: detection.unit, pattern: detection.pattern, confidence: detection.confidence, breachingSamples: detection.breachingSamples, windowMinutes: detection.windowMinutes });

    const topology = await deps.topology();
    const rootCause = await this.stage("root_cause_analysis", "ROOT_CAUSE_ANALYSIS", async () => {
      await this.simulatedWait(SIMULATED_DELAYS_MS.traceCollection);
      const rc = analyzeRootCause({ detection, telemetry, topology });
      return { value: rc, outcome: "IDENTIFIED", detail: { blamedService: rc.blamedService, path: rc.path, chain: rc.chain, confidence: rc.confidence, frame: toJson(rc.frame), evidenceSpans: rc.evidenceSpans } };
    });
    this.outcome.rootCause = rootCause;
    // Failure matrix row 19: a pattern the matcher is not sure of goes to a person, not to a template.
    if (detection.confidence < MIN_PATTERN_CONFIDENCE) {
      return this.escalate(`The error pattern is ${detection.pattern} with ${Math.round(detection.confidence * 100)}% confidence, below the ${MIN_PATTERN_CONFIDENCE * 100}% an automatic fix needs; a person must investigate.`);
    }

    const frame = rootCause.frame ?? detection.frame;
    let location: CodeLocation;
    let source: string;
    try {
      ({ location, source } = await this.stage("code_localization", "CODE_LOCALIZATION", async () => {
        if (!frame) throw new AppError("NOT_FOUND", `No stack frame points into ${rootCause.blamedService}'s source: the failing line cannot be located`);
        const source = await deps.sources.read(rootCause.blamedService, frame.file);
        const location = localizeCode({ file: frame.file, source, frame, pattern: detection.pattern, property: script.property });
        return { value: { location, source }, outcome: "LOCATED", detail: { file: location.file, line: location.line, function: location.function, expression: location.expression, finding: location.finding, template: location.template } };
      }));
    } catch (error) {
      if (isAppError(error) && error.code === "NOT_FOUND") return this.escalate(`The fault could not be located in the source (${error.message}); a person must investigate.`);
      throw error;
    }
    this.outcome.location = location;

    // The planner scores the candidate change, so the patch is drafted first (pure, immediate) and built after.
    const candidate = generatePatch({ file: location.file, source, location });
    const criticality = topology.services.find((s) => s.name === rootCause.blamedService)?.criticality ?? "HIGH";
    const plan = await this.stage("fix_planning", "FIX_PLANNING", async () => {
      const plan = planFix({ criticality, linesChanged: candidate.linesAdded + candidate.linesRemoved, detection, now: deps.clock.now(), patternConfidence: detection.confidence });
      return { value: plan, outcome: plan.strategy, detail: { riskScore: plan.riskScore, factors: plan.factors, strategy: plan.strategy, reasons: plan.reasons, criticality } };
    });
    this.outcome.plan = plan;

    const patch = await this.stage("patch_generation", "PATCH_GENERATION", async () => {
      if (!candidate.syntaxValid) throw new AppError("VALIDATION_FAILED", `The ${candidate.template} patch of ${candidate.file} does not parse: ${candidate.diagnostics.join("; ")}`);
      await this.simulatedWait(SIMULATED_DELAYS_MS.imageBuild);
      return { value: candidate, outcome: "READY", detail: { template: candidate.template, file: candidate.file, linesAdded: candidate.linesAdded, linesRemoved: candidate.linesRemoved, syntaxValid: candidate.syntaxValid, diff: candidate.diff } };
    });
    this.outcome.patch = { template: patch.template, file: patch.file, diff: patch.diff, linesAdded: patch.linesAdded, linesRemoved: patch.linesRemoved, syntaxValid: patch.syntaxValid };

    // What the patched build will show in its canary cohort, against the faulty baseline.
    deps.signals.setCanary(this.service, { baseline: { ...script.faulty }, canary: { ...script.patched } });
    const version = `patch-${detectedAt.getTime().toString(36)}`;
    const remediation = await this.submitAndWait({
      type: patch.template === "increase_pool_size" ? "CONFIG_CHANGE" : "REMEDIATION",
      params: {
        version,
        strategy: plan.strategy === "DIRECT_DEPLOY" ? "direct" : "canary",
        incident: this.incident!.info.key,
        pattern: detection.pattern,
        template: patch.template,
        file: patch.file,
        line: location.line,
        riskScore: plan.riskScore,
        linesChanged: patch.linesAdded + patch.linesRemoved,
        ...(plan.strategy === "MANUAL_REVIEW" ? { reviewRequired: `The fix planner chose manual review: ${plan.reasons.join(" ")}` } : {}),
        ...this.options.params,
      },
      systemLocks: patch.template === "increase_pool_size" ? topology.resourceGroups.filter((g) => g.members.includes(this.service) && g.kind === "DATABASE").map((g) => g.name) : [],
    }, "remediation");
    if (!remediation) return;
    if (remediation.state !== "COMPLETED") return this.afterFailedChange(remediation);

    // The patched build now serves everything.
    const live: { errorRatePct: number; latencyP99Ms: number; capacityHeadroomPct?: number } = script.afterDeploy ?? script.patched;
    deps.signals.set(this.service, { errorRatePct: live.errorRatePct, latencyP99Ms: live.latencyP99Ms, ...(live.capacityHeadroomPct !== undefined ? { capacityHeadroomPct: live.capacityHeadroomPct } : {}) });
    const observing = deps.clock.now();
    await this.simulatedWait(SIMULATED_DELAYS_MS.observationWindow);
    await this.recordDerived("observation_window", observing, deps.clock.now(), "OBSERVED", { simulatedMs: SIMULATED_DELAYS_MS.observationWindow, errorRatePct: live.errorRatePct, latencyP99Ms: live.latencyP99Ms });
    const verification = await this.submitAndWait({ type: "VERIFICATION", params: { incident: this.incident!.info.key, version, after: remediation.id } }, "verification");
    if (!verification) return;
    if (verification.state === "COMPLETED") return this.resolve(remediation);

    // As docs/specification.md#executors-and-the-canary integrates verification: a failed verification rolls back through the orchestrator.
    const previous = (remediation.outcome?.detail as { previousVersion?: string | null } | undefined)?.previousVersion ?? null;
    // The old build comes back with the fault it had (and the headroom it had, the simulation's healthy default).
    deps.signals.set(this.service, { errorRatePct: script.faulty.errorRatePct, latencyP99Ms: script.faulty.latencyP99Ms, ...(live.capacityHeadroomPct !== undefined ? { capacityHeadroomPct: 35 } : {}) });
    const rollback = await this.submitAndWait({ type: "ROLLBACK", params: { incident: this.incident!.info.key, to_version: previous ?? "last-known-good", reason: verification.reason ?? "verification failed" } }, "rollback");
    const restored = rollback === null ? "the rollback did not come to rest" : rollback.state === "COMPLETED" ? "the rollback restored the previous version" : `the rollback ended ${rollback.state}: ${rollback.reason ?? ""}`;
    await this.escalate(`Verification failed after the deployment (${verification.reason ?? "health checks failed"}); ${restored}; a person must take over.`, "ROLLED_BACK");
  }

  // ── the orchestrator ────────────────────────────────────────────

  /** Submits one operation for the incident and mirrors its progress onto the incident's stages until it rests. */
  private async submitAndWait(request: { type: OperationType; params: { [key: string]: JsonValue }; systemLocks?: string[] }, role: "remediation" | "verification" | "rollback"): Promise<OperationRecord | null> {
    const { deps } = this;
    const incident = this.incident!;
    const submitted = await deps.orchestrator.submit({
      type: request.type,
      service: this.service,
      actor: this.options.actor,
      actorKind: "AUTOMATION",
      source: "DEMO",
      correlationId: incident.info.correlationId,
      incidentId: incident.id,
      params: request.params,
      systemLocks: request.systemLocks ?? [],
    });
    if (submitted.result === "ALREADY_RUNNING") {
      this.track(submitted.operation);
      await this.escalate(`The same change is already running as operation ${submitted.operation.id}: this run does not start a second one.`);
      return null;
    }
    if (role === "remediation") await incident.setStatus("MITIGATING", { approach: request.type === "CONFIG_CHANGE" ? "AUTO_CONFIG_CHANGE" : "AUTO_HEAL" }, { category: "DEPLOYMENT", severity: "INFO", action: "incident.remediating", payload: { operationId: submitted.operation.id } });
    if (role === "remediation") this.outcome.status = "MITIGATING";
    const mirror = new OperationMirror(submitted.operation.id, role, (stage, start, end, outcome, detail) => this.recordDerived(stage, start, end, outcome, detail));
    const op = await this.waitForRest(submitted.operation.id, mirror);
    this.track(op);
    return op;
  }

  private async waitForRest(id: string, mirror: OperationMirror): Promise<OperationRecord> {
    const { deps } = this;
    const timeoutMs = this.options.operationTimeoutMs ?? 10 * 60_000;
    const deadline = Date.now() + timeoutMs;
    let reviewDeadline: number | null = null;
    let lastState = "";
    for (;;) {
      const op = await deps.orchestrator.get(id);
      if (!op) throw new AppError("NOT_FOUND", `Operation ${id} disappeared while the pipeline waited for it`);
      await mirror.sync(op, deps.orchestrator);
      // A change of state, or of why it waits (a TIMING delay says until when).
      const seen = `${op.state}|${op.reason ?? ""}`;
      if (seen !== lastState) {
        lastState = seen;
        this.emit({ kind: "operation", operationId: op.id, type: op.type, state: op.state, result: op.result, reason: op.reason });
      }
      // A finished run still releases its locks and writes that down: wait for it (same process), or settle for the state (another worker).
      if (isFinished(op.state)) {
        await deps.orchestrator.settled(op.id);
        return op;
      }
      if (op.state === "PAUSED_FOR_HUMAN_REVIEW") {
        const waitMs = this.options.waitForReviewMs ?? 0;
        if (waitMs <= 0) return op;
        reviewDeadline ??= Date.now() + waitMs;
        if (Date.now() > reviewDeadline) return op;
      }
      if (Date.now() > deadline) throw new AppError("UNAVAILABLE", `Operation ${id} did not come to rest within ${Math.round(timeoutMs / 1000)} s; it is ${op.state}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private track(op: OperationRecord): void {
    this.outcome.operations.push({ id: op.id, type: op.type, state: op.state, result: op.result, reason: op.reason });
  }

  /** Interlock's own decision time so far, summed over the run's operations, from their stored transitions (real time: none of it is scaled). */
  private async measureDecisions(): Promise<number | null> {
    let total = 0;
    let measured = 0;
    for (const { id } of this.outcome.operations) {
      const op = await this.deps.orchestrator.get(id);
      if (!op) continue;
      total += decisionMs(op.createdAt, await this.deps.orchestrator.listTransitions(id));
      measured += 1;
    }
    this.outcome.orchestratorMs = measured > 0 ? total : null;
    return this.outcome.orchestratorMs;
  }

  // ── endings ─────────────────────────────────────────────────────

  private async resolve(remediation: OperationRecord): Promise<void> {
    const { deps } = this;
    const incident = this.incident!;
    const closedAt = deps.clock.now();
    const mttrMs = closedAt.getTime() - incident.info.detectedAt.getTime();
    const orchestratorMs = await this.measureDecisions();
    const times = demoTimes({ wallMs: mttrMs, timeScale: deps.timeScale, manualMttrMinutes: deps.manualMttrMinutes, orchestratorMs, operations: this.outcome.operations.length });
    const figures = { mttrMs, timeScale: times.timeScale, simulatedMttrMs: times.simulatedMs, orchestratorMs };
    await incident.setStatus(
      "RESOLVED",
      { resolvedAt: closedAt, summary: { ...figures, operationId: remediation.id, patch: this.outcome.patch ? { template: this.outcome.patch.template, file: this.outcome.patch.file } : null } },
      { category: "INCIDENT_DETECTION", severity: "INFO", action: "incident.resolved", payload: { ...figures, operationId: remediation.id, approach: "AUTO_HEAL" } },
    );
    await this.recordDerived("close", closedAt, deps.clock.now(), "RESOLVED", figures);
    this.outcome.status = "RESOLVED";
    this.outcome.mttrMs = mttrMs;
    this.outcome.times = times;
    this.outcome.summary = `${incident.info.key} resolved automatically in ${times.text.mttr}; ${times.text.versusManual}. Interlock itself: ${times.text.orchestrator ?? "not measured"}.`;
    this.emit({ kind: "incident", incidentId: incident.id, key: incident.info.key, status: "RESOLVED" });
    await deps.notifier?.resolved({ ...incident.info, resolvedAt: closedAt }).catch(() => {});
  }

  private async afterFailedChange(op: OperationRecord): Promise<void> {
    const what =
      op.state === "PAUSED_FOR_HUMAN_REVIEW"
        ? `The remediation is paused for human review: ${op.reason ?? "see the review"}`
        : op.state === "ROLLED_BACK"
          ? `The remediation was rolled back: ${op.reason ?? "its canary failed"}`
          : `The remediation ended ${op.state} (${op.result ?? "no result"}): ${op.reason ?? "see the operation"}`;
    await this.escalate(`${what}.`, op.state === "ROLLED_BACK" ? "ROLLED_BACK" : op.state === "PAUSED_FOR_HUMAN_REVIEW" ? "AWAITING_REVIEW" : (op.result ?? "FAILED"));
  }

  /** The incident needs a person: recorded, and the people on call told. */
  private async escalate(reason: string, approach = "ESCALATED"): Promise<void> {
    const incident = this.incident!;
    await incident.setStatus("ESCALATED", { approach, summary: { escalation: reason } }, { category: "MANUAL_INTERVENTION", severity: "ERROR", action: "incident.escalated", payload: { reason } });
    await this.recordDerived("escalation", this.deps.clock.now(), this.deps.clock.now(), "ESCALATED", { reason });
    this.outcome.status = "ESCALATED";
    this.outcome.summary = reason;
    this.emit({ kind: "incident", incidentId: incident.id, key: incident.info.key, status: "ESCALATED" });
    await this.deps.notifier?.escalated({ ...incident.info, reason }).catch(() => {});
  }

  private async failed(error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    this.outcome.summary = `The pipeline stopped: ${message}`;
    if (!this.incident) throw error;
    this.outcome.status = "FAILED";
    await this.incident.setStatus("FAILED", { summary: { error: message } }, { category: "INCIDENT_DETECTION", severity: "ERROR", action: "incident.pipeline_failed", payload: { error: message } }).catch(() => {});
    this.emit({ kind: "incident", incidentId: this.incident.id, key: this.incident.info.key, status: "FAILED" });
  }

  // ── recording ───────────────────────────────────────────────────

  private async stage<T>(stage: string, category: Parameters<RecordedIncident["stage"]>[1], run: () => Promise<{ value: T; outcome: string; detail: { [key: string]: JsonValue } }>): Promise<T> {
    const startedAt = this.deps.clock.now();
    let outcome = "FAILED";
    let detail: { [key: string]: JsonValue } = {};
    try {
      return await this.incident!.stage(stage, category, async () => {
        const result = await run();
        outcome = result.outcome;
        detail = result.detail;
        return result;
      });
    } finally {
      this.noteStage(stage, startedAt, this.deps.clock.now(), outcome, detail);
    }
  }

  private async recordDerived(stage: string, startedAt: Date, endedAt: Date, outcome: string, detail: { [key: string]: JsonValue }): Promise<void> {
    await this.incident!.recordStage(stage, startedAt, endedAt, outcome, detail);
    this.noteStage(stage, startedAt, endedAt, outcome, detail);
  }

  private noteStage(stage: string, startedAt: Date, endedAt: Date, outcome: string, detail: { [key: string]: JsonValue }): void {
    this.outcome.stages.push({ stage, startedAt: startedAt.toISOString(), endedAt: endedAt.toISOString(), outcome });
    this.emit({ kind: "stage", stage, outcome, at: endedAt.toISOString(), detail });
  }

  private simulatedWait(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms / Math.max(1, this.deps.timeScale)));
  }

  private emit(event: ProgressEvent): void {
    try {
      this.deps.progress?.(event);
    } catch {
      // A listener's failure must not stop the pipeline.
    }
  }
}

/**
 * Turns an operation's transitions and executor steps into incident stages as
 * they complete (conflict check and locks, gates, a review, each canary step,
 * the promotion or rollback), with the times the orchestrator recorded.
 */
class OperationMirror {
  private readonly recorded = new Set<string>();

  constructor(
    private readonly operationId: string,
    private readonly role: "remediation" | "verification" | "rollback",
    private readonly record: (stage: string, startedAt: Date, endedAt: Date, outcome: string, detail: { [key: string]: JsonValue }) => Promise<void>,
  ) {}

  async sync(op: OperationRecord, orchestrator: Pick<Orchestrator, "listTransitions" | "listSteps">): Promise<void> {
    const transitions = await orchestrator.listTransitions(this.operationId);
    const steps = this.role === "remediation" ? await orchestrator.listSteps(this.operationId) : [];
    for (const stage of derivedStages(op, transitions, steps, this.role)) {
      if (this.recorded.has(stage.key)) continue;
      this.recorded.add(stage.key);
      await this.record(stage.stage, stage.startedAt, stage.endedAt, stage.outcome, { operationId: op.id, ...stage.detail });
    }
  }
}

interface DerivedStage {
  key: string;
  stage: string;
  startedAt: Date;
  endedAt: Date;
  outcome: string;
  detail: { [key: string]: JsonValue };
}

/** Pure: the completed stages an operation's record shows so far. */
export function derivedStages(op: OperationRecord, transitions: readonly TransitionRecord[], steps: readonly ExecutionStep[], role: "remediation" | "verification" | "rollback"): DerivedStage[] {
  const at = (to: string) => transitions.find((t) => t.to === to)?.at ?? null;
  const after = (t: TransitionRecord) => transitions.find((n) => n.version === t.version + 1) ?? null;
  if (role !== "remediation") {
    if (!isFinished(op.state) || !op.finishedAt) return [];
    return [{ key: role, stage: role, startedAt: op.createdAt, endedAt: op.finishedAt, outcome: op.state === "COMPLETED" ? "PASSED" : op.state, detail: { reason: op.reason ?? null } }];
  }
  const stages: DerivedStage[] = [];
  const locked = at("LOCKED");
  const firstMove = transitions.find((t) => t.from === "INIT");
  if (firstMove) {
    stages.push({ key: "locks", stage: "conflict_check_and_locks", startedAt: op.createdAt, endedAt: firstMove.at, outcome: locked ? "LOCKED" : (op.result ?? firstMove.to), detail: locked ? {} : { reason: op.reason ?? null } });
  }
  for (const t of transitions.filter((t) => t.to === "SAFETY_CHECK")) {
    const next = after(t);
    if (!next) continue;
    const outcome = next.to === "IN_PROGRESS" ? "PASSED" : next.to === "PAUSED_FOR_HUMAN_REVIEW" ? "PAUSED" : next.to === "FAILED" ? String(next.metadata.result ?? "BLOCKED") : next.to;
    stages.push({ key: `gates:${t.version}`, stage: "safety_gates", startedAt: t.at, endedAt: next.at, outcome, detail: next.to === "FAILED" || next.to === "PAUSED_FOR_HUMAN_REVIEW" ? { reason: String(next.metadata.reason ?? op.reason ?? "") } : {} });
  }
  for (const t of transitions.filter((t) => t.to === "PAUSED_FOR_HUMAN_REVIEW")) {
    const next = after(t);
    if (!next) continue;
    stages.push({ key: `review:${t.version}`, stage: "human_review", startedAt: t.at, endedAt: next.at, outcome: next.to === "IN_PROGRESS" ? "APPROVED" : next.to, detail: { decidedBy: next.actor } });
  }
  steps.forEach((step, i) => {
    const name = /^(canary|direct) \d+%$/.test(step.name) ? step.name.replace(" ", "_") : step.name;
    stages.push({ key: `step:${i}:${step.name}`, stage: name, startedAt: new Date(step.startedAt), endedAt: new Date(step.endedAt), outcome: step.outcome, detail: pick(step.detail, ["trafficPct", "verdict", "reasons", "baseline", "canary", "summary"]) });
  });
  return stages;
}

function pick(detail: { [key: string]: JsonValue }, keys: string[]): { [key: string]: JsonValue } {
  return Object.fromEntries(keys.filter((k) => k in detail).map((k) => [k, detail[k]!]));
}

function toJson(value: unknown): JsonValue {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as JsonValue);
}
