// The embedded default executor for changes (docs/operations.md#what-a-production-deployment-looks-like,
// "executor" row: simulated canary). It walks the canary 10 % → 50 % →
// 100 % (docs/specification.md#executors-and-the-canary), bakes each step, compares canary with baseline, and either records
// the new version in the deployment ledger or rolls back. The traffic shift is
// simulated; the decisions, the fencing and the durable steps are real, so a
// crash, a lost lease or a bad canary behave here as they would in production.
import type { JsonValue } from "../audit/types";
import { AppError, isAppError } from "../errors";
import type { CanarySignals, CohortSignals, SignalSource } from "../gates/ports";
import type { OperationSnapshot, OperationType } from "../operations/types";
import { analyzeCanary, type CanaryAnalysis, type CanaryPolicy, DEFAULT_CANARY_POLICY } from "./canary-analysis";
import { recordVersionFenced, serviceFenceOf } from "./fenced-ledger-write";
import type { DeploymentLedger, ExecutionContext, ExecutionOutcome, ExecutionStep, OperationExecutor, WithdrawOutcome } from "./ports";

/** The operation types that change what runs, and so roll out through the canary. */
export const DEPLOYING_OPERATION_TYPES: readonly OperationType[] = ["DEPLOYMENT", "REMEDIATION", "CONFIG_CHANGE", "MAINTENANCE"];

export type DeploymentStrategy = "canary" | "direct";

export interface SimulatedDeploymentExecutorOptions {
  signals: SignalSource;
  ledger: DeploymentLedger;
  policy?: CanaryPolicy;
}

/** Step names a resumed attempt reads back; changing them breaks resuming executions recorded before. */
const TRAFFIC_STEP = /^(canary|direct) (\d+)%$/;
const ROLLBACK_STEP = "rollback";
const PROMOTE_STEP = "promote";

function trafficStepName(strategy: DeploymentStrategy, pct: number): string {
  return `${strategy} ${pct}%`;
}

/**
 * params.strategy (docs/specification.md#operations), as the API writes it
 * ("canary", "direct") or as the demo's fix planner names it ("CANARY_DEPLOY",
 * "DIRECT_DEPLOY"). Absent means canary: the safe default. Anything else is null, and the operation fails untouched.
 */
export function deploymentStrategyOf(params: OperationSnapshot["params"]): DeploymentStrategy | null {
  const raw = params.strategy;
  if (raw === undefined || raw === null) return "canary";
  if (typeof raw !== "string") return null;
  const normalized = raw.trim().toLowerCase().replace(/[_-]deploy$/, "");
  return normalized === "canary" || normalized === "direct" ? normalized : null;
}

/** params.version, or a name derived from the operation when the caller (an auto-generated patch) gave none. */
export function deploymentVersionOf(operation: OperationSnapshot): string {
  const raw = operation.params.version;
  if (typeof raw === "string" && raw.trim() !== "") return raw.trim();
  if (typeof raw === "number") return String(raw);
  return `patch-${operation.id.replace(/-/g, "").slice(0, 8)}`;
}

function cohortJson(cohort: CohortSignals): { [key: string]: JsonValue } {
  return { errorRatePct: cohort.errorRatePct, latencyP99Ms: cohort.latencyP99Ms, requests: cohort.requests };
}

function analysisJson(analysis: CanaryAnalysis): { [key: string]: JsonValue } {
  return {
    verdict: analysis.verdict,
    reasons: analysis.reasons,
    errorRateDelta: analysis.errorRateDelta,
    latencyRatio: analysis.latencyRatio,
    latencyDeltaMs: analysis.latencyDeltaMs,
    checks: analysis.checks.map((c) => ({ figure: c.figure, observed: c.observed, threshold: c.threshold, passed: c.passed })),
  };
}

/** What the previous attempts of this execution already did, read from their recorded steps. */
interface ResumePoint {
  /** Highest traffic percentage whose step passed; 0 on a first attempt. */
  passedPct: number;
  /** A traffic step that failed its analysis but whose rollback was not recorded: finish the rollback. */
  failedStep: ExecutionStep | null;
  rollback: ExecutionStep | null;
  promote: ExecutionStep | null;
}

function resumePointOf(steps: readonly ExecutionStep[]): ResumePoint {
  let passedPct = 0;
  let failedStep: ExecutionStep | null = null;
  for (const step of steps) {
    const match = TRAFFIC_STEP.exec(step.name);
    if (!match) continue;
    if (step.outcome === "PASSED") passedPct = Math.max(passedPct, Number(match[2]));
    if (step.outcome === "FAILED") failedStep = step;
  }
  return {
    passedPct,
    failedStep,
    rollback: steps.find((s) => s.name === ROLLBACK_STEP) ?? null,
    promote: steps.find((s) => s.name === PROMOTE_STEP) ?? null,
  };
}

