import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { OPERATION_TYPES, type OperationType } from "../operations/types";
import { evaluateGates, MAX_CONSECUTIVE_FAILURES, type GateInput } from "./evaluate-gates";
import { DEFAULT_GATE_CONFIG, parseGateConfig, type GateConfig } from "./gate-config";
import type { ServiceHistory, ServiceSignals } from "./ports";
import { GATE_SOURCES, SAFETY_GATES, type GateResult, type SafetyGate } from "./types";

const NOW = new Date("2026-03-01T12:00:00.000Z");

/** The worked example of docs/gates.md: every gate passes. */
function healthySignals(overrides: Partial<ServiceSignals> = {}): ServiceSignals {
  return {
    service: "payment-service",
    at: NOW.toISOString(),
    errorRatePct: 0.5,
    errorBudgetPct: 0.5,
    capacityHeadroomPct: 35,
    latencyP99Ms: 120,
    ...overrides,
  };
}

function healthyHistory(overrides: Partial<ServiceHistory> = {}): ServiceHistory {
  return { failures: 1, consecutiveFailures: 1, incidents: 2, lastChangeFinishedAt: new Date(NOW.getTime() - 350_000), ...overrides };
}

type InputOverrides = Partial<GateInput> & { signalOverrides?: Partial<ServiceSignals>; historyOverrides?: Partial<ServiceHistory>; lastChangeFinishedAt?: Date | null };

function input(overrides: InputOverrides = {}): GateInput {
  const { signalOverrides, historyOverrides, lastChangeFinishedAt, ...rest } = overrides;
  return {
    operationType: "DEPLOYMENT",
    signals: healthySignals(signalOverrides),
    signalSource: "prometheus",
    history: healthyHistory({ ...historyOverrides, ...(lastChangeFinishedAt !== undefined ? { lastChangeFinishedAt } : {}) }),
    blastRadiusPct: 12,
    now: NOW,
    ...rest,
  };
}

function resultOf(evaluation: { results: GateResult[] }, gate: SafetyGate): GateResult {
  const result = evaluation.results.find((r) => r.gate === gate);
  if (!result) throw new Error(`no result for ${gate}`);
  return result;
}

const gateOf = (gate: SafetyGate, overrides: InputOverrides, config: GateConfig = DEFAULT_GATE_CONFIG) =>
  resultOf(evaluateGates(input(overrides), config), gate);

function validationProblems(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("VALIDATION_FAILED");
    return (error as AppError).details.problems as { path: string; message: string }[];
  }
  throw new Error("expected a validation error");
}

