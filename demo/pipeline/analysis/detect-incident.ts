// Incident detection (docs/demo.md#what-is-real-and-what-is-simulated): an
// anomaly on a service's metric window ("Metric: error_rate, Value: 15%
// (threshold: 2%), Time window: Last 5 minutes"), named by the pattern its
// error logs match. Threshold detection:
// the anomalies are scripted, the check on them is real.
import { AppError } from "../../../server/core/errors";
import { DEFAULT_DETECTION_THRESHOLDS, type Detection, type DetectionThresholds, type MetricSample, type Telemetry } from "../types";
import { matchErrorPattern } from "./match-error-pattern";

/** The reference demo incident is a 15 % error rate called CRITICAL-worthy: from here an error rate is critical. */
const CRITICAL_ERROR_RATE_PCT = 10;
/** p99 at this multiple of the latency SLO is critical. */
const CRITICAL_LATENCY_FACTOR = 4;
/** A figure at this multiple of its threshold is a clear breach (ERROR), below it a WARNING. */
const CLEAR_BREACH_FACTOR = 2;
/** A pool cannot reach twice its threshold; full is its clear breach (callers are queueing). */
const SATURATED_POOL_PCT = 100;

interface MetricCheck {
  metric: Detection["metric"];
  unit: Detection["unit"];
  read: (sample: MetricSample) => number;
  threshold: (t: DetectionThresholds) => number;
}

// In this order: errors are what users see, latency next, a full pool is the
// cause of either rather than a symptom, so it names the incident only when
// neither shows yet.
const CHECKS: readonly MetricCheck[] = [
  { metric: "error_rate", unit: "%", read: (s) => s.errorRatePct, threshold: (t) => t.maxErrorRatePct },
  { metric: "latency_p99", unit: "ms", read: (s) => s.latencyP99Ms, threshold: (t) => t.maxLatencyP99Ms },
  { metric: "pool_utilization", unit: "%", read: (s) => s.poolUtilizationPct, threshold: (t) => t.maxPoolUtilizationPct },
];

/**
 * The anomaly on `telemetry`'s window as of `now`, or null when the window is
 * healthy. A metric is anomalous when at least `minBreachingSamples` samples
 * are strictly above its threshold (fewer is a blip); samples dated after
 * `now` are not looked at.
 */
export function detectIncident(input: { telemetry: Telemetry; thresholds?: DetectionThresholds; now: Date }): Detection | null {
  const thresholds = input.thresholds ?? DEFAULT_DETECTION_THRESHOLDS;
  assertValidThresholds(thresholds);
  const nowMs = input.now.getTime();
  const window = input.telemetry.window.filter((sample) => Date.parse(sample.at) <= nowMs);

  for (const check of CHECKS) {
    const threshold = check.threshold(thresholds);
    const breaching = window.filter((sample) => check.read(sample) > threshold);
    if (breaching.length < thresholds.minBreachingSamples) continue;

    const value = round1(mean(breaching.map(check.read)));
    const match = matchErrorPattern(input.telemetry.logs);
    return {
      service: input.telemetry.service,
      metric: check.metric,
      value,
      threshold,
      unit: check.unit,
      // One sample per minute (MetricSample: "Time window: Last 5 minutes").
      windowMinutes: window.length,
      breachingSamples: breaching.length,
      pattern: match.pattern,
      confidence: match.confidence,
      matchedBy: match.matchedBy,
      severity: severityOf(check, value, threshold, breaching, thresholds),
      frame: match.frame,
    };
  }
  return null;
}

// Severity looks at the breaching minutes as a whole, not only the metric that
// named the incident: a saturated pool that also fails one request in ten is
// as critical as an error-rate incident at the same figure.
function severityOf(check: MetricCheck, value: number, threshold: number, breaching: MetricSample[], thresholds: DetectionThresholds): Detection["severity"] {
  const errorRate = mean(breaching.map((s) => s.errorRatePct));
  const p99 = mean(breaching.map((s) => s.latencyP99Ms));
  if (errorRate >= CRITICAL_ERROR_RATE_PCT || p99 >= CRITICAL_LATENCY_FACTOR * thresholds.maxLatencyP99Ms) return "CRITICAL";
  const clear = check.metric === "pool_utilization" ? value >= SATURATED_POOL_PCT : value >= CLEAR_BREACH_FACTOR * threshold;
  return clear ? "ERROR" : "WARNING";
}

function assertValidThresholds(t: DetectionThresholds): void {
  const problems: string[] = [];
  if (!(t.maxErrorRatePct >= 0)) problems.push("maxErrorRatePct must not be negative");
  if (!(t.maxLatencyP99Ms > 0)) problems.push("maxLatencyP99Ms must be positive");
  if (!(t.maxPoolUtilizationPct >= 0)) problems.push("maxPoolUtilizationPct must not be negative");
  if (!Number.isInteger(t.minBreachingSamples) || t.minBreachingSamples < 1) problems.push("minBreachingSamples must be an integer of at least 1");
  if (problems.length > 0) throw new AppError("VALIDATION_FAILED", `Invalid detection thresholds: ${problems.join("; ")}`, { problems });
}

function mean(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
