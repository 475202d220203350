import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock";
import { AppError } from "../errors";
import type { CanarySignals, CohortSignals, ServiceSignals, SignalSource } from "../gates/ports";
import type { OperationSnapshot } from "../operations/types";
import { analyzeCanary, DEFAULT_CANARY_POLICY, parseCanaryPolicy } from "./canary-analysis";
import { createSimulatedExecutors, ExecutorRegistry } from "./executor-registry";
import { InMemoryDeploymentLedger } from "./in-memory-deployment-ledger";
import type { ExecutionContext, ExecutionStep, HeldFence } from "./ports";
import { RollbackExecutor } from "./rollback-executor";
import { SimulatedDeploymentExecutor } from "./simulated-deployment-executor";
import { VerificationExecutor } from "./verification-executor";

const SERVICE = "payment-service";
const HEALTHY_BASELINE: CohortSignals = { errorRatePct: 0.4, latencyP99Ms: 320, requests: 9_000 };
const HEALTHY_CANARY: CohortSignals = { errorRatePct: 0.3, latencyP99Ms: 300, requests: 1_000 };
const HEALTHY_SERVICE: Omit<ServiceSignals, "service" | "at"> = {
  errorRatePct: 0.3,
  errorBudgetPct: 0.5,
  capacityHeadroomPct: 35,
  latencyP99Ms: 310,
};

/** A signal source that answers what each test scripts, and remembers what it was asked. */
class ScriptedSignals implements SignalSource {
  readonly kind = "scripted";
  readonly canaryReads: number[] = [];
  serviceReads = 0;

  constructor(
    private readonly script: {
      canaryAt?: Record<number, CohortSignals | Error>;
      baseline?: CohortSignals;
      service?: Partial<ServiceSignals> | Error;
    } = {},
  ) {}

  async canarySignals(service: string, trafficPct: number): Promise<CanarySignals> {
    this.canaryReads.push(trafficPct);
    const canary = this.script.canaryAt?.[trafficPct] ?? HEALTHY_CANARY;
    if (canary instanceof Error) throw canary;
    return { service, at: "2026-01-01T00:00:00.000Z", baseline: this.script.baseline ?? HEALTHY_BASELINE, canary };
  }

  async serviceSignals(service: string): Promise<ServiceSignals> {
    this.serviceReads += 1;
    if (this.script.service instanceof Error) throw this.script.service;
    return { service, at: "2026-01-01T00:00:00.000Z", ...HEALTHY_SERVICE, ...this.script.service };
  }
}

function operation(overrides: Partial<OperationSnapshot> = {}): OperationSnapshot {
  return {
    id: "7f3c9a10-0000-4000-8000-000000000001",
    type: "DEPLOYMENT",
    service: SERVICE,
    actor: "auto-healing-system",
    actorKind: "AUTOMATION",
    correlationId: "INC-2026-001",
    params: { version: "v1.0.1", strategy: "canary" },
    state: "IN_PROGRESS",
    version: 3,
    createdAt: new Date("2026-01-01T00:00:00.000Z"),
    ...overrides,
  };
}

