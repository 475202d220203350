// Verification (docs/specification.md#executors-and-the-canary):
// is the service healthy now? A pure function of one signal reading, used by
// the verification executor and by the rollback executor after its restore.
import type { ServiceSignals } from "../gates/ports";

export interface HealthThresholds {
  /** At most 2 % (docs/specification.md#executors-and-the-canary). */
  maxErrorRatePct: number;
  /**
   * At most 500 ms (docs/specification.md#executors-and-the-canary; the
   * original held p95 to a "< 500ms SLO"). The signal sources report p99, the
   * stricter figure, and it is held to the same SLO (and to the canary's
   * ceiling) so a version that passed its canary is judged by the same number
   * afterwards.
   */
  maxLatencyP99Ms: number;
  /** At least 20 %, the RESOURCE_CAPACITY gate's headroom (docs/gates.md#the-gates). */
  minCapacityHeadroomPct: number;
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  maxErrorRatePct: 2,
  maxLatencyP99Ms: 500,
  minCapacityHeadroomPct: 20,
};

export interface HealthCheckResult {
  /** "error rate", "p99 latency", "capacity headroom". */
  check: string;
  observed: number;
  threshold: number;
  unit: "%" | "ms";
  passed: boolean;
  /** The sentence an operator reads: the figure, the threshold and which side of it the figure is on. */
  explanation: string;
}

const round = (value: number) => Math.round(value * 100) / 100;

function figure(value: number, unit: "%" | "ms"): string {
  return unit === "%" ? `${round(value)}%` : `${Math.round(value)} ms`;
}

function ceilingCheck(check: string, observed: number, threshold: number, unit: "%" | "ms"): HealthCheckResult {
  // NaN fails: a reading that is not a number proves nothing about health.
  const passed = Number.isFinite(observed) && observed <= threshold;
  const explanation = passed
    ? `${check} ${figure(observed, unit)} is within the ${figure(threshold, unit)} threshold`
    : `${check} ${figure(observed, unit)} is above the ${figure(threshold, unit)} threshold`;
  return { check, observed, threshold, unit, passed, explanation };
}

function floorCheck(check: string, observed: number, threshold: number, unit: "%" | "ms"): HealthCheckResult {
  const passed = Number.isFinite(observed) && observed >= threshold;
  const explanation = passed
    ? `${check} ${figure(observed, unit)} is at or above the required ${figure(threshold, unit)}`
    : `${check} ${figure(observed, unit)} is below the required ${figure(threshold, unit)}`;
  return { check, observed, threshold, unit, passed, explanation };
}

export function checkServiceHealth(signals: ServiceSignals, thresholds: HealthThresholds): HealthCheckResult[] {
  return [
    ceilingCheck("error rate", signals.errorRatePct, thresholds.maxErrorRatePct, "%"),
    ceilingCheck("p99 latency", signals.latencyP99Ms, thresholds.maxLatencyP99Ms, "ms"),
    floorCheck("capacity headroom", signals.capacityHeadroomPct, thresholds.minCapacityHeadroomPct, "%"),
  ];
}
