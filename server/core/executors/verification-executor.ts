// VERIFICATION operations (seed 000 "Integration with Step 9": verify(service)
// runs through the orchestrator like any change). Reads the service's signals
// and holds them to the health thresholds; it changes nothing, so it never
// needs the fence and a resumed attempt simply checks again.
import { isAppError } from "../errors";
import type { SignalSource } from "../gates/ports";
import type { ExecutionContext, ExecutionOutcome, OperationExecutor } from "./ports";
import { checkServiceHealth, DEFAULT_HEALTH_THRESHOLDS, type HealthThresholds } from "./service-health-checks";

export interface VerificationExecutorOptions {
  signals: SignalSource;
  thresholds?: Partial<HealthThresholds>;
}

export class VerificationExecutor implements OperationExecutor {
  readonly name = "verification";
  private readonly thresholds: HealthThresholds;

  constructor(private readonly options: VerificationExecutorOptions) {
    this.thresholds = { ...DEFAULT_HEALTH_THRESHOLDS, ...options.thresholds };
  }

  async execute(context: ExecutionContext): Promise<ExecutionOutcome> {
    const { service } = context.operation;
    context.signal.throwIfAborted();
    // Checks already recorded by an earlier attempt are not trusted: health is
    // a reading of now, and an old pass says nothing about the service today.
    const startedAt = context.clock.now().toISOString();
    let signals;
    try {
      signals = await this.options.signals.serviceSignals(service);
    } catch (error) {
      if (!isAppError(error) || error.code !== "UNAVAILABLE") throw error;
      const summary = `Verification of ${service} failed: its signals could not be read (${error.message}).`;
      await context.recordStep({ name: "read signals", startedAt, endedAt: context.clock.now().toISOString(), outcome: "FAILED", detail: { error: error.message } });
      return { status: "FAILED", summary, detail: { service, error: error.message } };
    }

    const results = checkServiceHealth(signals, this.thresholds);
    for (const result of results) {
      await context.recordStep({
        name: `check ${result.check}`,
        startedAt,
        endedAt: context.clock.now().toISOString(),
        outcome: result.passed ? "PASSED" : "FAILED",
        detail: { observed: result.observed, threshold: result.threshold, unit: result.unit, explanation: result.explanation, signalsAt: signals.at },
      });
    }

    const failed = results.filter((r) => !r.passed);
    const detail = {
      service,
      signalsAt: signals.at,
      checks: results.map((r) => ({ check: r.check, observed: r.observed, threshold: r.threshold, unit: r.unit, passed: r.passed })),
    };
    if (failed.length > 0) {
      return { status: "FAILED", summary: `Verification of ${service} failed: ${failed.map((r) => r.explanation).join("; ")}.`, detail };
    }
    return { status: "SUCCEEDED", summary: `${service} is healthy: ${results.map((r) => r.explanation).join("; ")}.`, detail };
  }
}
