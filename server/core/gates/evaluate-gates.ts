import type { OperationType } from "../operations/types";
import type { GateConfig, GateRule } from "./gate-config";
import type { ServiceHistory, ServiceSignals } from "./ports";
import { SAFETY_GATES, type GateDecision, type GateEvaluation, type GateResult, type GateSource, type SafetyGate } from "./types";

/**
 * RECENT_FAILURES also fails when more than this many of the service's latest
 * changes failed in a row, however few failures the hour holds (docs/gates.md).
 */
export const MAX_CONSECUTIVE_FAILURES = 2;

export interface GateInput {
  operationType: OperationType;
  /** The target service's signals, or null when the signal source could not answer. */
  signals: ServiceSignals | null;
  /** Why `signals` is null (the source's error message), for the gates' reasons. */
  signalError?: string;
  /**
   * The signal source's kind (SignalSource.kind). Only "prometheus" is a
   * measurement; any other kind is reported as "simulated".
   */
  signalSource: string;
  /** The target service's changes and the estate's incidents, from Interlock's store. */
  history: ServiceHistory;
  /** The operation's blast radius as a percentage of all services (from the conflict check). */
  blastRadiusPct: number;
  now: Date;
}

/**
 * One gate's comparison. `fails` is the gate's failure condition
 * (docs/gates.md); the passing sentence states the complementary comparison
 * so a reader sees both figures and which side of the line they fall on.
 */
interface GateCheck {
  /** How a sentence names the gate ("Error budget"). */
  name: string;
  unit: string;
  /** Decimals always shown: "2.0%" for the error budget, "20%" for the blast radius. */
  minDecimals: number;
  /** Where the figure comes from. */
  source(input: GateInput): GateSource;
  /** Reads the observed value; undefined means the gate needs signals and has none. */
  observe(input: GateInput): number | null | undefined;
  fails(observed: number, threshold: number): boolean;
  failReason(observed: string, threshold: string): string;
  passReason(observed: string, threshold: string, input: GateInput): string;
  /** A second way to fail besides the threshold (RECENT_FAILURES' run of failures): the reason, or null. */
  alsoFails?(input: GateInput, observed: string, threshold: string): string | null;
}

const signalSourceOf = (input: GateInput): GateSource => (input.signalSource === "prometheus" ? "prometheus" : "simulated");
const fromSignals = (read: (signals: ServiceSignals) => number) => (input: GateInput) => (input.signals ? read(input.signals) : undefined);
const fromStore = () => "store" as const;

const CHECKS: Record<SafetyGate, GateCheck> = {
  // Fails when the error budget spent exceeds the maximum (docs/gates.md).
  ERROR_BUDGET: {
    name: "Error budget",
    unit: "%",
    minDecimals: 1,
    source: signalSourceOf,
    observe: fromSignals((s) => s.errorBudgetPct),
    fails: (observed, threshold) => observed > threshold,
    failReason: (o, t) => `Error budget exhausted: ${o}% > ${t}%`,
    passReason: (o, t) => `Error budget within limit: ${o}% <= ${t}%`,
  },
  // Fails when the operation reaches more of the estate than the maximum.
  BLAST_RADIUS: {
    name: "Blast radius",
    unit: "%",
    minDecimals: 0,
    source: () => "graph",
    observe: (input) => input.blastRadiusPct,
    fails: (observed, threshold) => observed > threshold,
    failReason: (o, t) => `Blast radius too large: ${o}% > ${t}%`,
    passReason: (o, t) => `Blast radius within limit: ${o}% <= ${t}%`,
  },
  // "1 < 3" passes: the threshold is the first hourly count that fails. More than
  // MAX_CONSECUTIVE_FAILURES failures in a row fail it too (docs/gates.md).
  RECENT_FAILURES: {
    name: "Recent failures",
    unit: "failures/h",
    minDecimals: 0,
    source: fromStore,
    observe: (input) => input.history.failures,
    fails: (observed, threshold) => observed >= threshold,
    failReason: (o, t) => `Too many recent failures: ${o} >= ${t} in the last hour`,
    passReason: (o, t, input) =>
      `Recent failures within limit: ${o} < ${t} in the last hour, ${input.history.consecutiveFailures} in a row (at most ${MAX_CONSECUTIVE_FAILURES})`,
    alsoFails: (input, o, t) => {
      const streak = input.history.consecutiveFailures;
      if (!(streak > MAX_CONSECUTIVE_FAILURES)) return null;
      return `Too many consecutive failures: the last ${streak} changes to this service failed, more than ${MAX_CONSECUTIVE_FAILURES} in a row (${o} < ${t} in the last hour)`;
    },
  },
  // Fails while less than the minimum has passed since the service's last change.
  COOLDOWN: {
    name: "Cooldown",
    unit: "s",
    minDecimals: 0,
    source: fromStore,
    observe: ({ history, now }) =>
      // A change stamped after `now` (clocks of two replicas disagree) counts as just finished.
      history.lastChangeFinishedAt === null ? null : Math.max(0, now.getTime() - history.lastChangeFinishedAt.getTime()) / 1000,
    fails: (observed, threshold) => observed < threshold,
    failReason: (o, t) => `Cooldown not satisfied: ${o}s < ${t}s since the last change`,
    passReason: (o, t) => `Cooldown satisfied: ${o}s >= ${t}s since the last change`,
  },
  // "35% > 20%" passes: the threshold is the least headroom allowed.
  RESOURCE_CAPACITY: {
    name: "Resource capacity",
    unit: "%",
    minDecimals: 0,
    source: signalSourceOf,
    observe: fromSignals((s) => s.capacityHeadroomPct),
    fails: (observed, threshold) => observed < threshold,
    failReason: (o, t) => `Resource capacity too low: ${o}% < ${t}% headroom`,
    passReason: (o, t) => `Resource capacity sufficient: ${o}% >= ${t}% headroom`,
  },
  // "2/hr < 5/hr" passes; like RECENT_FAILURES, reaching the threshold fails.
  INCIDENT_RATE: {
    name: "Incident rate",
    unit: "incidents/h",
    minDecimals: 0,
    source: fromStore,
    observe: (input) => input.history.incidents,
    fails: (observed, threshold) => observed >= threshold,
    failReason: (o, t) => `Incident rate too high: ${o}/h >= ${t}/h`,
    passReason: (o, t) => `Incident rate within limit: ${o}/h < ${t}/h`,
  },
};