interface ContextOptions {
  operation?: OperationSnapshot;
  previousSteps?: ExecutionStep[];
  fences?: HeldFence[];
  signal?: AbortSignal;
  /** Replaces the default sleep, which returns at once after moving the manual clock. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  leaseLost?: () => boolean;
}

function context(options: ContextOptions = {}) {
  const clock = new ManualClock("2026-01-01T00:00:18.000Z");
  const signal = options.signal ?? new AbortController().signal;
  const recorded: ExecutionStep[] = [];
  const sleeps: number[] = [];
  let fenceChecks = 0;
  const ctx: ExecutionContext = {
    operation: options.operation ?? operation(),
    attempt: options.previousSteps?.length ? 2 : 1,
    previousSteps: options.previousSteps ?? [],
    fences: options.fences ?? [{ key: { scope: "SERVICE", resource: SERVICE }, fencingToken: 7n }],
    signal,
    clock,
    assertFenced() {
      fenceChecks += 1;
      if (options.leaseLost?.()) throw new AppError("LOCK_LOST", "the SERVICE lease on payment-service expired");
    },
    async recordStep(step) {
      recorded.push(step);
    },
    async sleep(ms) {
      sleeps.push(ms);
      if (options.sleep) return options.sleep(ms, signal);
      signal.throwIfAborted();
      clock.advance(ms);
    },
  };
  return { ctx, recorded, sleeps, fenceChecks: () => fenceChecks };
}

async function ledgerRunning(version: string, token = 1n, previous?: string): Promise<InMemoryDeploymentLedger> {
  const ledger = new InMemoryDeploymentLedger(new ManualClock());
  if (previous) await ledger.record({ service: SERVICE, version: previous, operationId: "op-earlier", fencingToken: token });
  await ledger.record({ service: SERVICE, version, operationId: "op-live", fencingToken: token });
  return ledger;
}

function step(name: string, outcome: ExecutionStep["outcome"], detail: ExecutionStep["detail"] = {}): ExecutionStep {
  return { name, outcome, detail, startedAt: "2026-01-01T00:00:18.000Z", endedAt: "2026-01-01T00:00:23.000Z" };
}

describe("analyzeCanary", () => {
  const thresholds = DEFAULT_CANARY_POLICY.thresholds;
  const signals = (baseline: CohortSignals, canary: CohortSignals): CanarySignals => ({ service: SERVICE, at: "2026-01-01T00:00:23.000Z", baseline, canary });

  it("promotes the original walkthrough's canary: errors down from 15.2 % to 0.3 %", () => {
    const result = analyzeCanary(signals({ errorRatePct: 15.2, latencyP99Ms: 480, requests: 27_000 }, { errorRatePct: 0.3, latencyP99Ms: 450, requests: 3_000 }), thresholds);
    expect(result.verdict).toBe("PROMOTE");
    expect(result.errorRateDelta).toBeCloseTo(-14.9);
    expect(result.latencyRatio).toBeCloseTo(0.9375);
    expect(result.reasons[0]).toBe("canary error rate 0.3% is within the 2% threshold (baseline 15.2%)");
  });

  it("rolls back above 2 % canary errors (\"Canary Error Rate >2% → Auto Rollback\") and passes exactly 2 %", () => {
    const bad = analyzeCanary(signals(HEALTHY_BASELINE, { ...HEALTHY_CANARY, errorRatePct: 2.5 }), thresholds);
    expect(bad.verdict).toBe("ROLLBACK");
    expect(bad.reasons).toEqual(["canary error rate 2.5% exceeded the 2% threshold (baseline 0.4%)"]);
    expect(bad.checks.find((c) => c.figure === "canary error rate")).toMatchObject({ observed: 2.5, threshold: 2, passed: false });
    expect(analyzeCanary(signals(HEALTHY_BASELINE, { ...HEALTHY_CANARY, errorRatePct: 2 }), thresholds).verdict).toBe("PROMOTE");
  });

  it("rolls back above 500 ms canary latency: the original matrix's injected +200 ms on a 320 ms baseline", () => {
    const result = analyzeCanary(signals(HEALTHY_BASELINE, { ...HEALTHY_CANARY, latencyP99Ms: 520 }), thresholds);
    expect(result.verdict).toBe("ROLLBACK");
    expect(result.reasons).toEqual(["canary p99 latency 520 ms exceeded the 500 ms threshold (baseline 320 ms)"]);
    expect(result.latencyDeltaMs).toBe(200);
  });

  it("applies the optional relative checks only when configured", () => {
    const regression = signals({ errorRatePct: 0.1, latencyP99Ms: 100, requests: 1 }, { errorRatePct: 1.9, latencyP99Ms: 250, requests: 1 });
    expect(analyzeCanary(regression, thresholds).verdict).toBe("PROMOTE");
    const relative = analyzeCanary(regression, { ...thresholds, maxErrorRateIncreasePctPoints: 1, maxLatencyRatio: 2 });
    expect(relative.verdict).toBe("ROLLBACK");
    expect(relative.reasons).toHaveLength(2);
    expect(relative.reasons[1]).toContain("2.5× the baseline's 100 ms");
  });

  it("never promotes on figures that are not measurements", () => {
    expect(analyzeCanary(signals(HEALTHY_BASELINE, { ...HEALTHY_CANARY, errorRatePct: Number.NaN }), thresholds).verdict).toBe("ROLLBACK");
  });
});

describe("parseCanaryPolicy", () => {
  it("completes a partial policy from the documented defaults", () => {
    expect(parseCanaryPolicy({ thresholds: { maxCanaryLatencyP99Ms: 800 } })).toEqual({
      steps: [10, 50, 100],
      bakeTimeMs: 300_000,
      thresholds: { maxCanaryErrorRatePct: 2, maxCanaryLatencyP99Ms: 800, maxErrorRateIncreasePctPoints: null, maxLatencyRatio: null },
    });
  });

  it("refuses steps that do not climb to 100 and unknown fields, naming each", () => {
    const attempt = () => parseCanaryPolicy({ steps: [50, 10], bakeTime: 5 });
    expect(attempt).toThrowError(AppError);
    expect(attempt).toThrowError(/steps must be strictly increasing/);
    expect(() => parseCanaryPolicy({ steps: [10, 50] })).toThrowError(/must end at 100/);
    expect(() => parseCanaryPolicy({ bakeTime: 5 })).toThrowError(/bakeTime/);
  });
});

describe("SimulatedDeploymentExecutor", () => {
  it("promotes through 10 %, 50 % and 100 %, baking each step, and records the version under the SERVICE fence", async () => {
    const ledger = await ledgerRunning("v1.0.0");
    const signals = new ScriptedSignals();
    const { ctx, recorded, sleeps, fenceChecks } = context();

    const outcome = await new SimulatedDeploymentExecutor({ signals, ledger }).execute(ctx);

    expect(outcome.status).toBe("SUCCEEDED");
    expect(outcome.summary).toBe(`${SERVICE} now runs v1.0.1 on all traffic after canary 10% → 50% → 100% (canary error rate 0.3% vs baseline 0.4%, p99 300 ms vs 320 ms).`);
    expect(recorded.map((s) => [s.name, s.outcome])).toEqual([
      ["canary 10%", "PASSED"],
      ["canary 50%", "PASSED"],
      ["canary 100%", "PASSED"],
      ["promote", "PASSED"],
    ]);
    expect(signals.canaryReads).toEqual([10, 50, 100]);
    expect(sleeps).toEqual([300_000, 300_000, 300_000]);
    // One check before each traffic shift and one before the ledger write.
    expect(fenceChecks()).toBe(4);
    expect(recorded[0]?.detail).toMatchObject({
      trafficPct: 10,
      version: "v1.0.1",
      previousVersion: "v1.0.0",
      verdict: "PROMOTE",
      baseline: { errorRatePct: 0.4, latencyP99Ms: 320 },
      canary: { errorRatePct: 0.3, latencyP99Ms: 300 },
    });
    // Each step spans its bake on the context's clock.
    expect(recorded[0]?.startedAt).toBe("2026-01-01T00:00:18.000Z");
    expect(recorded[0]?.endedAt).toBe("2026-01-01T00:05:18.000Z");
    expect(await ledger.current(SERVICE)).toMatchObject({ version: "v1.0.1", previousVersion: "v1.0.0", operationId: ctx.operation.id, fencingToken: 7n });
  });

  it("rolls back at 10 % when the canary's error rate crosses 2 %, and goes no further", async () => {
    const ledger = await ledgerRunning("v1.0.0");
    const signals = new ScriptedSignals({ canaryAt: { 10: { errorRatePct: 3.1, latencyP99Ms: 300, requests: 1_000 } } });
    const { ctx, recorded } = context();

    const outcome = await new SimulatedDeploymentExecutor({ signals, ledger }).execute(ctx);

    expect(outcome.status).toBe("ROLLED_BACK");
    expect(outcome.summary).toBe(`Canary of v1.0.1 on ${SERVICE} rolled back at 10%: canary error rate 3.1% exceeded the 2% threshold (baseline 0.4%); v1.0.0 restored.`);
    expect(recorded.map((s) => [s.name, s.outcome])).toEqual([
      ["canary 10%", "FAILED"],
      ["rollback", "PASSED"],
    ]);
    expect(recorded[0]?.detail).toMatchObject({ verdict: "ROLLBACK", canary: { errorRatePct: 3.1 } });
    expect(signals.canaryReads).toEqual([10]);
    expect(await ledger.current(SERVICE)).toMatchObject({ version: "v1.0.0" });
  });

  it("rolls back at 50 % when the canary's p99 latency crosses 500 ms", async () => {
    const ledger = await ledgerRunning("v1.0.0");
    const signals = new ScriptedSignals({ canaryAt: { 50: { errorRatePct: 0.3, latencyP99Ms: 720, requests: 5_000 } } });
    const { ctx, recorded } = context();

    const outcome = await new SimulatedDeploymentExecutor({ signals, ledger }).execute(ctx);

    expect(outcome.status).toBe("ROLLED_BACK");
    expect(outcome.summary).toContain("rolled back at 50%: canary p99 latency 720 ms exceeded the 500 ms threshold (baseline 320 ms)");
    expect(outcome.detail).toMatchObject({ failedAtPct: 50, restoredVersion: "v1.0.0" });
    expect(recorded.map((s) => s.name)).toEqual(["canary 10%", "canary 50%", "rollback"]);
    expect(signals.canaryReads).toEqual([10, 50]);
    expect(await ledger.current(SERVICE)).toMatchObject({ version: "v1.0.0" });
  });

  it("rolls back at 50 % when the canary's error rate crosses 2 % there", async () => {
    const signals = new ScriptedSignals({ canaryAt: { 50: { errorRatePct: 2.4, latencyP99Ms: 300, requests: 5_000 } } });
    const { ctx } = context();
    const outcome = await new SimulatedDeploymentExecutor({ signals, ledger: await ledgerRunning("v1.0.0") }).execute(ctx);
    expect(outcome.status).toBe("ROLLED_BACK");
    expect(outcome.summary).toContain("at 50%: canary error rate 2.4% exceeded the 2% threshold");
  });

  it("rolls back when the canary's figures cannot be read", async () => {
    const signals = new ScriptedSignals({ canaryAt: { 10: new AppError("UNAVAILABLE", "Prometheus did not answer") } });
    const { ctx } = context();
    const outcome = await new SimulatedDeploymentExecutor({ signals, ledger: await ledgerRunning("v1.0.0") }).execute(ctx);
    expect(outcome.status).toBe("ROLLED_BACK");
    expect(outcome.summary).toContain("canary signals could not be read at 10%: Prometheus did not answer");
  });

  it("says what it withdrew when the service had no recorded version", async () => {
    const signals = new ScriptedSignals({ canaryAt: { 10: { errorRatePct: 9, latencyP99Ms: 300, requests: 1 } } });
    const outcome = await new SimulatedDeploymentExecutor({ signals, ledger: new InMemoryDeploymentLedger() }).execute(context().ctx);
    expect(outcome.summary).toContain("no earlier version was recorded, so the new version's traffic was withdrawn");
  });

  it("resumes after the last recorded step without shifting traffic to it again", async () => {
    const ledger = await ledgerRunning("v1.0.0");
    const signals = new ScriptedSignals();
    const { ctx, recorded, sleeps, fenceChecks } = context({ previousSteps: [step("canary 10%", "PASSED")] });

    const outcome = await new SimulatedDeploymentExecutor({ signals, ledger }).execute(ctx);

    expect(outcome.status).toBe("SUCCEEDED");
    expect(recorded.map((s) => s.name)).toEqual(["canary 50%", "canary 100%", "promote"]);
    expect(signals.canaryReads).toEqual([50, 100]);
    expect(sleeps).toHaveLength(2);
    expect(fenceChecks()).toBe(3);
  });

  it("finishes a rollback a dead attempt decided on but did not record, without reading signals", async () => {
    const ledger = await ledgerRunning("v1.0.0");
    const signals = new ScriptedSignals();
    const failed = step("canary 50%", "FAILED", { reasons: ["canary p99 latency 720 ms exceeded the 500 ms threshold (baseline 320 ms)"] });
    const { ctx, recorded } = context({ previousSteps: [step("canary 10%", "PASSED"), failed] });

    const outcome = await new SimulatedDeploymentExecutor({ signals, ledger }).execute(ctx);

    expect(outcome.status).toBe("ROLLED_BACK");
    expect(outcome.summary).toContain("rolled back at 50%: canary p99 latency 720 ms");
    expect(recorded.map((s) => s.name)).toEqual(["rollback"]);
    expect(signals.canaryReads).toEqual([]);
  });

  it("returns the recorded result when a resumed attempt finds the promotion already done", async () => {
    const ledger = await ledgerRunning("v1.0.0");
    const signals = new ScriptedSignals();
    const previous = ["canary 10%", "canary 50%", "canary 100%"].map((name) => step(name, "PASSED"));
    const { ctx, recorded, fenceChecks } = context({ previousSteps: [...previous, step("promote", "PASSED", { summary: "payment-service now runs v1.0.1." })] });

    const outcome = await new SimulatedDeploymentExecutor({ signals, ledger }).execute(ctx);

    expect(outcome).toMatchObject({ status: "SUCCEEDED", summary: "payment-service now runs v1.0.1." });
    expect(recorded).toEqual([]);
    expect(fenceChecks()).toBe(0);
    expect(ledger.history(SERVICE)).toHaveLength(1);
  });

  it("stops promptly when the signal aborts during a bake, and the abort reason propagates", async () => {
    const controller = new AbortController();
    const ledger = await ledgerRunning("v1.0.0");
    const signals = new ScriptedSignals();
    const { ctx, recorded } = context({
      signal: controller.signal,
      // A bake that only ends by abort: the test proves the executor does not wait it out.
      sleep: (_ms, signal) => new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true })),
    });

    const running = new SimulatedDeploymentExecutor({ signals, ledger }).execute(ctx);
    await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort(new AppError("LOCK_LOST", "lease on payment-service lost"));

    await expect(running).rejects.toMatchObject({ code: "LOCK_LOST", message: "lease on payment-service lost" });
    expect(recorded).toEqual([]);
    expect(signals.canaryReads).toEqual([]);
    expect(await ledger.current(SERVICE)).toMatchObject({ version: "v1.0.0" });
  });

  it("stops between steps when aborted after one was recorded", async () => {
    const controller = new AbortController();
    const signals = new ScriptedSignals();
    const { ctx, recorded } = context({ signal: controller.signal });
    const recordStep = ctx.recordStep.bind(ctx);
    ctx.recordStep = async (s) => {
      await recordStep(s);
      controller.abort(new AppError("CONFLICT", "operation cancelled by alice"));
    };

    await expect(new SimulatedDeploymentExecutor({ signals, ledger: await ledgerRunning("v1.0.0") }).execute(ctx)).rejects.toMatchObject({ code: "CONFLICT" });
    expect(recorded.map((s) => s.name)).toEqual(["canary 10%"]);
    expect(signals.canaryReads).toEqual([10]);
  });

  it("throws LOCK_LOST when the ledger has seen a higher fencing token, leaving the newer holder's version", async () => {
    // A newer holder of the SERVICE lock (token 9) recorded v2.0.0 while this one (token 7) baked.
    const ledger = await ledgerRunning("v2.0.0", 9n);
    const { ctx } = context();

    const running = new SimulatedDeploymentExecutor({ signals: new ScriptedSignals(), ledger }).execute(ctx);

    await expect(running).rejects.toMatchObject({ code: "LOCK_LOST", details: { fencingToken: "7", highestToken: "9" } });
    expect(await ledger.current(SERVICE)).toMatchObject({ version: "v2.0.0", fencingToken: 9n });
  });

  it("does not shift traffic once the lease is lost", async () => {
    const signals = new ScriptedSignals();
    const { ctx } = context({ leaseLost: () => true });
    await expect(new SimulatedDeploymentExecutor({ signals, ledger: await ledgerRunning("v1.0.0") }).execute(ctx)).rejects.toMatchObject({ code: "LOCK_LOST" });
    expect(signals.canaryReads).toEqual([]);
  });

  it("refuses to start without a SERVICE lock on its service", async () => {
    const { ctx } = context({ fences: [{ key: { scope: "SERVICE", resource: "user-service" }, fencingToken: 7n }] });
    await expect(new SimulatedDeploymentExecutor({ signals: new ScriptedSignals(), ledger: new InMemoryDeploymentLedger() }).execute(ctx)).rejects.toMatchObject({ code: "INTERNAL" });
  });

  it("deploys directly in one step at 100 % with strategy \"direct\"", async () => {
    const ledger = await ledgerRunning("v1.0.0");
    const signals = new ScriptedSignals();
    const { ctx, recorded } = context({ operation: operation({ params: { version: "v1.0.1", strategy: "DIRECT_DEPLOY" } }) });

    const outcome = await new SimulatedDeploymentExecutor({ signals, ledger }).execute(ctx);

    expect(outcome.status).toBe("SUCCEEDED");
    expect(recorded.map((s) => s.name)).toEqual(["direct 100%", "promote"]);
    expect(signals.canaryReads).toEqual([100]);
  });

  it("names a generated patch version when the operation gives none", async () => {
    const ledger = new InMemoryDeploymentLedger();
    const { ctx } = context({ operation: operation({ type: "REMEDIATION", params: {} }) });
    await new SimulatedDeploymentExecutor({ signals: new ScriptedSignals(), ledger }).execute(ctx);
    expect(await ledger.current(SERVICE)).toMatchObject({ version: "patch-7f3c9a10" });
  });

  it("fails without touching anything on an unknown strategy", async () => {
    const signals = new ScriptedSignals();
    const { ctx, recorded } = context({ operation: operation({ params: { version: "v2", strategy: "blue-green" } }) });
    const outcome = await new SimulatedDeploymentExecutor({ signals, ledger: new InMemoryDeploymentLedger() }).execute(ctx);
    expect(outcome.status).toBe("FAILED");
    expect(outcome.summary).toContain('Unknown deployment strategy "blue-green"');
    expect(recorded).toEqual([]);
    expect(signals.canaryReads).toEqual([]);
  });
});

describe("InMemoryDeploymentLedger", () => {
  it("refuses a token lower than the highest seen, accepts an equal or higher one", async () => {
    const ledger = new InMemoryDeploymentLedger(new ManualClock());
    expect(await ledger.record({ service: SERVICE, version: "v1", operationId: "a", fencingToken: 5n })).toEqual({ accepted: true, highestToken: 5n });
    expect(await ledger.record({ service: SERVICE, version: "v2", operationId: "b", fencingToken: 4n })).toEqual({ accepted: false, highestToken: 5n });
    expect(await ledger.record({ service: SERVICE, version: "v2", operationId: "a", fencingToken: 5n })).toEqual({ accepted: true, highestToken: 5n });
    expect(await ledger.record({ service: SERVICE, version: "v3", operationId: "c", fencingToken: 6n })).toEqual({ accepted: true, highestToken: 6n });
    // Tokens are per service: another service's sequence is separate.
    expect(await ledger.record({ service: "user-service", version: "u1", operationId: "d", fencingToken: 1n })).toMatchObject({ accepted: true });
    expect(await ledger.current(SERVICE)).toMatchObject({ version: "v3", previousVersion: "v2", operationId: "c", fencingToken: 6n, recordedAt: new Date("2026-01-01T00:00:00.000Z") });
  });

  it("keeps the previous version when the live version is written again", async () => {
    const ledger = new InMemoryDeploymentLedger();
    await ledger.record({ service: SERVICE, version: "v1", operationId: "a", fencingToken: 1n });
    await ledger.record({ service: SERVICE, version: "v2", operationId: "b", fencingToken: 2n });
    await ledger.record({ service: SERVICE, version: "v2", operationId: "b", fencingToken: 3n });
    expect(await ledger.current(SERVICE)).toMatchObject({ version: "v2", previousVersion: "v1" });
    expect(await ledger.current("unknown-service")).toBeNull();
  });
});

describe("RollbackExecutor", () => {
  const rollbackOp = (params: OperationSnapshot["params"] = {}) => operation({ id: "op-rollback-1", type: "ROLLBACK", params });

  it("restores the ledger's previous version under the SERVICE fence and verifies it", async () => {
    const ledger = await ledgerRunning("v1.0.1", 3n, "v1.0.0");
    const signals = new ScriptedSignals();
    const { ctx, recorded, sleeps } = context({ operation: rollbackOp() });

    const outcome = await new RollbackExecutor({ signals, ledger }).execute(ctx);

    expect(outcome.status).toBe("SUCCEEDED");
    expect(outcome.summary).toMatch(/^payment-service was rolled back to v1\.0\.0 and is healthy: error rate 0\.3% is within the 2% threshold/);
    expect(await ledger.current(SERVICE)).toMatchObject({ version: "v1.0.0", previousVersion: "v1.0.1", operationId: "op-rollback-1", fencingToken: 7n });
    expect(recorded.map((s) => [s.name, s.outcome])).toEqual([
      ["restore version", "PASSED"],
      ["verify error rate", "PASSED"],
      ["verify p99 latency", "PASSED"],
      ["verify capacity headroom", "PASSED"],
    ]);
    expect(sleeps).toEqual([60_000]);
  });

  it("rolls back to params.to_version (or toVersion) when given", async () => {
    const ledger = await ledgerRunning("v1.0.2", 3n, "v1.0.1");
    await new RollbackExecutor({ signals: new ScriptedSignals(), ledger }).execute(context({ operation: rollbackOp({ to_version: "v0.9.0" }) }).ctx);
    expect(await ledger.current(SERVICE)).toMatchObject({ version: "v0.9.0" });
    await new RollbackExecutor({ signals: new ScriptedSignals(), ledger }).execute(context({ operation: rollbackOp({ toVersion: "v0.8.0" }) }).ctx);
    expect(await ledger.current(SERVICE)).toMatchObject({ version: "v0.8.0" });
  });

  it("fails clearly, changing nothing, when there is no version to go back to", async () => {
    const ledger = await ledgerRunning("v1.0.0");
    const { ctx, recorded } = context({ operation: rollbackOp() });
    const outcome = await new RollbackExecutor({ signals: new ScriptedSignals(), ledger }).execute(ctx);
    expect(outcome.status).toBe("FAILED");
    expect(outcome.summary).toBe("No version to roll payment-service back to: no to_version was given and the deployment ledger records nothing before v1.0.0; nothing was changed.");
    expect(recorded).toEqual([]);
    expect(ledger.history(SERVICE)).toHaveLength(1);
  });

  it("throws LOCK_LOST when a newer holder has written the ledger", async () => {
    const ledger = await ledgerRunning("v1.0.1", 12n, "v1.0.0");
    await expect(new RollbackExecutor({ signals: new ScriptedSignals(), ledger }).execute(context({ operation: rollbackOp() }).ctx)).rejects.toMatchObject({ code: "LOCK_LOST" });
    expect(await ledger.current(SERVICE)).toMatchObject({ version: "v1.0.1" });
  });

  it("fails, naming the check, when the restored version is still unhealthy", async () => {
    const ledger = await ledgerRunning("v1.0.1", 3n, "v1.0.0");
    const outcome = await new RollbackExecutor({ signals: new ScriptedSignals({ service: { errorRatePct: 6 } }), ledger }).execute(context({ operation: rollbackOp() }).ctx);
    expect(outcome.status).toBe("FAILED");
    expect(outcome.summary).toBe("payment-service was rolled back to v1.0.0, but it is still unhealthy: error rate 6% is above the 2% threshold.");
  });

  it("on resume, keeps its target instead of following the ledger back to the bad version", async () => {
    const ledger = await ledgerRunning("v1.0.1", 3n, "v1.0.0");
    const first = context({ operation: rollbackOp() });
    await new RollbackExecutor({ signals: new ScriptedSignals(), ledger }).execute(first.ctx);
    // The ledger now says v1.0.0 with previous v1.0.1; a resumed attempt must not "roll back" to v1.0.1.
    const resumed = context({ operation: rollbackOp(), previousSteps: first.recorded.slice(0, 1) });
    const outcome = await new RollbackExecutor({ signals: new ScriptedSignals(), ledger }).execute(resumed.ctx);
    expect(outcome.status).toBe("SUCCEEDED");
    expect(await ledger.current(SERVICE)).toMatchObject({ version: "v1.0.0" });
    expect(ledger.history(SERVICE)).toHaveLength(3);
    expect(resumed.recorded.map((s) => s.name)).not.toContain("restore version");
  });
});

describe("VerificationExecutor", () => {
  const verifyOp = operation({ type: "VERIFICATION", params: { verification_type: "health_check" } });

  it("passes a healthy service, one step per check", async () => {
    const { ctx, recorded, fenceChecks } = context({ operation: verifyOp });
    const outcome = await new VerificationExecutor({ signals: new ScriptedSignals() }).execute(ctx);
    expect(outcome.status).toBe("SUCCEEDED");
    expect(outcome.summary).toBe(
      "payment-service is healthy: error rate 0.3% is within the 2% threshold; p99 latency 310 ms is within the 500 ms threshold; capacity headroom 35% is at or above the required 20%.",
    );
    expect(recorded.map((s) => [s.name, s.outcome])).toEqual([
      ["check error rate", "PASSED"],
      ["check p99 latency", "PASSED"],
      ["check capacity headroom", "PASSED"],
    ]);
    // It changes nothing, so it has nothing to fence.
    expect(fenceChecks()).toBe(0);
  });

  it("fails naming the failing checks", async () => {
    const { ctx, recorded } = context({ operation: verifyOp });
    const outcome = await new VerificationExecutor({ signals: new ScriptedSignals({ service: { latencyP99Ms: 800, capacityHeadroomPct: 12 } }) }).execute(ctx);
    expect(outcome.status).toBe("FAILED");
    expect(outcome.summary).toBe("Verification of payment-service failed: p99 latency 800 ms is above the 500 ms threshold; capacity headroom 12% is below the required 20%.");
    expect(recorded.map((s) => s.outcome)).toEqual(["PASSED", "FAILED", "FAILED"]);
  });

  it("uses configured thresholds", async () => {
    const outcome = await new VerificationExecutor({ signals: new ScriptedSignals({ service: { latencyP99Ms: 800 } }), thresholds: { maxLatencyP99Ms: 1_000 } }).execute(context({ operation: verifyOp }).ctx);
    expect(outcome.status).toBe("SUCCEEDED");
  });

  it("fails when the signals cannot be read", async () => {
    const outcome = await new VerificationExecutor({ signals: new ScriptedSignals({ service: new AppError("UNAVAILABLE", "Prometheus timed out") }) }).execute(context({ operation: verifyOp }).ctx);
    expect(outcome).toMatchObject({ status: "FAILED", summary: "Verification of payment-service failed: its signals could not be read (Prometheus timed out)." });
  });
});

describe("ExecutorRegistry", () => {
  it("routes every operation type to its simulated executor", () => {
    const registry = createSimulatedExecutors({ signals: new ScriptedSignals(), ledger: new InMemoryDeploymentLedger() });
    expect(["DEPLOYMENT", "REMEDIATION", "CONFIG_CHANGE", "MAINTENANCE"].map((t) => registry.forType(t as OperationSnapshot["type"]).name)).toEqual(Array(4).fill("simulated-deployment"));
    expect(registry.forType("VERIFICATION").name).toBe("verification");
    expect(registry.forType("ROLLBACK").name).toBe("simulated-rollback");
  });

  it("refuses a type with no executor", () => {
    const registry = new ExecutorRegistry({ VERIFICATION: new VerificationExecutor({ signals: new ScriptedSignals() }) });
    expect(() => registry.forType("DEPLOYMENT")).toThrowError(expect.objectContaining({ code: "VALIDATION_FAILED", message: "No executor is configured for DEPLOYMENT operations" }));
    const replaced = registry.with("DEPLOYMENT", new VerificationExecutor({ signals: new ScriptedSignals() }));
    expect(replaced.has("DEPLOYMENT")).toBe(true);
    expect(registry.has("DEPLOYMENT")).toBe(false);
  });
});
