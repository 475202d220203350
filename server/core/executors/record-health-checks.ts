// Holding a service to the health thresholds inside an executor: each check
// becomes one recorded step, so the operation's timeline shows every figure
// and which side of its threshold it fell. Used by the verification executor
// and by the rollback executor after its restore.
import { isAppError } from "../errors";
import type { ServiceSignals, SignalSource } from "../gates/ports";
import type { ExecutionContext } from "./ports";
import { checkServiceHealth, type HealthCheckResult, type HealthThresholds } from "./service-health-checks";

/**
 * Reads the service's signals. When they cannot be read (UNAVAILABLE), records
 * a FAILED step named `stepName` and returns the error; any other error is thrown.
 */
export async function readSignalsOrRecord(
  context: Pick<ExecutionContext, "recordStep" | "clock">,
  source: SignalSource,
  service: string,
  step: { name: string; startedAt: string },
): Promise<{ ok: true; signals: ServiceSignals } | { ok: false; error: string }> {
  try {
    return { ok: true, signals: await source.serviceSignals(service) };
  } catch (error) {
    if (!isAppError(error) || error.code !== "UNAVAILABLE") throw error;
    await context.recordStep({ name: step.name, startedAt: step.startedAt, endedAt: context.clock.now().toISOString(), outcome: "FAILED", detail: { error: error.message } });
    return { ok: false, error: error.message };
  }
}

/**
 * Checks `signals` against `thresholds` and records one step per check, named
 * `<prefix> <check>` ("check error rate", "verify p99 latency"), started at
 * `startedAt`. Returns the results, failed or not.
 */
export async function recordHealthChecks(
  context: Pick<ExecutionContext, "recordStep" | "clock">,
  signals: ServiceSignals,
  thresholds: HealthThresholds,
  step: { prefix: string; startedAt: string },
): Promise<HealthCheckResult[]> {
  const results = checkServiceHealth(signals, thresholds);
  for (const result of results) {
    await context.recordStep({
      name: `${step.prefix} ${result.check}`,
      startedAt: step.startedAt,
      endedAt: context.clock.now().toISOString(),
      outcome: result.passed ? "PASSED" : "FAILED",
      detail: { observed: result.observed, threshold: result.threshold, unit: result.unit, explanation: result.explanation, signalsAt: signals.at },
    });
  }
  return results;
}

/** The checks as an outcome's detail lists them. */
export const healthCheckSummaries = (results: readonly HealthCheckResult[]) =>
  results.map((r) => ({ check: r.check, observed: r.observed, threshold: r.threshold, unit: r.unit, passed: r.passed }));
