// The reference workflows 1-4 (docs/specification.md#reference-workflows) against the real orchestrator: Postgres store,
// Redis locks, the audit chain, simulated signals and executors. Each asserts
// the exact state sequence, the result and the audit categories written.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_CONFLICT_POLICY, parseConflictPolicy } from "../../core/conflicts/policy";
import type { ExecutionContext, OperationExecutor } from "../../core/executors/ports";
import { isAppError } from "../../core/errors";
import { openTestStore, type TestStore } from "../stores";
import { orchestratorFixture } from "../orchestrator";

type Fixture = Awaited<ReturnType<typeof orchestratorFixture>>;

/** An executor that holds until the test lets it go: keeps an operation IN_PROGRESS on purpose. */
function heldExecutor() {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const started: string[] = [];
  const executor: OperationExecutor = {
    name: "held",
    async execute(ctx: ExecutionContext) {
      started.push(ctx.operation.id);
      await Promise.race([gate, new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)))]);
      return { status: "SUCCEEDED", summary: "released by the test", detail: {} };
    },
  };
  return { executor, release, started };
}

async function statesOf(f: Fixture, id: string) {
  return (await f.store.listTransitions(id)).map((t) => t.to);
}

describe("the reference workflows (Postgres + Redis)", () => {
  let store: TestStore;
  let f: Fixture;

  // A database per workflow: one workflow's operations must not be another's conflicts.
  beforeEach(async () => {
    store = await openTestStore("postgres", "workflows", { poolSize: 8 });
  });
  afterEach(async () => {
    await f?.close();
    // The claim finds work by finished_at IS NULL (operations_claimable_idx): every
    // operation the workflow left must have finished_at set exactly when its state is final.
    const mismatched = await store.db.query<{ id: string; state: string }>(
      `SELECT id::text AS id, state::text AS state FROM operations
       WHERE (finished_at IS NULL) <> (state IN ('INIT','LOCKED','SAFETY_CHECK','IN_PROGRESS','PAUSED_FOR_HUMAN_REVIEW'))`,
    );
    await store?.close();
    expect(mismatched).toEqual([]);
  });

  async function start(options: Partial<Parameters<typeof orchestratorFixture>[0]> = {}) {
    f = await orchestratorFixture({ db: store.db, config: { timeScale: 10_000 }, ...options });
    await f.orchestrator.start();
    return f;
  }

  it("workflow 1: a deployment passes every gate and completes", async () => {
    await start();
    const { operation, result } = await f.orchestrator.submit({ type: "DEPLOYMENT", service: "payment-service", actor: "alice@example.com", params: { version: "1.2.3", strategy: "canary" } });
    expect(result).toBe("ACCEPTED");
    expect(operation.state).toBe("INIT");
    const done = await f.waitFor(operation.id);
    expect(done.reason).toBeNull();
    expect(done.state).toBe("COMPLETED");
    expect(done.result).toBe("SUCCESS");
    expect(await statesOf(f, operation.id)).toEqual(["INIT", "LOCKED", "SAFETY_CHECK", "IN_PROGRESS", "COMPLETED"]);

    const events = await f.auditOf(operation.id);
    expect(events.map((e) => `${e.category}:${e.action}`)).toEqual([
      "STATE_TRANSITION:operation.submitted",
      "LOCK_OPERATION:lock.acquired",
      "STATE_TRANSITION:operation.transition", // INIT → LOCKED
      "STATE_TRANSITION:operation.transition", // LOCKED → SAFETY_CHECK
      "SAFETY_GATES:safety_gates.checked",
      "STATE_TRANSITION:operation.transition", // SAFETY_CHECK → IN_PROGRESS
      "DEPLOYMENT:deployment.succeeded",
      "STATE_TRANSITION:operation.transition", // IN_PROGRESS → COMPLETED
      "LOCK_OPERATION:lock.released",
    ]);
    const gates = events.find((e) => e.category === "SAFETY_GATES")!.payload as { allPassed: boolean; results: { gate: string; passed: boolean }[] };
    expect(gates.allPassed).toBe(true);
    expect(gates.results.map((r) => r.gate)).toEqual(["ERROR_BUDGET", "BLAST_RADIUS", "RECENT_FAILURES", "COOLDOWN", "RESOURCE_CAPACITY", "INCIDENT_RATE"]);
    // The canary ran its three steps and the new version is live, written under the fencing token of the SERVICE lock.
    expect((await f.store.listSteps(operation.id)).map((s) => s.name)).toEqual(expect.arrayContaining([expect.stringContaining("10"), expect.stringContaining("50"), expect.stringContaining("100")]));
    const acquired = events.find((e) => e.action === "lock.acquired")!.payload as { fencingToken: string; scope: string };
    expect(acquired.scope).toBe("SERVICE");
    const live = await f.ledger.current("payment-service");
    expect(live?.version).toBe("1.2.3");
    expect(live?.fencingToken.toString()).toBe(acquired.fencingToken);
    expect((await f.lockStore.snapshot()).locks).toEqual([]);
    expect((await f.audit.verify()).valid).toBe(true);
  });

  it("workflow 2 with DIRECT set to BLOCK: a second change of a service with one in progress is refused by a DIRECT conflict", async () => {
    const held = heldExecutor();
    // The default queues it instead (docs/conflicts.md, service-line tests); BLOCK stays available.
    await start({ executors: { DEPLOYMENT: held.executor, REMEDIATION: held.executor }, policy: parseConflictPolicy({ rules: { DIRECT: { action: "BLOCK" } } }) });
    const first = await f.orchestrator.submit({ type: "DEPLOYMENT", service: "payment-service", actor: "alice@example.com", params: { version: "3.1.0" } });
    await f.waitFor(first.operation.id, (op) => op.state === "IN_PROGRESS");
    const second = await f.orchestrator.submit({ type: "REMEDIATION", service: "payment-service", actor: "auto-healing-system", actorKind: "AUTOMATION", params: { fix: "null-check" } });
    const blocked = await f.waitFor(second.operation.id);
    expect(blocked.state).toBe("FAILED");
    expect(blocked.result).toBe("BLOCKED_BY_CONFLICT");
    expect(blocked.reason).toContain(first.operation.id);
    expect(await statesOf(f, second.operation.id)).toEqual(["INIT", "FAILED"]);
    const events = await f.auditOf(second.operation.id);
    const conflict = events.find((e) => e.category === "CONFLICT_DETECTION")!;
    expect(conflict.severity).toBe("CRITICAL");
    expect(conflict.payload).toMatchObject({ type: "DIRECT", action: "BLOCK", conflictingOperations: [first.operation.id] });
    expect(events.map((e) => e.category)).toEqual(["STATE_TRANSITION", "CONFLICT_DETECTION", "STATE_TRANSITION"]);
    expect(held.started).toEqual([first.operation.id]); // the blocked one never ran
    held.release();
    expect((await f.waitFor(first.operation.id)).state).toBe("COMPLETED");
  });

  it("workflow 3: an exhausted error budget pauses for review; the requester cannot approve; another approver resumes it", async () => {
    await start();
    f.signals.set("user-service", { errorBudgetPct: 2.5 });
    const { operation } = await f.orchestrator.submit({ type: "DEPLOYMENT", service: "user-service", actor: "bob@example.com", params: { version: "2.0.0" } });
    const paused = await f.waitFor(operation.id, (op) => op.state === "PAUSED_FOR_HUMAN_REVIEW");
    expect(paused.result).toBe("PAUSED_FOR_REVIEW");
    expect(paused.reason).toContain("Error budget exhausted: 2.5% > 2.0%");
    const review = await f.store.pendingReview(operation.id);
    expect(review).toMatchObject({ status: "PENDING", severity: "HIGH" });
    expect(review!.escalationPlan.map((l) => l.level)).toEqual([1, 2, 3]);
    expect((review!.evidence.gates as { gate: string; passed: boolean }[]).find((g) => g.gate === "ERROR_BUDGET")).toMatchObject({ passed: false, observed: 2.5, threshold: 2 });
    // While paused it holds no lock (a rollback must not wait behind a review).
    expect((await f.lockStore.snapshot()).locks).toEqual([]);

    const own = await f.orchestrator.decide({ operationId: operation.id, decision: "APPROVE", actor: "bob@example.com" }).catch((e: unknown) => e);
    expect(isAppError(own) && own.code).toBe("FORBIDDEN");

    const decision = await f.orchestrator.decide({ operationId: operation.id, decision: "APPROVE", actor: "alice@example.com", approvalId: "APPROVE-99887", notes: "Errors from different service - safe to deploy", evidenceHash: review!.evidenceHash });
    expect(decision.approvalId).toBe("APPROVE-99887");
    const done = await f.waitFor(operation.id);
    expect(done.state).toBe("COMPLETED");
    expect(done.result).toBe("SUCCESS");
    const transitions = await f.store.listTransitions(operation.id);
    expect(transitions.map((t) => t.to)).toEqual(["INIT", "LOCKED", "SAFETY_CHECK", "PAUSED_FOR_HUMAN_REVIEW", "IN_PROGRESS", "COMPLETED"]);
    expect(transitions[4]).toMatchObject({ actor: "alice@example.com", metadata: { approvalId: "APPROVE-99887", notes: "Errors from different service - safe to deploy" } });

    const events = await f.auditOf(operation.id);
    const categories = events.map((e) => `${e.category}:${e.action}`);
    expect(categories).toContain("SAFETY_GATES:safety_gates.checked");
    expect(categories).toContain("MANUAL_INTERVENTION:review.requested");
    expect(categories).toContain("MANUAL_INTERVENTION:review.approved");
    expect(categories.filter((c) => c === "LOCK_OPERATION:lock.acquired")).toHaveLength(2);
    const tokens = events.filter((e) => e.action === "lock.acquired").map((e) => BigInt((e.payload as { fencingToken: string }).fencingToken));
    expect(tokens[1]! > tokens[0]!).toBe(true);
    expect(events.find((e) => e.action === "review.approved")).toMatchObject({ actor: "alice@example.com", payload: { approvalId: "APPROVE-99887", evidenceHash: review!.evidenceHash } });
  });

  it("workflow 4: two deployments that both need the shared database run one after the other, locks taken SYSTEM before SERVICE", async () => {
    // Workflow 4 is about lock ordering; let the shared-database conflict warn instead of pausing.
    const policy = { ...DEFAULT_CONFLICT_POLICY, rules: { ...DEFAULT_CONFLICT_POLICY.rules, SHARED_RESOURCE: { enabled: true, severity: "HIGH" as const, action: "WARN" as const }, DEPENDENCY: { enabled: true, severity: "HIGH" as const, action: "WARN" as const } } };
    const intervals = new Map<string, { start: number; end: number; dbToken: bigint }>();
    const slow: OperationExecutor = {
      name: "slow",
      async execute(ctx) {
        ctx.assertFenced();
        const start = performance.now();
        await new Promise((resolve) => setTimeout(resolve, 300));
        intervals.set(ctx.operation.id, { start, end: performance.now(), dbToken: ctx.fences.find((fence) => fence.key.resource === "postgres-db")!.fencingToken });
        return { status: "SUCCEEDED", summary: "schema change applied", detail: {} };
      },
    };
    await start({ policy, executors: { DEPLOYMENT: slow } });
    const [a, b] = await Promise.all([
      f.orchestrator.submit({ type: "DEPLOYMENT", service: "payment-service", actor: "alice@example.com", params: { version: "1.3.0", schemaChange: true }, systemLocks: ["postgres-db"] }),
      f.orchestrator.submit({ type: "DEPLOYMENT", service: "user-service", actor: "bob@example.com", params: { version: "2.1.0", schemaChange: true }, systemLocks: ["postgres-db"] }),
    ]);
    const [doneA, doneB] = await Promise.all([f.waitFor(a.operation.id), f.waitFor(b.operation.id)]);
    expect([doneA.state, doneB.state]).toEqual(["COMPLETED", "COMPLETED"]);
    const lockEvents = [...(await f.auditOf(a.operation.id)), ...(await f.auditOf(b.operation.id))].filter((e) => e.category === "LOCK_OPERATION").sort((x, y) => x.seq - y.seq);
    // Each operation asked for SYSTEM postgres-db before its SERVICE lock.
    for (const id of [a.operation.id, b.operation.id]) {
      const acquired = lockEvents.filter((e) => e.operationId === id && e.action === "lock.acquired").map((e) => (e.payload as { scope: string }).scope);
      expect(acquired).toEqual(["SYSTEM", "SERVICE"]);
    }
    // The two schema changes ran one after the other, never together, each under its own fencing token.
    const [first, second] = [...intervals.values()].sort((x, y) => x.start - y.start);
    expect(second!.start).toBeGreaterThanOrEqual(first!.end);
    expect(second!.dbToken > first!.dbToken).toBe(true);
    const db = lockEvents.filter((e) => (e.payload as { resource: string }).resource === "postgres-db");
    expect(db.map((e) => e.action).sort()).toEqual(["lock.acquired", "lock.acquired", "lock.released", "lock.released"]);
    // And acquiring out of order is refused with a message naming both locks.
    const holder = "workflow-4-check";
    await f.locks.acquire(holder, { scope: "DEPLOYMENT", resource: "payment-service" });
    const violation = await f.locks.acquire(holder, { scope: "SERVICE", resource: "payment-service" }).catch((e: unknown) => e);
    expect(isAppError(violation) && violation.code).toBe("LOCK_ORDER_VIOLATION");
    expect(String((violation as Error).message)).toMatch(/DEPLOYMENT.*SERVICE|SERVICE.*DEPLOYMENT/);
    await f.locks.releaseAll(holder);
  });
});