describe("gate configuration", () => {
  it("has the original specification's thresholds and human override (docs/gates.md)", () => {
    const { gates } = DEFAULT_GATE_CONFIG;
    expect(Object.keys(gates).sort()).toEqual([...SAFETY_GATES].sort());
    expect(Object.fromEntries(SAFETY_GATES.map((g) => [g, gates[g].threshold]))).toEqual({
      ERROR_BUDGET: 2.0,
      BLAST_RADIUS: 20,
      RECENT_FAILURES: 3,
      COOLDOWN: 300,
      RESOURCE_CAPACITY: 20,
      INCIDENT_RATE: 5,
    });
    expect(SAFETY_GATES.filter((g) => gates[g].onFailure === "PAUSE_FOR_REVIEW")).toEqual(["ERROR_BUDGET", "BLAST_RADIUS"]);
    expect(SAFETY_GATES.every((g) => gates[g].enabled)).toBe(true);
  });

  it("guards every change, exempts rollbacks from the conditions they remedy, and verifications from everything", () => {
    const { gates } = DEFAULT_GATE_CONFIG;
    for (const gate of SAFETY_GATES) {
      for (const type of ["DEPLOYMENT", "REMEDIATION", "CONFIG_CHANGE", "MAINTENANCE"] as const) expect(gates[gate].appliesTo).toContain(type);
      expect(gates[gate].appliesTo).not.toContain("VERIFICATION");
    }
    expect(SAFETY_GATES.filter((g) => gates[g].appliesTo.includes("ROLLBACK"))).toEqual(["BLAST_RADIUS", "RESOURCE_CAPACITY"]);
  });

  it("completes a partial configuration from the defaults and accepts the original specification's lower-case spelling", () => {
    expect(parseGateConfig({})).toEqual(DEFAULT_GATE_CONFIG);
    expect(parseGateConfig({ gates: {} })).toEqual(DEFAULT_GATE_CONFIG);
    const config = parseGateConfig({ gates: { error_budget: { threshold: 1.5, onFailure: "block" }, cooldown: { enabled: false, appliesTo: ["rollback", "DEPLOYMENT", "ROLLBACK"] } } });
    expect(config.gates.ERROR_BUDGET).toEqual({ ...DEFAULT_GATE_CONFIG.gates.ERROR_BUDGET, threshold: 1.5, onFailure: "BLOCK" });
    // Canonical order, no repeats.
    expect(config.gates.COOLDOWN).toEqual({ enabled: false, threshold: 300, onFailure: "BLOCK", appliesTo: ["DEPLOYMENT", "ROLLBACK"] });
    expect(config.gates.BLAST_RADIUS).toEqual(DEFAULT_GATE_CONFIG.gates.BLAST_RADIUS);
  });

  it("never hands out the defaults' own objects", () => {
    const config = parseGateConfig({});
    config.gates.ERROR_BUDGET.appliesTo.push("VERIFICATION");
    config.gates.COOLDOWN.threshold = 1;
    expect(DEFAULT_GATE_CONFIG.gates.ERROR_BUDGET.appliesTo).not.toContain("VERIFICATION");
    expect(DEFAULT_GATE_CONFIG.gates.COOLDOWN.threshold).toBe(300);
  });

  it("refuses bad values and unknown keys, naming every field", () => {
    const problems = validationProblems(() =>
      parseGateConfig({
        gates: {
          ERROR_BUDGET: { threshold: 101 },
          BLAST_RADIUS: { threshold: -1, onFailure: "explode" },
          RECENT_FAILURES: { threshold: 0 },
          COOLDOWN: { threshold: 1.5, enabled: "yes" },
          INCIDENT_RATE: { appliesTo: ["DEPLOYMENT", "REBOOT"] },
          RESOURCE_CAPACITY: { treshold: 10 },
          ERORR_BUDGET: {},
        },
        extra: true,
      }),
    );
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    expect(Object.keys(byPath).sort()).toEqual(
      [
        "",
        "gates",
        "gates.ERROR_BUDGET.threshold",
        "gates.BLAST_RADIUS.threshold",
        "gates.BLAST_RADIUS.onFailure",
        "gates.RECENT_FAILURES.threshold",
        "gates.COOLDOWN.threshold",
        "gates.COOLDOWN.enabled",
        "gates.INCIDENT_RATE.appliesTo.1",
        "gates.RESOURCE_CAPACITY",
      ].sort(),
    );
    expect(byPath["gates.ERROR_BUDGET.threshold"]).toBe("must be at most 100");
    expect(byPath["gates.BLAST_RADIUS.onFailure"]).toBe("must be one of PAUSE_FOR_REVIEW, BLOCK");
    expect(byPath["gates.RECENT_FAILURES.threshold"]).toContain("at least 1");
    expect(byPath["gates.COOLDOWN.threshold"]).toBe("must be a whole number");
    expect(byPath["gates.INCIDENT_RATE.appliesTo.1"]).toContain("DEPLOYMENT, ROLLBACK");

    // The message itself names the fields, for logs and the console.
    try {
      parseGateConfig({ gates: { ERROR_BUDGET: { threshold: "2%" } } });
      throw new Error("expected a validation error");
    } catch (error) {
      expect((error as AppError).message).toBe("Invalid safety gate configuration: gates.ERROR_BUDGET.threshold must be a number");
    }
    expect(validationProblems(() => parseGateConfig("strict"))).toHaveLength(1);
    expect(validationProblems(() => parseGateConfig(null))).toHaveLength(1);
  });
});

