// Safety in a real incident (docs/lifecycle.md), through the real orchestrator:
// Postgres store, Redis locks, the audit chain, simulated signals and executors.
// Rollbacks go first; running work can be paused, resumed and aborted; approvals
// act on fresh evidence; changes to one service wait in line; a plan says what a
// submission would do and writes nothing.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_CONFLICT_POLICY, parseConflictPolicy } from "../../core/conflicts/policy";
import { refusal } from "../refusal";
import type { ExecutionContext, OperationExecutor } from "../../core/executors/ports";
import { DEFAULT_GATE_CONFIG, parseGateConfig } from "../../core/gates/gate-config";
import { openTestStore, type TestStore } from "../stores";
import { orchestratorFixture } from "../orchestrator";

type Fixture = Awaited<ReturnType<typeof orchestratorFixture>>;

/** An executor that stays IN_PROGRESS until released, and records how many of its runs overlapped. */
function heldExecutor() {
  const waiting = new Map<string, () => void>();
  const started: string[] = [];
  let running = 0;
  let maxConcurrent = 0;
  const executor: OperationExecutor = {
    name: "held",
    execute: (ctx: ExecutionContext) =>
      new Promise((resolve, reject) => {
        started.push(ctx.operation.id);
        running += 1;
        maxConcurrent = Math.max(maxConcurrent, running);
        const done = (fn: () => void) => {
          running -= 1;
          waiting.delete(ctx.operation.id);
          fn();
        };
        waiting.set(ctx.operation.id, () => done(() => resolve({ status: "SUCCEEDED", summary: "released", detail: {} })));
        ctx.signal.addEventListener("abort", () => done(() => reject(ctx.signal.reason)), { once: true });
      }),
  };
  return {
    executor,
    started,
    get maxConcurrent() {
      return maxConcurrent;
    },
    release(id: string) {
      waiting.get(id)?.();
    },
  };
}