describe("the embedded default (PGlite, locks in the store)", () => {
  it("runs workflow 1 and workflow 3 end to end", async () => {
    const store = await openTestStore("pglite", "embedded");
    const f = await orchestratorFixture({ db: store.db, locks: "store", config: { timeScale: 10_000 } });
    try {
      await f.orchestrator.start();
      const ok = await f.orchestrator.submit({ type: "DEPLOYMENT", service: "payment-service", actor: "alice@example.com", params: { version: "1.2.3" } });
      f.signals.set("user-service", { errorBudgetPct: 2.5 });
      const paused = await f.orchestrator.submit({ type: "DEPLOYMENT", service: "user-service", actor: "bob@example.com", params: { version: "2.0.0" } });
      expect((await f.waitFor(ok.operation.id)).state).toBe("COMPLETED");
      expect(await statesOf(f, ok.operation.id)).toEqual(["INIT", "LOCKED", "SAFETY_CHECK", "IN_PROGRESS", "COMPLETED"]);
      await f.waitFor(paused.operation.id, (op) => op.state === "PAUSED_FOR_HUMAN_REVIEW");
      await f.orchestrator.decide({ operationId: paused.operation.id, decision: "APPROVE", actor: "alice@example.com", notes: "ok" });
      expect((await f.waitFor(paused.operation.id)).state).toBe("COMPLETED");
      expect((await f.lockStore.snapshot()).locks).toEqual([]);
      expect((await f.audit.verify()).valid).toBe(true);
    } finally {
      await f.close();
      await store.close();
    }
  });

  // PGlite has one connection: a store read while cancel's transaction was open used to wait for it forever.
  it("cancels a paused operation", async () => {
    const store = await openTestStore("pglite", "embedded_cancel");
    const f = await orchestratorFixture({ db: store.db, locks: "store", config: { timeScale: 10_000 } });
    try {
      await f.orchestrator.start();
      f.signals.set("user-service", { errorBudgetPct: 2.5 });
      const paused = await f.orchestrator.submit({ type: "DEPLOYMENT", service: "user-service", actor: "bob@example.com", params: { version: "2.0.1" } });
      await f.waitFor(paused.operation.id, (op) => op.state === "PAUSED_FOR_HUMAN_REVIEW");
      const cancelled = await f.orchestrator.cancel({ operationId: paused.operation.id, actor: "bob@example.com", reason: "not today" });
      expect(cancelled.state).toBe("CANCELLED");
      expect((await f.store.get(paused.operation.id))?.result).toBe("CANCELLED");
      expect((await f.store.latestDecidedReview(paused.operation.id))?.status).toBe("CANCELLED");
      expect((await f.audit.verify()).valid).toBe(true);
    } finally {
      await f.close();
      await store.close();
    }
  });
});