/**
 * Runs the six safety gates (docs/gates.md) for one operation and decides
 * what follows: BLOCK if any failing gate blocks, else PAUSE_FOR_REVIEW if any
 * failing gate pauses, else PASS. A gate that needs signals the source could
 * not provide fails closed: an unknown error rate is no evidence that it is
 * low. Every result says where its figure came from, and a simulated figure's
 * reason says so. Pure: same inputs, same answer; `now` is an input.
 */
export function evaluateGates(input: GateInput, config: GateConfig): GateEvaluation {
  const results = SAFETY_GATES.map((gate) => evaluateGate(gate, config.gates[gate], input));
  const failed = SAFETY_GATES.filter((_, i) => !results[i]!.passed);
  const pauseFor = failed.filter((gate) => config.gates[gate].onFailure === "PAUSE_FOR_REVIEW");
  const blockBy = failed.filter((gate) => config.gates[gate].onFailure === "BLOCK");
  const decision: GateDecision = blockBy.length > 0 ? "BLOCK" : pauseFor.length > 0 ? "PAUSE_FOR_REVIEW" : "PASS";
  return { results, decision, failed, pauseFor, blockBy };
}

function evaluateGate(gate: SafetyGate, rule: GateRule, input: GateInput): GateResult {
  const check = CHECKS[gate];
  const base = { gate, threshold: rule.threshold, unit: check.unit };
  if (!rule.enabled) {
    return { ...base, source: "config", passed: true, skipped: true, observed: null, reason: `${check.name} gate skipped: disabled in the configuration` };
  }
  if (!rule.appliesTo.includes(input.operationType)) {
    return { ...base, source: "config", passed: true, skipped: true, observed: null, reason: `${check.name} gate skipped: it does not apply to ${input.operationType} operations` };
  }

  const source = check.source(input);
  // A simulated figure never reads as a measurement.
  const marked = (sentence: string) => (source === "simulated" ? `${sentence} (simulated)` : sentence);
  const observed = check.observe(input);
  if (observed === undefined) {
    const why = input.signalError ? `signals unavailable (${input.signalError})` : "signals unavailable";
    return { ...base, source, passed: false, skipped: false, observed: null, reason: `${check.name} unknown: ${why}; failing closed` };
  }
  if (observed === null) {
    // Only COOLDOWN observes nothing: with no previous change there is nothing to cool down from.
    return { ...base, source, passed: true, skipped: false, observed: null, reason: `${check.name} satisfied: no previous change to this service` };
  }
  if (!Number.isFinite(observed)) {
    // NaN compares false with everything, so it would pass every "fails when >" check.
    return { ...base, source, passed: false, skipped: false, observed: null, reason: marked(`${check.name} unknown: the observed value is ${observed}; failing closed`) };
  }

  const [o, t] = formatPair(observed, rule.threshold, check.minDecimals);
  if (check.fails(observed, rule.threshold)) return { ...base, source, passed: false, skipped: false, observed, reason: marked(check.failReason(o, t)) };
  const also = check.alsoFails?.(input, o, t) ?? null;
  if (also !== null) return { ...base, source, passed: false, skipped: false, observed, reason: marked(also) };
  return { ...base, source, passed: true, skipped: false, observed, reason: marked(check.passReason(o, t, input)) };
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
