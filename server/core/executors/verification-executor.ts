// VERIFICATION operations (docs/specification.md#executors-and-the-canary: verify(service)
// runs through the orchestrator like any change). Reads the service's signals
// and holds them to the health thresholds; it changes nothing, so it never
// needs the fence and a resumed attempt simply checks again.
import type { SignalSource } from "../gates/ports";
import type { ExecutionContext, ExecutionOutcome, OperationExecutor } from "./ports";
import { healthCheckSummaries, readSignalsOrRecord, recordHealthChecks } from "./record-health-checks";
import { DEFAULT_HEALTH_THRESHOLDS, type HealthThresholds } from "./service-health-checks";

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
    const read = await readSignalsOrRecord(context, this.options.signals, service, { name: "read signals", startedAt });
    if (!read.ok) {
      return { status: "FAILED", summary: `Verification of ${service} failed: its signals could not be read (${read.error}).`, detail: { service, error: read.error } };
    }
    const { signals } = read;

    const results = await recordHealthChecks(context, signals, this.thresholds, { prefix: "check", startedAt });

    const failed = results.filter((r) => !r.passed);
    const detail = {
      service,
      signalsAt: signals.at,
      checks: healthCheckSummaries(results),
    };
    if (failed.length > 0) {
      return { status: "FAILED", summary: `Verification of ${service} failed: ${failed.map((r) => r.explanation).join("; ")}.`, detail };
    }
    return { status: "SUCCEEDED", summary: `${service} is healthy: ${results.map((r) => r.explanation).join("; ")}.`, detail };
  }
}