function recordedSummary(step: ExecutionStep, fallback: string): string {
  return typeof step.detail.summary === "string" ? step.detail.summary : fallback;
}

export class SimulatedDeploymentExecutor implements OperationExecutor {
  readonly name = "simulated-deployment";
  private readonly policy: CanaryPolicy;

  constructor(private readonly options: SimulatedDeploymentExecutorOptions) {
    this.policy = options.policy ?? DEFAULT_CANARY_POLICY;
  }

  async execute(context: ExecutionContext): Promise<ExecutionOutcome> {
    const operation = context.operation;
    if (!DEPLOYING_OPERATION_TYPES.includes(operation.type)) {
      throw new AppError("VALIDATION_FAILED", `The simulated deployment executor does not run ${operation.type} operations`, { operationType: operation.type });
    }
    const strategy = deploymentStrategyOf(operation.params);
    if (strategy === null) {
      return {
        status: "FAILED",
        summary: `Unknown deployment strategy ${JSON.stringify(operation.params.strategy)} for ${operation.service}: expected "canary" or "direct"; nothing was changed.`,
        detail: { strategy: operation.params.strategy ?? null },
      };
    }
    // Checked before the first traffic shift, so a wiring fault changes nothing.
    serviceFenceOf(context);

    const version = deploymentVersionOf(operation);
    const resume = resumePointOf(context.previousSteps);
    if (resume.rollback) {
      return { status: "ROLLED_BACK", summary: recordedSummary(resume.rollback, `${version} on ${operation.service} was rolled back.`), detail: { ...resume.rollback.detail, resumed: true } };
    }
    if (resume.promote) {
      return { status: "SUCCEEDED", summary: recordedSummary(resume.promote, `${operation.service} runs ${version}.`), detail: { ...resume.promote.detail, resumed: true } };
    }

    // What to restore on rollback. If this operation's own write is what the
    // ledger shows (a previous attempt died after promoting, before recording
    // the step), the version before ours is the one it replaced.
    const live = await this.options.ledger.current(operation.service);
    const previousVersion = live === null ? null : live.operationId === operation.id ? live.previousVersion : live.version;

    if (resume.failedStep) {
      const match = TRAFFIC_STEP.exec(resume.failedStep.name);
      const reasons = Array.isArray(resume.failedStep.detail.reasons) ? resume.failedStep.detail.reasons.map(String) : ["the canary failed its analysis"];
      return this.rollBack(context, { strategy, version, previousVersion, failedAtPct: Number(match?.[2] ?? 0), reasons });
    }

    const plan = strategy === "canary" ? this.policy.steps : [100];
    let lastCanary: CanarySignals | null = null;
    for (const pct of plan.filter((p) => p > resume.passedPct)) {
      context.signal.throwIfAborted();
      const startedAt = context.clock.now().toISOString();
      context.assertFenced();
      // The simulated traffic shift: `pct` percent of requests now reach `version`.
      // A real router would be called here, after the fence check and only then.
      await context.sleep(this.policy.bakeTimeMs);

      const read = await this.readCanary(operation.service, pct);
      const analysis: CanaryAnalysis = read.ok
        ? analyzeCanary(read.signals, this.policy.thresholds)
        : // Figures that cannot be read cannot be verified: an unverified version
          // must not go on to more traffic, and must not be left where it is.
          { verdict: "ROLLBACK", reasons: [`canary signals could not be read at ${pct}%: ${read.error}`], checks: [], errorRateDelta: 0, latencyRatio: null, latencyDeltaMs: 0 };

      await context.recordStep({
        name: trafficStepName(strategy, pct),
        startedAt,
        endedAt: context.clock.now().toISOString(),
        outcome: analysis.verdict === "PROMOTE" ? "PASSED" : "FAILED",
        detail: {
          trafficPct: pct,
          version,
          previousVersion,
          bakeTimeMs: this.policy.bakeTimeMs,
          signalsAt: read.ok ? read.signals.at : null,
          baseline: read.ok ? cohortJson(read.signals.baseline) : null,
          canary: read.ok ? cohortJson(read.signals.canary) : null,
          ...analysisJson(analysis),
        },
      });
      if (analysis.verdict === "ROLLBACK") {
        return this.rollBack(context, { strategy, version, previousVersion, failedAtPct: pct, reasons: analysis.reasons });
      }
      if (read.ok) lastCanary = read.signals;
    }

    return this.promote(context, { strategy, version, previousVersion, plan, lastCanary });
  }

