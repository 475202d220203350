import type { OperationType } from "../operations/types";
import type { GateConfig, GateRule } from "./gate-config";
import type { ServiceSignals } from "./ports";
import { SAFETY_GATES, type GateDecision, type GateEvaluation, type GateResult, type SafetyGate } from "./types";

export interface GateInput {
  operationType: OperationType;
  /** The target service's signals, or null when the signal source could not answer. */
  signals: ServiceSignals | null;
  /** Why `signals` is null (the source's error message), for the gates' reasons. */
  signalError?: string;
  /** The operation's blast radius as a percentage of all services (from the conflict check). */
  blastRadiusPct: number;
  /** When the last change to the target service finished; null when there was none. */
  lastChangeFinishedAt: Date | null;
  now: Date;
}

/**
 * One gate's comparison. `fails` is the seed's failure condition; the passing
 * sentence states the complementary comparison so a reader sees both figures
 * and which side of the line they fall on.
 */
interface GateCheck {
  /** How a sentence names the gate ("Error budget"). */
  name: string;
  unit: string;
  /** Decimals always shown: the seed writes "2.0%" for the error budget, "20%" for the blast radius. */
  minDecimals: number;
  /** Reads the observed value; undefined means the gate needs signals and has none. */
  observe(input: GateInput): number | null | undefined;
  fails(observed: number, threshold: number): boolean;
  failReason(observed: string, threshold: string): string;
  passReason(observed: string, threshold: string): string;
}

const fromSignals = (read: (signals: ServiceSignals) => number) => (input: GateInput) => (input.signals ? read(input.signals) : undefined);

const CHECKS: Record<SafetyGate, GateCheck> = {
  // Seed 000: `if current_error_budget_pct > max_error_budget_pct` fails.
  ERROR_BUDGET: {
    name: "Error budget",
    unit: "%",
    minDecimals: 1,
    observe: fromSignals((s) => s.errorBudgetPct),
    fails: (observed, threshold) => observed > threshold,
    failReason: (o, t) => `Error budget exhausted: ${o}% > ${t}%`,
    passReason: (o, t) => `Error budget within limit: ${o}% <= ${t}%`,
  },
  // Seed 000: `if estimated_blast_radius > max_blast_radius_pct` fails.
  BLAST_RADIUS: {
    name: "Blast radius",
    unit: "%",
    minDecimals: 0,
    observe: (input) => input.blastRadiusPct,
    fails: (observed, threshold) => observed > threshold,
    failReason: (o, t) => `Blast radius too large: ${o}% > ${t}%`,
    passReason: (o, t) => `Blast radius within limit: ${o}% <= ${t}%`,
  },
  // Seed 000 workflow 1 shows "Recent Failures: 1 < 3" as a pass: the threshold is the first count that fails.
  RECENT_FAILURES: {
    name: "Recent failures",
    unit: "failures/h",
    minDecimals: 0,
    observe: fromSignals((s) => s.failuresLastHour),
    fails: (observed, threshold) => observed >= threshold,
    failReason: (o, t) => `Too many recent failures: ${o} >= ${t} in the last hour`,
    passReason: (o, t) => `Recent failures within limit: ${o} < ${t} in the last hour`,
  },
  // Seed 000: `if time_since_last_op < min_cooldown_seconds` fails.
  COOLDOWN: {
    name: "Cooldown",
    unit: "s",
    minDecimals: 0,
    observe: ({ lastChangeFinishedAt, now }) =>
      // A change stamped after `now` (clocks of two replicas disagree) counts as just finished.
      lastChangeFinishedAt === null ? null : Math.max(0, now.getTime() - lastChangeFinishedAt.getTime()) / 1000,
    fails: (observed, threshold) => observed < threshold,
    failReason: (o, t) => `Cooldown not satisfied: ${o}s < ${t}s since the last change`,
    passReason: (o, t) => `Cooldown satisfied: ${o}s >= ${t}s since the last change`,
  },
  // Seed 000 workflow 1 shows "Resource Capacity: 35% > 20%" as a pass: the threshold is the least headroom allowed.
  RESOURCE_CAPACITY: {
    name: "Resource capacity",
    unit: "%",
    minDecimals: 0,
    observe: fromSignals((s) => s.capacityHeadroomPct),
    fails: (observed, threshold) => observed < threshold,
    failReason: (o, t) => `Resource capacity too low: ${o}% < ${t}% headroom`,
    passReason: (o, t) => `Resource capacity sufficient: ${o}% >= ${t}% headroom`,
  },
  // Seed 000 workflow 1 shows "Incident Rate: 2/hr < 5/hr" as a pass; like RECENT_FAILURES, reaching the threshold fails.
  INCIDENT_RATE: {
    name: "Incident rate",
    unit: "incidents/h",
    minDecimals: 0,
    observe: fromSignals((s) => s.incidentsLastHour),
    fails: (observed, threshold) => observed >= threshold,
    failReason: (o, t) => `Incident rate too high: ${o}/h >= ${t}/h`,
    passReason: (o, t) => `Incident rate within limit: ${o}/h < ${t}/h`,
  },
};

