// Which combinations of gate results and conflicts pass, pause or block, run
// through the real orchestrator (Postgres, Redis, simulated signals).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_CONFLICT_POLICY } from "../../core/conflicts/policy";
import type { OperationExecutor } from "../../core/executors/ports";
import { DEFAULT_GATE_CONFIG } from "../../core/gates/gate-config";
import { openTestStore, type TestStore } from "../stores";
import { orchestratorFixture } from "../orchestrator";

type Fixture = Awaited<ReturnType<typeof orchestratorFixture>>;

describe("gate and conflict combinations", () => {
  let store: TestStore;
  let f: Fixture;
  let release: () => void = () => {};
  // Operations of this type stay IN_PROGRESS until `release()`: the in-flight side of a conflict.
  const held: OperationExecutor = {
    name: "held",
    execute: (ctx) =>
      new Promise((resolve, reject) => {
        const previous = release;
        release = () => {
          previous();
          resolve({ status: "SUCCEEDED", summary: "released", detail: {} });
        };
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
      }),
  };

  beforeEach(async () => {
    store = await openTestStore("postgres", "gate_combos", { poolSize: 8 });
    f = await orchestratorFixture({ db: store.db, config: { timeScale: 10_000 }, executors: { MAINTENANCE: held } });
    await f.orchestrator.start();
  });
  afterEach(async () => {
    release();
    release = () => {};
    await f?.close();
    await store?.close();
  });

  async function run(input: Record<string, unknown>) {
    const { operation } = await f.orchestrator.submit({ actor: "alice@example.com", params: {}, ...input });
    const done = await f.waitFor(operation.id, (op) => ["COMPLETED", "FAILED", "ROLLED_BACK", "CANCELLED", "PAUSED_FOR_HUMAN_REVIEW"].includes(op.state));
    return { op: done, path: (await f.store.listTransitions(operation.id)).map((t) => t.to), events: await f.auditOf(operation.id) };
  }

  it("healthy signals and no conflict: passes", async () => {
    const { op, path } = await run({ type: "DEPLOYMENT", service: "email-service", params: { version: "5" } });
    expect(op.result).toBe("SUCCESS");
    expect(path).toEqual(["INIT", "LOCKED", "SAFETY_CHECK", "IN_PROGRESS", "COMPLETED"]);
  });

  it("resource headroom below 20 %: blocked by the gate, the reason shows both figures", async () => {
    f.signals.set("email-service", { capacityHeadroomPct: 12 });
    const { op, path, events } = await run({ type: "DEPLOYMENT", service: "email-service", params: { version: "5" } });
    expect(op.result).toBe("BLOCKED_BY_GATE");
    expect(path).toEqual(["INIT", "LOCKED", "SAFETY_CHECK", "FAILED"]);
    expect(op.reason).toMatch(/12(\.0)?%.*20(\.0)?%/);
    expect(events.find((e) => e.category === "SAFETY_GATES")).toMatchObject({ severity: "ERROR", payload: { decision: "BLOCK", failedGates: ["RESOURCE_CAPACITY"] } });
  });

  it("an incident rate of 7/h, counted in the store: blocked", async () => {
    // INCIDENT_RATE reads Interlock's own incidents (docs/gates.md), not the signal source.
    for (let i = 0; i < 7; i++) {
      await store.db.query(
        `INSERT INTO incidents (id, key, service_id, title, status, severity, correlation_id, detected_at)
         SELECT gen_random_uuid(), $1, id, 'error spike', 'OPEN', 'ERROR', $1, now() - interval '10 minutes' FROM services WHERE name = 'search-service'`,
        [`INC-TEST-${i}`],
      );
    }
    const { op } = await run({ type: "DEPLOYMENT", service: "email-service", params: { version: "5" } });
    expect(op.result).toBe("BLOCKED_BY_GATE");
    expect(op.reason).toMatch(/Incident rate too high: 7\/h >= 5\/h/);
  });

  it("a pausing gate and a blocking gate together: the block wins", async () => {
    f.signals.set("email-service", { errorBudgetPct: 4, capacityHeadroomPct: 5 });
    const { op } = await run({ type: "DEPLOYMENT", service: "email-service", params: { version: "5" } });
    expect(op.result).toBe("BLOCKED_BY_GATE");
    expect(await f.store.pendingReview(op.id)).toBeNull();
  });

  it("signals unavailable: the gates fail closed and the reason names the outage", async () => {
    f.signals.setUnavailable("metrics backend unreachable");
    const { op } = await run({ type: "DEPLOYMENT", service: "email-service", params: { version: "5" } });
    expect(op.result).toBe("BLOCKED_BY_GATE");
    expect(op.reason).toContain("metrics backend unreachable");
  });

  it("a rollback during an exhausted error budget and an incident storm is not held back (those gates exempt it)", async () => {
    f.signals.set("email-service", { errorBudgetPct: 6 });
    const { op, events } = await run({ type: "ROLLBACK", service: "email-service", params: { to_version: "4" } });
    expect(op.state).toBe("COMPLETED");
    const gates = events.find((e) => e.category === "SAFETY_GATES")!.payload as { results: { gate: string; skipped: boolean }[] };
    expect(gates.results.filter((g) => g.skipped).map((g) => g.gate)).toEqual(["ERROR_BUDGET", "RECENT_FAILURES", "COOLDOWN", "INCIDENT_RATE"]);
    expect((await f.ledger.current("email-service"))?.version).toBe("4");
  });

  it("a verification is not gated, and fails when the service is unhealthy", async () => {
    f.signals.set("email-service", { errorRatePct: 9, errorBudgetPct: 9 });
    const { op, events } = await run({ type: "VERIFICATION", service: "email-service", params: { verification_type: "health_check" } });
    expect(op.state).toBe("FAILED");
    expect(op.result).toBe("FAILED");
    expect(events.find((e) => e.category === "VERIFICATION")).toMatchObject({ action: "verification.failed", severity: "ERROR" });
  });

  it("a HIGH DEPENDENCY conflict pauses for review with the conflict in the evidence, though every gate passes", async () => {
    const busy = await f.orchestrator.submit({ type: "MAINTENANCE", service: "invoice-service", actor: "ops-bot", params: { window: "nightly" } });
    await f.waitFor(busy.operation.id, (op) => op.state === "IN_PROGRESS");
    const { op, path } = await run({ type: "DEPLOYMENT", service: "payment-service", params: { version: "1.2.4" } });
    expect(path).toEqual(["INIT", "LOCKED", "SAFETY_CHECK", "PAUSED_FOR_HUMAN_REVIEW"]);
    const review = await f.store.pendingReview(op.id);
    expect(review?.severity).toBe("HIGH");
    const conflicts = review!.evidence.conflicts as { type: string; conflictingOperationIds: string[] }[];
    expect(conflicts.map((c) => c.type)).toContain("DEPENDENCY");
    expect(conflicts[0]!.conflictingOperationIds).toEqual([busy.operation.id]);
    expect((review!.evidence.gates as { passed: boolean }[]).every((g) => g.passed)).toBe(true);
  });

  it("a conflict that only warns (UPSTREAM) lets the operation run and records the conflict", async () => {
    const busy = await f.orchestrator.submit({ type: "MAINTENANCE", service: "payment-service", actor: "ops-bot", params: { window: "nightly" } });
    await f.waitFor(busy.operation.id, (op) => op.state === "IN_PROGRESS");
    const { op, events } = await run({ type: "DEPLOYMENT", service: "invoice-service", params: { version: "8" } });
    expect(op.state).toBe("COMPLETED");
    expect(events.find((e) => e.category === "CONFLICT_DETECTION")).toMatchObject({ payload: { type: "UPSTREAM", action: "WARN" } });
  });

  it("a pausing conflict and a blocking gate: blocked, no review", async () => {
    const busy = await f.orchestrator.submit({ type: "MAINTENANCE", service: "invoice-service", actor: "ops-bot", params: { window: "nightly" } });
    await f.waitFor(busy.operation.id, (op) => op.state === "IN_PROGRESS");
    f.signals.set("payment-service", { capacityHeadroomPct: 3 });
    const { op } = await run({ type: "DEPLOYMENT", service: "payment-service", params: { version: "1.2.4" } });
    expect(op.result).toBe("BLOCKED_BY_GATE");
    expect(await f.store.pendingReview(op.id)).toBeNull();
  });

  it("a canary whose error rate crosses the documented 2 % is rolled back automatically: IN_PROGRESS → ROLLED_BACK", async () => {
    f.signals.setCanary("email-service", { canary: { errorRatePct: 4.2 } });
    const { op, path, events } = await run({ type: "DEPLOYMENT", service: "email-service", params: { version: "6", strategy: "canary" } });
    expect(path).toEqual(["INIT", "LOCKED", "SAFETY_CHECK", "IN_PROGRESS", "ROLLED_BACK"]);
    expect(op.result).toBe("ROLLED_BACK");
    expect(events.find((e) => e.category === "DEPLOYMENT")).toMatchObject({ action: "deployment.rolled_back", severity: "WARNING" });
    expect(JSON.stringify(op.outcome)).toContain("4.2");
    expect((await f.ledger.current("email-service"))?.version ?? null).not.toBe("6");
  });

  it("a TIMING conflict delays the operation until the window has passed, and waiting is not counted as a failed attempt", async () => {
    await f.close();
    const policy = { ...DEFAULT_CONFLICT_POLICY, timingWindowSeconds: 1 };
    const gates = { gates: { ...DEFAULT_GATE_CONFIG.gates, COOLDOWN: { ...DEFAULT_GATE_CONFIG.gates.COOLDOWN, enabled: false } } };
    // maxAttempts 1: were a delay counted as an attempt, the second take-up would abandon the operation.
    f = await orchestratorFixture({ db: store.db, seedTopology: false, policy, gates, config: { timeScale: 10_000, maxAttempts: 1, pollMs: 100 } });
    await f.orchestrator.start();
    const first = await run({ type: "DEPLOYMENT", service: "sms-service", params: { version: "1" } });
    expect(first.op.state).toBe("COMPLETED");
    const { operation } = await f.orchestrator.submit({ type: "DEPLOYMENT", service: "sms-service", actor: "alice@example.com", params: { version: "2" } });
    const waiting = await f.waitFor(operation.id, (op) => op.reason !== null || op.state !== "INIT");
    expect(waiting.state).toBe("INIT");
    expect(waiting.reason).toMatch(/^Waiting until .*1 s window/);
    const done = await f.waitFor(operation.id);
    expect(done.state).toBe("COMPLETED");
    expect(done.attempt).toBe(1);
  });
});
