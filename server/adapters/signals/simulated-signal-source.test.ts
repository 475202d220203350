import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { AppError } from "../../core/errors";
import { evaluateGates } from "../../core/gates/evaluate-gates";
import { DEFAULT_GATE_CONFIG } from "../../core/gates/gate-config";
import { HEALTHY_SIGNALS, SimulatedSignalSource } from "./simulated-signal-source";

async function errorOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected an error");
}

describe("SimulatedSignalSource", () => {
  it("reports a healthy estate's figures, stamped by the clock; they pass the signal gates, marked as simulated", async () => {
    const clock = new ManualClock("2026-03-01T12:00:00.000Z");
    const source = new SimulatedSignalSource({ clock });
    expect(source.kind).toBe("simulated");
    const signals = await source.serviceSignals("payment-service");
    expect(signals).toEqual({
      service: "payment-service",
      at: "2026-03-01T12:00:00.000Z",
      errorRatePct: 0.5,
      errorBudgetPct: 0.5,
      capacityHeadroomPct: 35,
      latencyP99Ms: 120,
    });
    clock.advance(1_500);
    expect((await source.serviceSignals("payment-service")).at).toBe("2026-03-01T12:00:01.500Z");
    const history = { failures: 0, consecutiveFailures: 0, incidents: 0, lastChangeFinishedAt: null };
    const evaluation = evaluateGates({ operationType: "DEPLOYMENT", signals, signalSource: source.kind, history, blastRadiusPct: 12, now: clock.now() }, DEFAULT_GATE_CONFIG);
    expect(evaluation.decision).toBe("PASS");
    const fromSignals = evaluation.results.filter((r) => r.gate === "ERROR_BUDGET" || r.gate === "RESOURCE_CAPACITY");
    expect(fromSignals.map((r) => [r.source, r.reason])).toEqual([
      ["simulated", "Error budget within limit: 0.5% <= 2.0% (simulated)"],
      ["simulated", "Resource capacity sufficient: 35% >= 20% headroom (simulated)"],
    ]);
  });

  it("overrides one service at a time, adds later settings to earlier ones, and leaves the others alone", async () => {
    const source = new SimulatedSignalSource();
    source.set("user-service", { errorBudgetPct: 2.5 });
    source.set("user-service", { latencyP99Ms: 900, errorRatePct: undefined });
    expect(await source.serviceSignals("user-service")).toMatchObject({ errorBudgetPct: 2.5, latencyP99Ms: 900, errorRatePct: 0.5 });
    expect(await source.serviceSignals("payment-service")).toMatchObject(HEALTHY_SIGNALS);
  });

  it("changes the estate-wide defaults under the per-service overrides", async () => {
    const source = new SimulatedSignalSource({ defaults: { errorBudgetPct: 0 } });
    expect((await source.serviceSignals("a")).errorBudgetPct).toBe(0);
    source.set("a", { capacityHeadroomPct: 50 });
    source.setDefaults({ capacityHeadroomPct: 10, errorBudgetPct: 7 });
    expect(await source.serviceSignals("a")).toMatchObject({ capacityHeadroomPct: 50, errorBudgetPct: 7 });
    expect(await source.serviceSignals("b")).toMatchObject({ capacityHeadroomPct: 10, errorBudgetPct: 7 });
  });

  it("gives both canary cohorts the service's figures, split requests by traffic, and takes overrides per cohort", async () => {
    const source = new SimulatedSignalSource({ clock: new ManualClock("2026-03-01T12:00:00.000Z") });
    source.set("checkout", { errorRatePct: 0.2, latencyP99Ms: 80 });
    expect(await source.canarySignals("checkout", 10)).toEqual({
      service: "checkout",
      at: "2026-03-01T12:00:00.000Z",
      baseline: { errorRatePct: 0.2, latencyP99Ms: 80, requests: 9_000 },
      canary: { errorRatePct: 0.2, latencyP99Ms: 80, requests: 1_000 },
    });
    source.setCanary("checkout", { canary: { errorRatePct: 8 } });
    source.setCanary("checkout", { canary: { latencyP99Ms: 450 }, baseline: { requests: 5 } });
    const canary = await source.canarySignals("checkout", 50);
    expect(canary.canary).toEqual({ errorRatePct: 8, latencyP99Ms: 450, requests: 5_000 });
    expect(canary.baseline).toEqual({ errorRatePct: 0.2, latencyP99Ms: 80, requests: 5 });
    expect((await errorOf(source.canarySignals("checkout", 120))).code).toBe("VALIDATION_FAILED");
  });

  it("fails every read with UNAVAILABLE while unavailable, and reset restores the start", async () => {
    const source = new SimulatedSignalSource({ defaults: { latencyP99Ms: 200 } });
    source.set("a", { errorBudgetPct: 9 });
    source.setCanary("a", { canary: { errorRatePct: 9 } });
    source.setDefaults({ capacityHeadroomPct: 9 });
    source.setUnavailable("injected: metrics backend down");
    const error = await errorOf(source.serviceSignals("a"));
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.message).toBe("Simulated signal source unavailable: injected: metrics backend down");
    expect((await errorOf(source.canarySignals("a", 10))).code).toBe("UNAVAILABLE");
    source.setUnavailable(null);
    expect((await source.serviceSignals("a")).errorBudgetPct).toBe(9);

    source.setUnavailable("again");
    source.reset();
    expect(await source.serviceSignals("a")).toMatchObject({ ...HEALTHY_SIGNALS, latencyP99Ms: 200 });
    expect((await source.canarySignals("a", 10)).canary.errorRatePct).toBe(0.5);
  });

  it("hands out copies: changing a result changes nothing inside", async () => {
    const source = new SimulatedSignalSource();
    const first = await source.serviceSignals("a");
    first.errorBudgetPct = 99;
    const canary = await source.canarySignals("a", 10);
    canary.canary.errorRatePct = 99;
    expect((await source.serviceSignals("a")).errorBudgetPct).toBe(0.5);
    expect((await source.canarySignals("a", 10)).canary.errorRatePct).toBe(0.5);
  });
});