/**
 * Runs the six gates of seed 000 §4 for one operation and decides what
 * follows: BLOCK if any failing gate blocks, else PAUSE_FOR_REVIEW if any
 * failing gate pauses, else PASS. A gate that needs signals the source could
 * not provide fails closed: an unknown error rate is no evidence that it is
 * low. Pure: same inputs, same answer; `now` is an input.
 */
export function evaluateGates(input: GateInput, config: GateConfig): GateEvaluation {
  const results = SAFETY_GATES.map((gate) => evaluateGate(gate, config.gates[gate], input));
  const failed = results.filter((r) => !r.passed).map((r) => r.gate);
  const pauseFor = failed.filter((gate) => config.gates[gate].onFailure === "PAUSE_FOR_REVIEW");
  const blockBy = failed.filter((gate) => config.gates[gate].onFailure === "BLOCK");
  const decision: GateDecision = blockBy.length > 0 ? "BLOCK" : pauseFor.length > 0 ? "PAUSE_FOR_REVIEW" : "PASS";
  return { results, decision, failed, pauseFor, blockBy };
}

function evaluateGate(gate: SafetyGate, rule: GateRule, input: GateInput): GateResult {
  const check = CHECKS[gate];
  const base = { gate, threshold: rule.threshold, unit: check.unit };
  if (!rule.enabled) {
    return { ...base, passed: true, skipped: true, observed: null, reason: `${check.name} gate skipped: disabled in the configuration` };
  }
  if (!rule.appliesTo.includes(input.operationType)) {
    return { ...base, passed: true, skipped: true, observed: null, reason: `${check.name} gate skipped: it does not apply to ${input.operationType} operations` };
  }

  const observed = check.observe(input);
  if (observed === undefined) {
    const why = input.signalError ? `signals unavailable (${input.signalError})` : "signals unavailable";
    return { ...base, passed: false, skipped: false, observed: null, reason: `${check.name} unknown: ${why}; failing closed` };
  }
  if (observed === null) {
    // Only COOLDOWN observes nothing: with no previous change there is nothing to cool down from.
    return { ...base, passed: true, skipped: false, observed: null, reason: `${check.name} satisfied: no previous change to this service` };
  }
  if (!Number.isFinite(observed)) {
    // NaN compares false with everything, so it would pass every "fails when >" check.
    return { ...base, passed: false, skipped: false, observed: null, reason: `${check.name} unknown: the observed value is ${observed}; failing closed` };
  }

  const passed = !check.fails(observed, rule.threshold);
  const [o, t] = formatPair(observed, rule.threshold, check.minDecimals);
  return { ...base, passed, skipped: false, observed, reason: passed ? check.passReason(o, t) : check.failReason(o, t) };
}

/**
 * Both figures with as few decimals as show them faithfully: at least
 * `minDecimals`, up to 3, and more if rounding would make two different
 * values read the same ("2.0% > 2.0%" would contradict itself).
 */
function formatPair(observed: number, threshold: number, minDecimals: number): [string, string] {
  for (let max = Math.max(3, minDecimals); ; max++) {
    const pair: [string, string] = [formatNumber(observed, minDecimals, max), formatNumber(threshold, minDecimals, max)];
    if (pair[0] !== pair[1] || observed === threshold || max >= 12) return pair;
  }
}

function formatNumber(value: number, minDecimals: number, maxDecimals: number): string {
  const fixed = value.toFixed(maxDecimals);
  if (!fixed.includes(".")) return fixed;
  let [whole, fraction] = fixed.split(".") as [string, string];
  while (fraction.length > minDecimals && fraction.endsWith("0")) fraction = fraction.slice(0, -1);
  return fraction.length > 0 ? `${whole}.${fraction}` : whole;
}