describe("safety in a real incident (Postgres + Redis)", () => {
  let store: TestStore;
  let f: Fixture;

  beforeEach(async () => {
    store = await openTestStore("postgres", "incident_safety", { poolSize: 8 });
  });
  afterEach(async () => {
    await f?.close();
    await store?.close();
  });

  async function start(options: Partial<Parameters<typeof orchestratorFixture>[0]> = {}) {
    f = await orchestratorFixture({ db: store.db, config: { timeScale: 10_000, queueRecheckMs: 500 }, ...options });
    await f.orchestrator.start();
    return f;
  }

  const stepsOf = async (id: string) => (await f.store.listSteps(id)).map((s) => `${s.name}:${s.outcome}`);

  it("a paused deploy does not hold back a rollback of its service: the rollback completes first and the deploy's evidence is refreshed", async () => {
    await start();
    const deploy = await f.orchestrator.submit({ type: "DEPLOYMENT", service: "payment-service", actor: "alice@example.com", params: { version: "2.0.0", reviewRequired: "first deploy of the new ledger" } });
    const paused = await f.waitFor(deploy.operation.id, (op) => op.state === "PAUSED_FOR_HUMAN_REVIEW");
    const before = await f.store.pendingReview(paused.id);
    expect(before?.evidence.causes).toEqual([{ kind: "requested", text: "Review requested at submission: first deploy of the new ledger" }]);

    const rollback = await f.orchestrator.submit({ type: "ROLLBACK", service: "payment-service", actor: "oncall@example.com", params: { toVersion: "1.9.0" } });
    const done = await f.waitFor(rollback.operation.id);
    expect(done.state).toBe("COMPLETED");
    expect(done.result).toBe("SUCCESS");
    expect((await f.ledger.current("payment-service"))?.version).toBe("1.9.0");

    const still = await f.store.get(deploy.operation.id);
    expect(still?.state).toBe("PAUSED_FOR_HUMAN_REVIEW");
    // The rollback changed the service under it: its evidence was re-evaluated (a TIMING conflict with the rollback now).
    const after = await f.store.pendingReview(deploy.operation.id);
    expect(after!.evaluatedAt!.getTime()).toBeGreaterThan(before!.evaluatedAt!.getTime());
    expect(after!.evidenceHash).not.toBe(before!.evidenceHash);
    expect(JSON.stringify(after!.evidence.conflicts)).toContain(rollback.operation.id);
    const refreshed = (await f.auditOf(deploy.operation.id)).filter((e) => e.action === "review.evidence_refreshed");
    expect(refreshed).toHaveLength(1);
    expect((await f.audit.verify()).valid).toBe(true);
  });

  it("a rollback preempts a long canary: the canary stops at its next step, its late write is refused by fencing, the rollback completes", async () => {
    // Each canary step bakes 5 simulated minutes: 10 s here, so the canary would run 30 s.
    await start({ config: { timeScale: 30, queueRecheckMs: 500 } });
    const deploy = await f.orchestrator.submit({ type: "DEPLOYMENT", service: "payment-service", actor: "alice@example.com", params: { version: "3.0.0" } });
    await f.waitFor(deploy.operation.id, (op) => op.state === "IN_PROGRESS");
    const grant = (await f.auditOf(deploy.operation.id)).find((e) => e.action === "lock.acquired")!.payload as { fencingToken: string };

    const rollback = await f.orchestrator.submit({ type: "ROLLBACK", service: "payment-service", actor: "oncall@example.com", params: { toVersion: "2.9.0" } });
    const done = await f.waitFor(rollback.operation.id);
    expect(done.state).toBe("COMPLETED");

    const victim = await f.waitFor(deploy.operation.id);
    expect(victim.state).toBe("FAILED");
    expect(victim.result).toBe("SUPERSEDED");
    expect(victim.preemptedBy).toBe(rollback.operation.id);
    expect(victim.reason).toContain(rollback.operation.id);
    // Stopped before it promoted: the canary never reached all traffic.
    expect(await stepsOf(deploy.operation.id)).not.toContain("promote:PASSED");
    expect((await f.ledger.current("payment-service"))?.version).toBe("2.9.0");
    // Whatever the stopped canary still tries to write carries its old token and is refused.
    const late = await f.ledger.record({ service: "payment-service", version: "3.0.0", operationId: deploy.operation.id, fencingToken: BigInt(grant.fencingToken) });
    expect(late.accepted).toBe(false);

    const events = await f.auditOf(deploy.operation.id);
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(["operation.preempted", "lock.revoked"]));
    const rollbackConflicts = (await f.auditOf(rollback.operation.id)).filter((e) => e.action === "conflict.detected").map((e) => e.payload);
    expect(rollbackConflicts).toContainEqual(expect.objectContaining({ type: "DIRECT", action: "SUPERSEDE", conflictingOperations: [deploy.operation.id] }));
    expect((await f.audit.verify()).valid).toBe(true);
  });

  it("pause holds a running canary between steps; resume continues after its last step; abort rolls the partial rollout back", async () => {
    await start({ config: { timeScale: 60, queueRecheckMs: 500 } });
    const op = await f.orchestrator.submit({ type: "DEPLOYMENT", service: "tax-service", actor: "alice@example.com", params: { version: "5.0.0" } });
    await f.waitFor(op.operation.id, (o) => o.state === "IN_PROGRESS");
    await expect.poll(() => stepsOf(op.operation.id), { timeout: 20_000 }).toContain("canary 10%:PASSED");

    expect((await refusal(f.orchestrator.pause({ operationId: op.operation.id, actor: "bob@example.com", reason: "" }))).code).toBe("VALIDATION_FAILED");
    const requested = await f.orchestrator.pause({ operationId: op.operation.id, actor: "bob@example.com", reason: "error spike on checkout, holding" });
    expect(requested.control).toMatchObject({ action: "PAUSE", by: "bob@example.com" });
    const paused = await f.waitFor(op.operation.id, (o) => o.state === "PAUSED_FOR_HUMAN_REVIEW");
    expect(paused.control).toBeNull();
    expect(paused.startedAt).not.toBeNull();
    expect(await stepsOf(op.operation.id)).not.toContain("promote:PASSED");
    const review = await f.store.pendingReview(op.operation.id);
    expect(review?.reason).toContain("Paused by bob@example.com while it ran: error spike on checkout, holding");
    // Paused part-way: cancelling would leave it half done, and a plain rejection too.
    expect((await refusal(f.orchestrator.cancel({ operationId: op.operation.id, actor: "alice@example.com" }))).code).toBe("INVALID_TRANSITION");

    const resumed = await f.orchestrator.resume({ operationId: op.operation.id, actor: "bob@example.com", reason: "spike was unrelated" });
    expect(resumed.review.status).toBe("APPROVED");
    const done = await f.waitFor(op.operation.id);
    expect(done.state).toBe("COMPLETED");
    expect(done.result).toBe("SUCCESS");
    expect(done.resumes).toBe(1);
    const steps = await stepsOf(op.operation.id);
    expect(steps.filter((s) => s === "canary 10%:PASSED")).toHaveLength(1); // not repeated after the resume
    expect(steps).toContain("promote:PASSED");

    const second = await f.orchestrator.submit({ type: "DEPLOYMENT", service: "geo-service", actor: "alice@example.com", params: { version: "7.0.0" } });
    await f.waitFor(second.operation.id, (o) => o.state === "IN_PROGRESS");
    await f.orchestrator.abort({ operationId: second.operation.id, actor: "bob@example.com", reason: "wrong build" });
    const aborted = await f.waitFor(second.operation.id);
    expect(aborted.state).toBe("ROLLED_BACK");
    expect(aborted.result).toBe("ROLLED_BACK");
    expect(aborted.reason).toContain("Aborted by bob@example.com: wrong build");
    const transitions = (await f.store.listTransitions(second.operation.id)).map((t) => t.to);
    expect(transitions.slice(-2)).toEqual(["FAILED", "ROLLED_BACK"]);
    expect(await stepsOf(second.operation.id)).toContain("rollback:PASSED");
    expect((await f.ledger.current("geo-service"))?.version ?? null).not.toBe("7.0.0");
    const actions = (await f.auditOf(second.operation.id)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["operation.abort_requested", "operation.aborted"]));
    expect((await f.audit.verify()).valid).toBe(true);
  });

  it("an approval acts on fresh evidence: tightened gates or a dependency now deploying refuse it with 409 naming the change", async () => {
    const held = heldExecutor();
    await start({ executors: { MAINTENANCE: held.executor } });
    const op = await f.orchestrator.submit({ type: "DEPLOYMENT", service: "payment-service", actor: "alice@example.com", params: { version: "4.0.0", reviewRequired: true } });
    await f.waitFor(op.operation.id, (o) => o.state === "PAUSED_FOR_HUMAN_REVIEW");
    const shown = (await f.store.pendingReview(op.operation.id))!;

    // An admin tightened the error budget meanwhile.
    f.setGates(parseGateConfig({ gates: { ERROR_BUDGET: { threshold: 0.1 } } }));
    const tightened = await refusal(f.orchestrator.decide({ operationId: op.operation.id, decision: "APPROVE", actor: "bob@example.com", evidenceHash: shown.evidenceHash }));
    expect(tightened.code).toBe("CONFLICT");
    expect(tightened.details.changes).toEqual(expect.arrayContaining([expect.stringContaining("ERROR_BUDGET now fails")]));
    expect((await f.store.get(op.operation.id))?.state).toBe("PAUSED_FOR_HUMAN_REVIEW");
    const second = (await f.store.pendingReview(op.operation.id))!;
    expect(second.evidenceHash).toBe(tightened.details.evidenceHash);
    expect(second.evidenceHash).not.toBe(shown.evidenceHash);
    // The hash the approver was first shown is stale now.
    expect((await refusal(f.orchestrator.decide({ operationId: op.operation.id, decision: "APPROVE", actor: "bob@example.com", evidenceHash: shown.evidenceHash }))).details.changes).toBeDefined();
    f.setGates(DEFAULT_GATE_CONFIG);

    // A dependency of payment-service started a change meanwhile.
    const dependency = await f.orchestrator.submit({ type: "MAINTENANCE", service: "invoice-service", actor: "carol@example.com", params: { window: "db-vacuum" } });
    await f.waitFor(dependency.operation.id, (o) => o.state === "IN_PROGRESS");
    const current = (await f.store.pendingReview(op.operation.id))!;
    const moved = await refusal(f.orchestrator.decide({ operationId: op.operation.id, decision: "APPROVE", actor: "bob@example.com", evidenceHash: current.evidenceHash }));
    expect(moved.code).toBe("CONFLICT");
    expect(moved.details.changes).toEqual(expect.arrayContaining([expect.stringContaining("New DEPENDENCY conflict")]));
    expect(moved.message).toContain(dependency.operation.id);
    expect((await f.store.get(op.operation.id))?.state).toBe("PAUSED_FOR_HUMAN_REVIEW");
    expect((await f.auditOf(op.operation.id)).filter((e) => e.action === "review.evidence_refreshed")).toHaveLength(2);

    // Seen and accepted: approving the evidence as it now stands goes through.
    const latest = (await f.store.pendingReview(op.operation.id))!;
    const approved = await f.orchestrator.decide({ operationId: op.operation.id, decision: "APPROVE", actor: "bob@example.com", evidenceHash: latest.evidenceHash });
    expect(approved.review.status).toBe("APPROVED");
    held.release(dependency.operation.id);
    const done = await f.waitFor(op.operation.id);
    expect(done.state).toBe("COMPLETED");
    expect(done.result).toBe("SUCCESS");
    expect(done.resumes).toBe(1);
  });

  it("three deploys of one service wait in line (positions reported, never overlapping); two verifications share the service", async () => {
    const held = heldExecutor();
    const verify = heldExecutor();
    // The timing window and the cooldown have tests of their own; here the line alone decides.
    await start({
      executors: { DEPLOYMENT: held.executor, VERIFICATION: verify.executor },
      policy: parseConflictPolicy({ timingWindowSeconds: 0 }),
      gates: parseGateConfig({ gates: { COOLDOWN: { enabled: false } } }),
    });
    const ids: string[] = [];
    for (const version of ["1", "2", "3"]) ids.push((await f.orchestrator.submit({ type: "DEPLOYMENT", service: "tax-service", actor: "alice@example.com", params: { version } })).operation.id);
    const [a, b, c] = ids as [string, string, string];
    await f.waitFor(a, (o) => o.state === "IN_PROGRESS");
    const bWaiting = await f.waitFor(b, (o) => o.queuedAt !== null && /position 2/.test(o.reason ?? ""));
    expect(bWaiting.state).toBe("INIT");
    expect(bWaiting.reason).toContain(a);
    await f.waitFor(c, (o) => o.queuedAt !== null && /position 3/.test(o.reason ?? ""));

    held.release(a);
    await f.waitFor(b, (o) => o.state === "IN_PROGRESS");
    await f.waitFor(c, (o) => /position 2/.test(o.reason ?? ""));
    held.release(b);
    await f.waitFor(c, (o) => o.state === "IN_PROGRESS");
    held.release(c);
    for (const id of ids) expect((await f.waitFor(id)).state).toBe("COMPLETED");
    expect(held.started).toEqual(ids);
    expect(held.maxConcurrent).toBe(1);
    const queued = (await f.auditOf(c)).filter((e) => e.action === "operation.queued").map((e) => (e.payload as { position: number }).position);
    expect(queued).toEqual([3, 2]);

    // Two verifications are not a conflict: both run at once (SHARED locks).
    const v1 = await f.orchestrator.submit({ type: "VERIFICATION", service: "tax-service", actor: "ci", actorKind: "AUTOMATION", params: { check: "smoke" } });
    const v2 = await f.orchestrator.submit({ type: "VERIFICATION", service: "tax-service", actor: "ci", actorKind: "AUTOMATION", params: { check: "synthetic" } });
    await f.waitFor(v1.operation.id, (o) => o.state === "IN_PROGRESS");
    await f.waitFor(v2.operation.id, (o) => o.state === "IN_PROGRESS");
    expect(verify.maxConcurrent).toBe(2);
    expect((await f.auditOf(v2.operation.id)).filter((e) => e.action === "conflict.detected")).toEqual([]);
    verify.release(v1.operation.id);
    verify.release(v2.operation.id);
  });

  it("SUPERSEDE: a newer deploy replaces an older one that has not started; the older ends SUPERSEDED naming it", async () => {
    const held = heldExecutor();
    await start({
      executors: { DEPLOYMENT: held.executor },
      policy: parseConflictPolicy({ timingWindowSeconds: 0, rules: { DIRECT: { action: "SUPERSEDE" } } }),
      gates: parseGateConfig({ gates: { COOLDOWN: { enabled: false } } }),
    });
    const running = await f.orchestrator.submit({ type: "DEPLOYMENT", service: "geo-service", actor: "alice@example.com", params: { version: "1" } });
    await f.waitFor(running.operation.id, (o) => o.state === "IN_PROGRESS");
    const older = await f.orchestrator.submit({ type: "DEPLOYMENT", service: "geo-service", actor: "alice@example.com", params: { version: "2" } });
    await f.waitFor(older.operation.id, (o) => o.queuedAt !== null);
    const newer = await f.orchestrator.submit({ type: "DEPLOYMENT", service: "geo-service", actor: "bob@example.com", params: { version: "3" } });
    const superseded = await f.waitFor(older.operation.id);
    expect(superseded.state).toBe("CANCELLED");
    expect(superseded.result).toBe("SUPERSEDED");
    expect(superseded.reason).toContain(newer.operation.id);
    await f.waitFor(newer.operation.id, (o) => /position 2/.test(o.reason ?? ""));
    held.release(running.operation.id);
    await f.waitFor(newer.operation.id, (o) => o.state === "IN_PROGRESS");
    held.release(newer.operation.id);
    expect((await f.waitFor(newer.operation.id)).state).toBe("COMPLETED");
    expect(held.started).toEqual([running.operation.id, newer.operation.id]);
    expect((await f.auditOf(older.operation.id)).map((e) => e.action)).toContain("operation.superseded");
  });

  it("a plan gives the verdict the submission then gets, for each verdict, and writes nothing", async () => {
    const held = heldExecutor();
    await start({ executors: { MAINTENANCE: held.executor }, policy: { ...DEFAULT_CONFLICT_POLICY, timingWindowSeconds: 300 } });
    // What a plan could write: an operation, an audit event that belongs to no
    // operation already submitted, a lock lease. The worker goes on finishing the
    // earlier submissions meanwhile (their events are not the plan's), so the count
    // is taken once the store has been still for a moment.
    const counts = async () =>
      (
        await store.db.query<{ ops: string; events: string; locks: string }>(
          `SELECT (SELECT count(*) FROM operations)::text AS ops,
                  (SELECT count(*) FROM audit_events e WHERE e.operation_id IS NULL OR NOT EXISTS (SELECT 1 FROM operations o WHERE o.id = e.operation_id))::text AS events,
                  (SELECT count(*) FROM lock_leases)::text AS locks`,
        )
      )[0];
    const settledCounts = async () => {
      let last = await counts();
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        const next = await counts();
        if (JSON.stringify(next) === JSON.stringify(last)) return next;
        last = next;
      }
    };
    const planThenSubmit = async (input: Record<string, unknown>) => {
      const before = await settledCounts();
      const plan = await f.orchestrator.plan({ actor: "alice@example.com", ...input });
      expect(await counts()).toEqual(before);
      const submitted = await f.orchestrator.submit({ actor: "alice@example.com", ...input });
      return { plan, submitted };
    };

    // RUN
    const run = await planThenSubmit({ type: "DEPLOYMENT", service: "geo-service", params: { version: "1" } });
    expect(run.plan.verdict).toBe("RUN");
    expect(run.plan.gates.map((g) => g.gate)).toHaveLength(6);
    expect(run.plan.locks).toEqual([expect.objectContaining({ scope: "SERVICE", resource: "geo-service", mode: "EXCLUSIVE", holders: [] })]);
    expect((await f.waitFor(run.submitted.operation.id)).state).toBe("COMPLETED");

    // DELAY: geo-service just finished a change, inside the timing window.
    const delay = await planThenSubmit({ type: "DEPLOYMENT", service: "geo-service", params: { version: "2" } });
    expect(delay.plan.verdict).toBe("DELAY");
    expect(delay.plan.notBefore).not.toBeNull();
    expect((await f.waitFor(delay.submitted.operation.id, (o) => /^Waiting until/.test(o.reason ?? ""))).state).toBe("INIT");
    await f.orchestrator.cancel({ operationId: delay.submitted.operation.id, actor: "alice@example.com" });

    // QUEUE behind a running change of the same service.
    const first = await f.orchestrator.submit({ type: "MAINTENANCE", service: "warehouse-service", actor: "carol@example.com", params: { window: "a" } });
    await f.waitFor(first.operation.id, (o) => o.state === "IN_PROGRESS");
    const queue = await planThenSubmit({ type: "MAINTENANCE", service: "warehouse-service", params: { window: "b" } });
    expect(queue.plan.verdict).toBe("QUEUE");
    expect(queue.plan.queue).toEqual({ position: 2, ahead: [expect.objectContaining({ id: first.operation.id, state: "IN_PROGRESS" })] });
    expect(queue.plan.locks[0]!.holders.map((h) => h.operationId)).toEqual([first.operation.id]);
    await f.waitFor(queue.submitted.operation.id, (o) => o.queuedAt !== null);

    // ALREADY_RUNNING: the same work again.
    const again = await planThenSubmit({ type: "MAINTENANCE", service: "warehouse-service", params: { window: "b" } });
    expect(again.plan.verdict).toBe("ALREADY_RUNNING");
    expect(again.plan.alreadyRunning?.id).toBe(queue.submitted.operation.id);
    expect(again.submitted.result).toBe("ALREADY_RUNNING");

    // PAUSE_FOR_REVIEW: asked for at submission.
    const pause = await planThenSubmit({ type: "DEPLOYMENT", service: "email-service", params: { version: "9", reviewRequired: "new carrier" } });
    expect(pause.plan.verdict).toBe("PAUSE_FOR_REVIEW");
    expect(pause.plan.pauseCauses).toEqual(["Review requested at submission: new carrier"]);
    expect((await f.waitFor(pause.submitted.operation.id, (o) => o.state === "PAUSED_FOR_HUMAN_REVIEW")).result).toBe("PAUSED_FOR_REVIEW");

    // BLOCK: the service has no capacity to spare.
    f.signals.set("cart-service", { capacityHeadroomPct: 5 });
    const block = await planThenSubmit({ type: "DEPLOYMENT", service: "cart-service", params: { version: "3" } });
    expect(block.plan.verdict).toBe("BLOCK");
    expect(block.plan.blockReasons.join(" ")).toContain("capacity");
    const blocked = await f.waitFor(block.submitted.operation.id);
    expect(blocked.result).toBe("BLOCKED_BY_GATE");

    // Unknown service: the same refusal as a submission, and nothing written.
    expect((await refusal(f.orchestrator.plan({ type: "DEPLOYMENT", service: "no-such-service", actor: "alice@example.com" }))).code).toBe("NOT_FOUND");
    held.release(first.operation.id);
  });
});
