// Fix planning (docs/demo.md#what-is-real-and-what-is-simulated): how a fix is
// rolled out follows from how risky it is. The formula is the original
// specification's ("Why Risk Scoring?"), exactly:
//
//   risk = criticality × 0.4 + changeSize × 0.3 + errorSeverity × 0.2 + timing × 0.1
//   risk > 0.7 → MANUAL_REVIEW, risk > 0.4 → CANARY_DEPLOY, else DIRECT_DEPLOY
//
// The original specification gives only the direction of each factor ("payment=HIGH,
// analytics=LOW", "1 line=LOW, 100 lines=HIGH", "5xx=HIGH, latency=MEDIUM",
// "peak hours=HIGH, off-hours=LOW"); the figures below are ours, chosen so
// that the reference demo (a 3-line null check on payment-service, CRITICAL
// in the demo topology, at a 15 % error rate) is a canary deploy as the
// walkthrough shows (step 7, "Strategy: CANARY"), at any hour.
import { AppError } from "../../../server/core/errors";
import type { Criticality } from "../../../server/core/topology/types";
import type { Detection, FixPlan, FixStrategy } from "../types";

export const RISK_WEIGHTS = { serviceCriticality: 0.4, changeSize: 0.3, errorSeverity: 0.2, timing: 0.1 } as const;

/**
 * Evenly spaced quarters, CRITICAL at 0.75 rather than 1.0: at 1.0 the
 * criticality alone would take 0.4 of the 0.7 manual-review bar, and the
 * reference demo patch (3 lines added, 1 removed, to a critical service at a
 * critical error rate) would need a person; at 0.8 it would at peak hours
 * (0.71), so whether the demo heals itself would depend on the time of day.
 * At 0.75 it scores 0.61 off-peak and 0.69 at peak: a canary either way, and
 * a fix of more than about 5 lines to a critical service at peak goes to a person.
 */
export const CRITICALITY_FACTORS: Record<Criticality, number> = { CRITICAL: 0.75, HIGH: 0.5, MEDIUM: 0.25, LOW: 0 };

/**
 * For an error-rate incident, by the detector's severity (original specification: "5xx=HIGH").
 * Latency and pool incidents count 0.5 whatever their severity (original specification:
 * "latency=MEDIUM"): the requests still succeed, slowly.
 */
export const ERROR_SEVERITY_FACTORS = { CRITICAL: 1.0, ERROR: 0.7, WARNING: 0.4, slowNotFailing: 0.5 } as const;

/** Specification: "peak hours=HIGH, off-hours=LOW". Peak is 09:00–18:00 UTC, Monday to Friday. */
export const TIMING_FACTORS = { peak: 1.0, offPeak: 0.2 } as const;
const PEAK_START_HOUR_UTC = 9;
const PEAK_END_HOUR_UTC = 18;

export const STRATEGY_THRESHOLDS = { manualReviewAbove: 0.7, canaryAbove: 0.4 } as const;

/** The failure matrix, "Unknown Error Pattern: Confidence <70% → Escalate to Human". */
export const DEFAULT_MIN_PATTERN_CONFIDENCE = 0.7;

export interface PlanFixInput {
  criticality: Criticality;
  /** Lines added plus lines removed by the patch. */
  linesChanged: number;
  detection: Detection;
  now: Date;
  /** How sure the pattern matcher is (Detection.confidence). */
  patternConfidence: number;
  /** Below this a person reviews the fix whatever the score; default 0.7. */
  minConfidence?: number;
}