describe("evaluateGates", () => {
  it("passes the worked example: every figure inside its limit, each with its source", () => {
    const evaluation = evaluateGates(input(), DEFAULT_GATE_CONFIG);
    expect(evaluation.decision).toBe("PASS");
    expect(evaluation.failed).toEqual([]);
    expect(evaluation.results.map((r) => r.gate)).toEqual([...SAFETY_GATES]);
    expect(evaluation.results.map((r) => [r.gate, r.passed, r.skipped, r.observed, r.threshold, r.unit])).toEqual([
      ["ERROR_BUDGET", true, false, 0.5, 2, "%"],
      ["BLAST_RADIUS", true, false, 12, 20, "%"],
      ["RECENT_FAILURES", true, false, 1, 3, "failures/h"],
      ["COOLDOWN", true, false, 350, 300, "s"],
      ["RESOURCE_CAPACITY", true, false, 35, 20, "%"],
      ["INCIDENT_RATE", true, false, 2, 5, "incidents/h"],
    ]);
    expect(evaluation.results.map((r) => [r.gate, r.source])).toEqual([
      ["ERROR_BUDGET", "prometheus"],
      ["BLAST_RADIUS", "graph"],
      ["RECENT_FAILURES", "store"],
      ["COOLDOWN", "store"],
      ["RESOURCE_CAPACITY", "prometheus"],
      ["INCIDENT_RATE", "store"],
    ]);
    expect(evaluation.results.map((r) => r.reason)).toEqual([
      "Error budget within limit: 0.5% <= 2.0%",
      "Blast radius within limit: 12% <= 20%",
      "Recent failures within limit: 1 < 3 in the last hour, 1 in a row (at most 2)",
      "Cooldown satisfied: 350s >= 300s since the last change",
      "Resource capacity sufficient: 35% >= 20% headroom",
      "Incident rate within limit: 2/h < 5/h",
    ]);
  });

  it("pauses for review on an exhausted error budget: 2.5% > 2.0%", () => {
    const evaluation = evaluateGates(input({ blastRadiusPct: 15, signalOverrides: { errorBudgetPct: 2.5 } }), DEFAULT_GATE_CONFIG);
    expect(evaluation.decision).toBe("PAUSE_FOR_REVIEW");
    expect(evaluation.failed).toEqual(["ERROR_BUDGET"]);
    expect(evaluation.pauseFor).toEqual(["ERROR_BUDGET"]);
    expect(evaluation.blockBy).toEqual([]);
    expect(resultOf(evaluation, "ERROR_BUDGET")).toEqual({
      gate: "ERROR_BUDGET",
      source: "prometheus",
      passed: false,
      skipped: false,
      observed: 2.5,
      threshold: 2,
      unit: "%",
      reason: "Error budget exhausted: 2.5% > 2.0%",
    });
    expect(resultOf(evaluation, "BLAST_RADIUS").passed).toBe(true);
  });

  describe("each gate at and around its threshold", () => {
    it("ERROR_BUDGET fails only above the maximum", () => {
      expect(gateOf("ERROR_BUDGET", { signalOverrides: { errorBudgetPct: 1.99 } }).passed).toBe(true);
      expect(gateOf("ERROR_BUDGET", { signalOverrides: { errorBudgetPct: 2.0 } })).toMatchObject({ passed: true, reason: "Error budget within limit: 2.0% <= 2.0%" });
      expect(gateOf("ERROR_BUDGET", { signalOverrides: { errorBudgetPct: 2.01 } })).toMatchObject({ passed: false, reason: "Error budget exhausted: 2.01% > 2.0%" });
    });

    it("BLAST_RADIUS fails only above the maximum", () => {
      expect(gateOf("BLAST_RADIUS", { blastRadiusPct: 19.9 }).passed).toBe(true);
      expect(gateOf("BLAST_RADIUS", { blastRadiusPct: 20 })).toMatchObject({ passed: true, observed: 20, reason: "Blast radius within limit: 20% <= 20%" });
      expect(gateOf("BLAST_RADIUS", { blastRadiusPct: 20.5 })).toMatchObject({ passed: false, reason: "Blast radius too large: 20.5% > 20%" });
    });

    it("RECENT_FAILURES fails once the hour's count reaches the threshold", () => {
      expect(gateOf("RECENT_FAILURES", { historyOverrides: { failures: 2, consecutiveFailures: 0 } })).toMatchObject({ passed: true, source: "store", reason: "Recent failures within limit: 2 < 3 in the last hour, 0 in a row (at most 2)" });
      expect(gateOf("RECENT_FAILURES", { historyOverrides: { failures: 3, consecutiveFailures: 0 } })).toMatchObject({ passed: false, observed: 3, reason: "Too many recent failures: 3 >= 3 in the last hour" });
      expect(gateOf("RECENT_FAILURES", { historyOverrides: { failures: 4, consecutiveFailures: 4 } })).toMatchObject({ passed: false, reason: "Too many recent failures: 4 >= 3 in the last hour" });
    });

    it("RECENT_FAILURES also fails on more than 2 failures in a row, however few the hour holds", () => {
      expect(MAX_CONSECUTIVE_FAILURES).toBe(2);
      expect(gateOf("RECENT_FAILURES", { historyOverrides: { failures: 2, consecutiveFailures: 2 } })).toMatchObject({ passed: true, reason: "Recent failures within limit: 2 < 3 in the last hour, 2 in a row (at most 2)" });
      // Three in a row, only one of them within the hour.
      expect(gateOf("RECENT_FAILURES", { historyOverrides: { failures: 1, consecutiveFailures: 3 } })).toEqual({
        gate: "RECENT_FAILURES",
        source: "store",
        passed: false,
        skipped: false,
        observed: 1,
        threshold: 3,
        unit: "failures/h",
        reason: "Too many consecutive failures: the last 3 changes to this service failed, more than 2 in a row (1 < 3 in the last hour)",
      });
      expect(gateOf("RECENT_FAILURES", { historyOverrides: { failures: 0, consecutiveFailures: 25 } }).passed).toBe(false);
      // A raised hourly threshold does not lift the rule on runs.
      const lenient = parseGateConfig({ gates: { RECENT_FAILURES: { threshold: 100 } } });
      expect(gateOf("RECENT_FAILURES", { historyOverrides: { failures: 3, consecutiveFailures: 3 } }, lenient)).toMatchObject({ passed: false, reason: expect.stringContaining("3 < 100 in the last hour") });
      // It blocks, as the gate does.
      expect(evaluateGates(input({ historyOverrides: { failures: 1, consecutiveFailures: 3 } }), DEFAULT_GATE_CONFIG)).toMatchObject({ decision: "BLOCK", blockBy: ["RECENT_FAILURES"] });
    });

    it("COOLDOWN fails until the minimum has elapsed since the last change", () => {
      const finishedAgo = (ms: number) => ({ lastChangeFinishedAt: new Date(NOW.getTime() - ms) });
      expect(gateOf("COOLDOWN", finishedAgo(120_000))).toMatchObject({ passed: false, observed: 120, reason: "Cooldown not satisfied: 120s < 300s since the last change" });
      expect(gateOf("COOLDOWN", finishedAgo(299_999))).toMatchObject({ passed: false, observed: 299.999, reason: "Cooldown not satisfied: 299.999s < 300s since the last change" });
      expect(gateOf("COOLDOWN", finishedAgo(300_000))).toMatchObject({ passed: true, observed: 300, reason: "Cooldown satisfied: 300s >= 300s since the last change" });
      expect(gateOf("COOLDOWN", finishedAgo(300_001)).passed).toBe(true);
    });

    it("COOLDOWN passes with no previous change and counts a change stamped in the future as just finished", () => {
      expect(gateOf("COOLDOWN", { lastChangeFinishedAt: null })).toMatchObject({ passed: true, skipped: false, observed: null, reason: "Cooldown satisfied: no previous change to this service" });
      expect(gateOf("COOLDOWN", { lastChangeFinishedAt: new Date(NOW.getTime() + 5_000) })).toMatchObject({ passed: false, observed: 0 });
    });

    it("RESOURCE_CAPACITY fails below the minimum headroom", () => {
      expect(gateOf("RESOURCE_CAPACITY", { signalOverrides: { capacityHeadroomPct: 19.99 } })).toMatchObject({ passed: false, reason: "Resource capacity too low: 19.99% < 20% headroom" });
      expect(gateOf("RESOURCE_CAPACITY", { signalOverrides: { capacityHeadroomPct: 20 } })).toMatchObject({ passed: true, reason: "Resource capacity sufficient: 20% >= 20% headroom" });
      expect(gateOf("RESOURCE_CAPACITY", { signalOverrides: { capacityHeadroomPct: 21 } }).passed).toBe(true);
    });

    it("INCIDENT_RATE fails once the count reaches the threshold", () => {
      expect(gateOf("INCIDENT_RATE", { historyOverrides: { incidents: 4 } })).toMatchObject({ passed: true, source: "store", reason: "Incident rate within limit: 4/h < 5/h" });
      expect(gateOf("INCIDENT_RATE", { historyOverrides: { incidents: 5 } })).toMatchObject({ passed: false, reason: "Incident rate too high: 5/h >= 5/h" });
      expect(gateOf("INCIDENT_RATE", { historyOverrides: { incidents: 6 } }).passed).toBe(false);
    });

    it("never rounds two different figures into the same text", () => {
      expect(gateOf("ERROR_BUDGET", { signalOverrides: { errorBudgetPct: 2.0000001 } }).reason).toBe("Error budget exhausted: 2.0000001% > 2.0%");
      expect(gateOf("BLAST_RADIUS", { blastRadiusPct: 100 / 7 }).reason).toBe("Blast radius within limit: 14.286% <= 20%");
    });
  });

  it("skips exempt operation types with a reason, and fails none of their gates", () => {
    const rollback = evaluateGates(input({ operationType: "ROLLBACK", signalOverrides: { errorBudgetPct: 50 }, historyOverrides: { failures: 9, consecutiveFailures: 9, incidents: 9 }, lastChangeFinishedAt: NOW }), DEFAULT_GATE_CONFIG);
    expect(rollback.decision).toBe("PASS");
    expect(rollback.results.filter((r) => r.skipped).map((r) => r.gate)).toEqual(["ERROR_BUDGET", "RECENT_FAILURES", "COOLDOWN", "INCIDENT_RATE"]);
    expect(resultOf(rollback, "ERROR_BUDGET")).toMatchObject({ source: "config", passed: true, skipped: true, observed: null, threshold: 2, reason: "Error budget gate skipped: it does not apply to ROLLBACK operations" });

    // A rollback still may not touch too much or run the estate out of capacity.
    const wideRollback = evaluateGates(input({ operationType: "ROLLBACK", blastRadiusPct: 40, signalOverrides: { capacityHeadroomPct: 5 } }), DEFAULT_GATE_CONFIG);
    expect(wideRollback.failed).toEqual(["BLAST_RADIUS", "RESOURCE_CAPACITY"]);
    expect(wideRollback.decision).toBe("BLOCK");

    const verification = evaluateGates(input({ operationType: "VERIFICATION", blastRadiusPct: 100, signals: null, lastChangeFinishedAt: NOW }), DEFAULT_GATE_CONFIG);
    expect(verification.decision).toBe("PASS");
    expect(verification.results.every((r) => r.skipped && r.passed)).toBe(true);
  });

  it("applies every gate to every changing type", () => {
    for (const type of ["DEPLOYMENT", "REMEDIATION", "CONFIG_CHANGE", "MAINTENANCE"] satisfies OperationType[]) {
      const evaluation = evaluateGates(input({ operationType: type }), DEFAULT_GATE_CONFIG);
      expect(evaluation.results.some((r) => r.skipped)).toBe(false);
    }
    expect(OPERATION_TYPES).toHaveLength(6);
  });

  it("skips a disabled gate however bad its figure", () => {
    const config = parseGateConfig({ gates: { ERROR_BUDGET: { enabled: false } } });
    const evaluation = evaluateGates(input({ signalOverrides: { errorBudgetPct: 99 } }), config);
    expect(evaluation.decision).toBe("PASS");
    expect(resultOf(evaluation, "ERROR_BUDGET")).toMatchObject({ source: "config", passed: true, skipped: true, observed: null, reason: "Error budget gate skipped: disabled in the configuration" });
  });

  it("fails closed when the signals are unavailable, and lets each gate's onFailure decide", () => {
    const evaluation = evaluateGates(input({ signals: null, signalError: "Prometheus at http://prom:9090 did not answer within 2000 ms" }), DEFAULT_GATE_CONFIG);
    expect(evaluation.failed).toEqual(["ERROR_BUDGET", "RESOURCE_CAPACITY"]);
    expect(evaluation.decision).toBe("BLOCK");
    expect(evaluation.pauseFor).toEqual(["ERROR_BUDGET"]);
    expect(evaluation.blockBy).toEqual(["RESOURCE_CAPACITY"]);
    expect(resultOf(evaluation, "ERROR_BUDGET")).toEqual({
      gate: "ERROR_BUDGET",
      source: "prometheus",
      passed: false,
      skipped: false,
      observed: null,
      threshold: 2,
      unit: "%",
      reason: "Error budget unknown: signals unavailable (Prometheus at http://prom:9090 did not answer within 2000 ms); failing closed",
    });
    // The blast radius and the store's history do not come from the signal source.
    for (const gate of ["BLAST_RADIUS", "RECENT_FAILURES", "COOLDOWN", "INCIDENT_RATE"] as const) expect(resultOf(evaluation, gate).passed).toBe(true);

    expect(resultOf(evaluateGates(input({ signals: null, signalSource: "simulated" }), DEFAULT_GATE_CONFIG), "RESOURCE_CAPACITY")).toMatchObject({
      source: "simulated",
      reason: "Resource capacity unknown: signals unavailable; failing closed",
    });

    // With the signal gates set to pause, an outage pauses instead of blocking.
    const lenient = parseGateConfig({ gates: { RESOURCE_CAPACITY: { onFailure: "PAUSE_FOR_REVIEW" } } });
    expect(evaluateGates(input({ signals: null }), lenient).decision).toBe("PAUSE_FOR_REVIEW");
  });

  it("fails closed on a figure that is not a number", () => {
    expect(gateOf("ERROR_BUDGET", { signalOverrides: { errorBudgetPct: Number.NaN } })).toMatchObject({ passed: false, observed: null, reason: "Error budget unknown: the observed value is NaN; failing closed" });
    expect(gateOf("BLAST_RADIUS", { blastRadiusPct: Number.NaN }).passed).toBe(false);
    expect(gateOf("RESOURCE_CAPACITY", { signalOverrides: { capacityHeadroomPct: Number.POSITIVE_INFINITY } }).passed).toBe(false);
  });

  it("blocks when any failing gate blocks, pauses when the failing gates only pause", () => {
    const pauseOnly = evaluateGates(input({ blastRadiusPct: 30, signalOverrides: { errorBudgetPct: 3 } }), DEFAULT_GATE_CONFIG);
    expect(pauseOnly).toMatchObject({ decision: "PAUSE_FOR_REVIEW", failed: ["ERROR_BUDGET", "BLAST_RADIUS"], pauseFor: ["ERROR_BUDGET", "BLAST_RADIUS"], blockBy: [] });

    const both = evaluateGates(input({ blastRadiusPct: 30, signalOverrides: { errorBudgetPct: 3 }, historyOverrides: { incidents: 7 } }), DEFAULT_GATE_CONFIG);
    expect(both).toMatchObject({ decision: "BLOCK", failed: ["ERROR_BUDGET", "BLAST_RADIUS", "INCIDENT_RATE"], pauseFor: ["ERROR_BUDGET", "BLAST_RADIUS"], blockBy: ["INCIDENT_RATE"] });

    const blockOnly = evaluateGates(input({ lastChangeFinishedAt: new Date(NOW.getTime() - 10_000) }), DEFAULT_GATE_CONFIG);
    expect(blockOnly).toMatchObject({ decision: "BLOCK", failed: ["COOLDOWN"], pauseFor: [], blockBy: ["COOLDOWN"] });
  });

  it("uses the configured thresholds and actions", () => {
    const config = parseGateConfig({ gates: { ERROR_BUDGET: { threshold: 0.25, onFailure: "BLOCK" }, COOLDOWN: { threshold: 60 } } });
    const evaluation = evaluateGates(input({ lastChangeFinishedAt: new Date(NOW.getTime() - 61_000) }), config);
    expect(evaluation).toMatchObject({ decision: "BLOCK", failed: ["ERROR_BUDGET"], blockBy: ["ERROR_BUDGET"] });
    expect(resultOf(evaluation, "ERROR_BUDGET").reason).toBe("Error budget exhausted: 0.5% > 0.25%");
    expect(resultOf(evaluation, "COOLDOWN").reason).toBe("Cooldown satisfied: 61s >= 60s since the last change");
  });

  it("is pure: the same inputs give the same answer and nothing is mutated", () => {
    const given = input({ signalOverrides: { errorBudgetPct: 2.5 } });
    const snapshot = structuredClone(given);
    const configSnapshot = structuredClone(DEFAULT_GATE_CONFIG);
    expect(evaluateGates(given, DEFAULT_GATE_CONFIG)).toEqual(evaluateGates(given, DEFAULT_GATE_CONFIG));
    expect(given).toEqual(snapshot);
    expect(DEFAULT_GATE_CONFIG).toEqual(configSnapshot);
  });

  describe("where each figure comes from", () => {
    it("labels the signal gates with the signal source's kind, and marks a simulated figure in its reason", () => {
      const simulated = evaluateGates(input({ signalSource: "simulated", signalOverrides: { capacityHeadroomPct: 12 } }), DEFAULT_GATE_CONFIG);
      expect(simulated.results.map((r) => [r.gate, r.source])).toEqual([
        ["ERROR_BUDGET", "simulated"],
        ["BLAST_RADIUS", "graph"],
        ["RECENT_FAILURES", "store"],
        ["COOLDOWN", "store"],
        ["RESOURCE_CAPACITY", "simulated"],
        ["INCIDENT_RATE", "store"],
      ]);
      expect(resultOf(simulated, "ERROR_BUDGET").reason).toBe("Error budget within limit: 0.5% <= 2.0% (simulated)");
      expect(resultOf(simulated, "RESOURCE_CAPACITY")).toMatchObject({ passed: false, reason: "Resource capacity too low: 12% < 20% headroom (simulated)" });
      expect(resultOf(simulated, "ERROR_BUDGET").reason).toBe(resultOf(evaluateGates(input({ signalSource: "prometheus" }), DEFAULT_GATE_CONFIG), "ERROR_BUDGET").reason + " (simulated)");
      // Only simulated figures say so: measured and stored ones never do.
      for (const r of simulated.results) expect(r.reason.endsWith("(simulated)")).toBe(r.source === "simulated");
      expect(resultOf(evaluateGates(input({ signalSource: "simulated", signalOverrides: { errorBudgetPct: Number.NaN } }), DEFAULT_GATE_CONFIG), "ERROR_BUDGET").reason).toBe(
        "Error budget unknown: the observed value is NaN; failing closed (simulated)",
      );
    });

    it("never calls a figure from a source of another kind a measurement", () => {
      for (const kind of ["scripted", "datadog", ""]) {
        const evaluation = evaluateGates(input({ signalSource: kind }), DEFAULT_GATE_CONFIG);
        expect([resultOf(evaluation, "ERROR_BUDGET").source, resultOf(evaluation, "RESOURCE_CAPACITY").source]).toEqual(["simulated", "simulated"]);
      }
    });

    it("labels skipped gates config, and every result with one of the known sources", () => {
      const verification = evaluateGates(input({ operationType: "VERIFICATION" }), DEFAULT_GATE_CONFIG);
      expect(verification.results.every((r) => r.source === "config")).toBe(true);
      const disabled = evaluateGates(input(), parseGateConfig({ gates: { INCIDENT_RATE: { enabled: false }, BLAST_RADIUS: { enabled: false } } }));
      expect(disabled.results.filter((r) => r.source === "config").map((r) => r.gate)).toEqual(["BLAST_RADIUS", "INCIDENT_RATE"]);
      for (const r of [...verification.results, ...disabled.results]) expect(GATE_SOURCES).toContain(r.source);
    });

    it("reads COOLDOWN from the store's last change: none means nothing to cool down from", () => {
      expect(gateOf("COOLDOWN", { historyOverrides: { lastChangeFinishedAt: null } })).toMatchObject({ source: "store", passed: true, observed: null });
      expect(gateOf("COOLDOWN", { historyOverrides: { lastChangeFinishedAt: new Date(NOW.getTime() - 60_000) } })).toMatchObject({ source: "store", passed: false, observed: 60 });
    });
  });
});