  /**
   * An abort: the traffic the canary moved to the new version is withdrawn.
   * The ledger was not written (it is only written on promotion), so it still
   * names the version being restored. A promoted deployment is not undone
   * here: it finished, and a ROLLBACK operation is the way back.
   */
  async withdraw(context: ExecutionContext, why: string): Promise<WithdrawOutcome> {
    const { operation } = context;
    const resume = resumePointOf(context.previousSteps);
    const version = deploymentVersionOf(operation);
    if (resume.promote) return { undone: false, summary: `${operation.service} already runs ${version}: nothing to withdraw (submit a ROLLBACK to go back).`, detail: { version } };
    if (resume.rollback) return { undone: true, summary: recordedSummary(resume.rollback, `${version} on ${operation.service} was already rolled back.`), detail: { version, alreadyRolledBack: true } };
    const strategy = deploymentStrategyOf(operation.params) ?? "canary";
    const live = await this.options.ledger.current(operation.service);
    const previousVersion = live === null ? null : live.operationId === operation.id ? live.previousVersion : live.version;
    // Each traffic step shifts traffic as it begins, so an interrupted one had shifted too.
    const reachedPct = Math.max(resume.passedPct, ...context.previousSteps.map((st) => Number(TRAFFIC_STEP.exec(st.name)?.[2] ?? 0)), strategy === "direct" ? 100 : this.policy.steps[0] ?? 0);
    return this.rollBack(context, { strategy, version, previousVersion, failedAtPct: reachedPct, reasons: [why] }).then((outcome) => ({ undone: true, summary: outcome.summary, detail: outcome.detail }));
  }

  private async readCanary(service: string, pct: number): Promise<{ ok: true; signals: CanarySignals } | { ok: false; error: string }> {
    try {
      return { ok: true, signals: await this.options.signals.canarySignals(service, pct) };
    } catch (error) {
      if (isAppError(error) && error.code === "UNAVAILABLE") return { ok: false, error: error.message };
      throw error;
    }
  }

  private async promote(
    context: ExecutionContext,
    run: { strategy: DeploymentStrategy; version: string; previousVersion: string | null; plan: number[]; lastCanary: CanarySignals | null },
  ): Promise<ExecutionOutcome> {
    const { service } = context.operation;
    const startedAt = context.clock.now().toISOString();
    const { fencingToken } = await recordVersionFenced(context, this.options.ledger, run.version);

    const rollout = run.strategy === "canary" ? `canary ${run.plan.map((p) => `${p}%`).join(" → ")}` : "a direct deployment to 100%";
    const figures = run.lastCanary
      ? ` (canary error rate ${run.lastCanary.canary.errorRatePct}% vs baseline ${run.lastCanary.baseline.errorRatePct}%, p99 ${run.lastCanary.canary.latencyP99Ms} ms vs ${run.lastCanary.baseline.latencyP99Ms} ms)`
      : "";
    const summary = `${service} now runs ${run.version} on all traffic after ${rollout}${figures}.`;
    const detail = { version: run.version, previousVersion: run.previousVersion, strategy: run.strategy, steps: run.plan, fencingToken: String(fencingToken), summary };
    await context.recordStep({ name: PROMOTE_STEP, startedAt, endedAt: context.clock.now().toISOString(), outcome: "PASSED", detail });
    return { status: "SUCCEEDED", summary, detail };
  }

  /**
   * Withdraws the new version's traffic. The ledger is not written: it is only
   * written on promotion, so it still names the version being restored. Not
   * called on abort: a holder whose lease is gone must not touch the service,
   * the next holder (or the ROLLBACK operation) owns it now.
   */
  private async rollBack(
    context: ExecutionContext,
    run: { strategy: DeploymentStrategy; version: string; previousVersion: string | null; failedAtPct: number; reasons: string[] },
  ): Promise<ExecutionOutcome> {
    const { service } = context.operation;
    const startedAt = context.clock.now().toISOString();
    context.assertFenced();
    // The simulated traffic shift back: 0 % on `run.version`.
    const restored = run.previousVersion ? `${run.previousVersion} restored` : "no earlier version was recorded, so the new version's traffic was withdrawn";
    const what = run.strategy === "canary" ? `Canary of ${run.version} on ${service} rolled back at ${run.failedAtPct}%` : `Direct deployment of ${run.version} on ${service} rolled back`;
    const summary = `${what}: ${run.reasons.join("; ")}; ${restored}.`;
    const detail = { version: run.version, restoredVersion: run.previousVersion, failedAtPct: run.failedAtPct, reasons: run.reasons, summary };
    await context.recordStep({ name: ROLLBACK_STEP, startedAt, endedAt: context.clock.now().toISOString(), outcome: "PASSED", detail });
    return { status: "ROLLED_BACK", summary, detail };
  }
}