export function planFix(input: PlanFixInput): FixPlan {
  assertValidInput(input);
  const minConfidence = input.minConfidence ?? DEFAULT_MIN_PATTERN_CONFIDENCE;
  const peak = isPeakHour(input.now);
  const factors = {
    serviceCriticality: CRITICALITY_FACTORS[input.criticality],
    changeSize: changeSizeFactor(input.linesChanged),
    errorSeverity: errorSeverityFactor(input.detection),
    timing: peak ? TIMING_FACTORS.peak : TIMING_FACTORS.offPeak,
  };
  // Rounded once, and compared rounded: the score shown is the score decided
  // on, and 0.24 + 0.3 + 0.14 + 0.02 is 0.7 here, not 0.7000000000000001.
  const riskScore = round3(
    factors.serviceCriticality * RISK_WEIGHTS.serviceCriticality +
      factors.changeSize * RISK_WEIGHTS.changeSize +
      factors.errorSeverity * RISK_WEIGHTS.errorSeverity +
      factors.timing * RISK_WEIGHTS.timing,
  );
  const byScore: FixStrategy = riskScore > STRATEGY_THRESHOLDS.manualReviewAbove ? "MANUAL_REVIEW" : riskScore > STRATEGY_THRESHOLDS.canaryAbove ? "CANARY_DEPLOY" : "DIRECT_DEPLOY";
  const lowConfidence = input.patternConfidence < minConfidence;

  const d = input.detection;
  const reasons = [
    `Service criticality ${input.criticality} counts ${factors.serviceCriticality} (× ${RISK_WEIGHTS.serviceCriticality} = ${round3(factors.serviceCriticality * RISK_WEIGHTS.serviceCriticality)}).`,
    `Change size of ${input.linesChanged} line${input.linesChanged === 1 ? "" : "s"} counts ${factors.changeSize} (× ${RISK_WEIGHTS.changeSize} = ${round3(factors.changeSize * RISK_WEIGHTS.changeSize)}).`,
    `Error severity (${d.metric} at ${d.value}${d.unit}, ${d.severity}) counts ${factors.errorSeverity} (× ${RISK_WEIGHTS.errorSeverity} = ${round3(factors.errorSeverity * RISK_WEIGHTS.errorSeverity)}).`,
    `Timing: ${describeTime(input.now)} is ${peak ? "peak" : "off-peak"}, counts ${factors.timing} (× ${RISK_WEIGHTS.timing} = ${round3(factors.timing * RISK_WEIGHTS.timing)}).`,
    `Risk score ${riskScore} ${describeBand(riskScore)}: ${STRATEGY_LABELS[byScore]}.`,
  ];
  if (lowConfidence) {
    reasons.push(
      `Pattern confidence ${percent(input.patternConfidence)} is below the ${percent(minConfidence)} floor: a person reviews the fix whatever the risk score (failure matrix row 19: unknown error pattern, escalate to human).`,
    );
  }
  return { riskScore, factors, strategy: lowConfidence ? "MANUAL_REVIEW" : byScore, reasons };
}

/**
 * Specification: "1 line=LOW, 100 lines=HIGH". Logarithmic, because the tenth line of a
 * patch adds more risk than the ninetieth: log10(lines) / 2, clamped to 0..1,
 * so 1 line is 0, 10 lines 0.5 and 100 lines or more 1. Rounded to 3 decimals.
 */
export function changeSizeFactor(linesChanged: number): number {
  return round3(Math.min(1, Math.max(0, Math.log10(Math.max(1, linesChanged)) / 2)));
}

function errorSeverityFactor(detection: Detection): number {
  if (detection.metric !== "error_rate") return ERROR_SEVERITY_FACTORS.slowNotFailing;
  return ERROR_SEVERITY_FACTORS[detection.severity];
}

function isPeakHour(now: Date): boolean {
  const day = now.getUTCDay(); // 0 Sunday … 6 Saturday
  const hour = now.getUTCHours();
  return day >= 1 && day <= 5 && hour >= PEAK_START_HOUR_UTC && hour < PEAK_END_HOUR_UTC;
}

const STRATEGY_LABELS: Record<FixStrategy, string> = {
  DIRECT_DEPLOY: "deploy directly",
  CANARY_DEPLOY: "canary deploy (10% → 50% → 100%)",
  MANUAL_REVIEW: "a person reviews the fix before it is deployed",
};

function describeBand(score: number): string {
  if (score > STRATEGY_THRESHOLDS.manualReviewAbove) return `is above ${STRATEGY_THRESHOLDS.manualReviewAbove}`;
  if (score > STRATEGY_THRESHOLDS.canaryAbove) return `is above ${STRATEGY_THRESHOLDS.canaryAbove} and at most ${STRATEGY_THRESHOLDS.manualReviewAbove}`;
  return `is at most ${STRATEGY_THRESHOLDS.canaryAbove}`;
}

function describeTime(now: Date): string {
  const days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  return `${days[now.getUTCDay()]} ${now.toISOString().slice(11, 16)} UTC`;
}

function assertValidInput(input: PlanFixInput): void {
  const problems: string[] = [];
  if (!(input.criticality in CRITICALITY_FACTORS)) problems.push(`unknown criticality ${String(input.criticality)}`);
  if (!Number.isFinite(input.linesChanged) || input.linesChanged < 0) problems.push("linesChanged must be a number of at least 0");
  if (!(input.patternConfidence >= 0 && input.patternConfidence <= 1)) problems.push("patternConfidence must be within 0..1");
  if (input.minConfidence !== undefined && !(input.minConfidence >= 0 && input.minConfidence <= 1)) problems.push("minConfidence must be within 0..1");
  if (Number.isNaN(input.now.getTime())) problems.push("now is not a valid date");
  if (problems.length > 0) throw new AppError("VALIDATION_FAILED", `Cannot plan the fix: ${problems.join("; ")}`, { problems });
}

function percent(value: number): string {
  return `${Math.round(value * 100)}%`;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
