// Duplicate submissions (docs/specification.md#duplicate-submissions), idempotency keys, the version guard,
// concurrent review decisions, cancellation and review timeouts, against
// Postgres and Redis.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isAppError } from "../../core/errors";
import type { ExecutionContext, OperationExecutor } from "../../core/executors/ports";
import { releaseOrphanedLocks } from "../../core/operations/release-orphaned-locks";
import { planTransition } from "../../core/operations/state-machine";
import { openTestStore, type TestStore } from "../stores";
import { orchestratorFixture } from "../orchestrator";

type Fixture = Awaited<ReturnType<typeof orchestratorFixture>>;

function countingExecutor(holdMs = 200) {
  const runs: string[] = [];
  const executor: OperationExecutor = {
    name: "counting",
    async execute(ctx: ExecutionContext) {
      runs.push(ctx.operation.id);
      ctx.assertFenced();
      await ctx.sleep(holdMs);
      return { status: "SUCCEEDED", summary: "done", detail: {} };
    },
  };
  return { executor, runs };
}

const errorOf = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e);

describe("orchestrator rules (Postgres + Redis)", () => {
  let store: TestStore;
  let f: Fixture;
  beforeEach(async () => {
    store = await openTestStore("postgres", "orchestrator_rules", { poolSize: 8 });
  });
  afterEach(async () => {
    await f?.close();
    await store?.close();
  });

  it("a duplicate storm: 50 identical submissions at once run once, 49 are ALREADY_RUNNING", async () => {
    const counting = countingExecutor(300);
    f = await orchestratorFixture({ db: store.db, executors: { REMEDIATION: counting.executor } });
    // Two orchestrators with their own connection pools, as two app processes would be.
    const second = await orchestratorFixture({ db: store.db, audit: f.audit, signals: f.signals, seedTopology: false, executors: { REMEDIATION: counting.executor } });
    try {
      await Promise.all([f.orchestrator.start(), second.orchestrator.start()]);
      const input = { type: "REMEDIATION", service: "invoice-service", actor: "auto-healing-bot", actorKind: "AUTOMATION", params: { fix: "restart-pool", pool: 20 } };
      const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? second : f).orchestrator.submit(input)));
      const accepted = outcomes.filter((o) => o.result === "ACCEPTED");
      expect(accepted).toHaveLength(1);
      expect(outcomes.filter((o) => o.result === "ALREADY_RUNNING")).toHaveLength(49);
      const id = accepted[0]!.operation.id;
      expect(new Set(outcomes.map((o) => o.operation.id))).toEqual(new Set([id]));
      expect((await f.waitFor(id)).state).toBe("COMPLETED");
      expect(counting.runs).toEqual([id]);
      const events = await f.auditOf(id);
      expect(events.filter((e) => e.action === "operation.duplicate_submission")).toHaveLength(49);
      // Once it finished, the same work may be submitted again: it is new work
      // now, and waits out the TIMING window of the change that just finished.
      const again = await f.orchestrator.submit(input);
      expect(again.result).toBe("ACCEPTED");
      expect(again.operation.id).not.toBe(id);
      const waiting = await f.waitFor(again.operation.id, (op) => op.reason !== null);
      expect(waiting.state).toBe("INIT");
      expect(waiting.reason).toMatch(/^Waiting until .*300 s window/);
      expect(counting.runs).toEqual([id]);
      expect((await f.orchestrator.cancel({ operationId: again.operation.id, actor: "auto-healing-bot" })).state).toBe("CANCELLED");
    } finally {
      await second.close();
    }
  });

  it("an Idempotency-Key returns the same operation, even after it finished; reusing it for other work is refused", async () => {
    f = await orchestratorFixture({ db: store.db, config: { timeScale: 10_000 } });
    await f.orchestrator.start();
    const input = { type: "DEPLOYMENT", service: "catalog-service", actor: "ci-pipeline", actorKind: "AUTOMATION", idempotencyKey: "deploy-catalog-7.4.1", params: { version: "7.4.1" } };
    const first = await f.orchestrator.submit(input);
    const done = await f.waitFor(first.operation.id);
    expect(done.state).toBe("COMPLETED");
    const replay = await f.orchestrator.submit(input);
    expect(replay.result).toBe("ALREADY_RUNNING");
    expect(replay.operation.id).toBe(first.operation.id);
    expect(replay.operation.state).toBe("COMPLETED");
    const misuse = await errorOf(f.orchestrator.submit({ ...input, params: { version: "7.4.2" } }));
    expect(isAppError(misuse) && misuse.code).toBe("CONFLICT");
    expect(String((misuse as Error).message)).toContain("deploy-catalog-7.4.1");
  });

  it("refuses bad submissions with a clear error and writes nothing", async () => {
    f = await orchestratorFixture({ db: store.db });
    const before = (await f.audit.store.counts()).total;
    const bad = await errorOf(f.orchestrator.submit({ type: "DEPLOY", service: "", actor: "alice" }));
    expect(isAppError(bad) && bad.code).toBe("VALIDATION_FAILED");
    expect(String((bad as Error).message)).toMatch(/type/);
    expect(String((bad as Error).message)).toMatch(/service/);
    const unknown = await errorOf(f.orchestrator.submit({ type: "DEPLOYMENT", service: "no-such-service", actor: "alice" }));
    expect(isAppError(unknown) && unknown.code).toBe("NOT_FOUND");
    expect(String((unknown as Error).message)).toContain("no-such-service");
    expect((await f.audit.store.counts()).total).toBe(before);
  });

  it("the version guard: of two writers of the same transition, exactly one wins and the other gets VERSION_CONFLICT", async () => {
    f = await orchestratorFixture({ db: store.db });
    const { operation } = await f.orchestrator.submit({ type: "DEPLOYMENT", service: "search-service", actor: "alice@example.com", params: { version: "1" } });
    const write = (actor: string) =>
      f.deps.committer.commit(
        { operationId: operation.id, expectedVersion: operation.version, expectedOwner: null, transition: planTransition(operation, "CANCELLED", { actor, at: new Date() }), changes: { result: "CANCELLED", finished: true } },
        [],
      );
    const results = await Promise.allSettled([write("writer-a"), write("writer-b")]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const loser = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(isAppError(loser.reason) && loser.reason.code).toBe("VERSION_CONFLICT");
    expect(await f.store.listTransitions(operation.id)).toHaveLength(2); // INIT, CANCELLED: one winner
  });

  it("concurrent approve and reject of one review: exactly one decision stands, the other is told", async () => {
    f = await orchestratorFixture({ db: store.db, config: { timeScale: 10_000 } });
    await f.orchestrator.start();
    f.signals.set("pricing-service", { errorBudgetPct: 3.1 });
    const { operation } = await f.orchestrator.submit({ type: "CONFIG_CHANGE", service: "pricing-service", actor: "carol@example.com", params: { key: "discount.max", value: 40 } });
    await f.waitFor(operation.id, (op) => op.state === "PAUSED_FOR_HUMAN_REVIEW");
    const results = await Promise.allSettled([
      f.orchestrator.decide({ operationId: operation.id, decision: "APPROVE", actor: "alice@example.com" }),
      f.orchestrator.decide({ operationId: operation.id, decision: "REJECT", actor: "dave@example.com", notes: "not during the sale" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(["VERSION_CONFLICT", "CONFLICT"]).toContain(isAppError(lost.reason) && lost.reason.code);
    const done = await f.waitFor(operation.id);
    const approved = results[0].status === "fulfilled";
    expect(done.state).toBe(approved ? "COMPLETED" : "FAILED");
    const events = await f.auditOf(operation.id);
    expect(events.filter((e) => e.action === "review.approved" || e.action === "review.rejected")).toHaveLength(1);
  });

  it("cancel: the requester cancels a paused operation; another operator needs the right; IN_PROGRESS is refused with what to do instead", async () => {
    const held = { release: () => {} };
    const slow: OperationExecutor = {
      name: "held",
      execute: (ctx) =>
        new Promise((resolve, reject) => {
          held.release = () => resolve({ status: "SUCCEEDED", summary: "done", detail: {} });
          ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
        }),
    };
    f = await orchestratorFixture({ db: store.db, executors: { DEPLOYMENT: slow } });
    await f.orchestrator.start();
    f.signals.set("review-service", { errorBudgetPct: 5 });
    const paused = await f.orchestrator.submit({ type: "DEPLOYMENT", service: "review-service", actor: "erin@example.com", params: { version: "2" } });
    await f.waitFor(paused.operation.id, (op) => op.state === "PAUSED_FOR_HUMAN_REVIEW");
    const notYours = await errorOf(f.orchestrator.cancel({ operationId: paused.operation.id, actor: "mallory@example.com" }));
    expect(isAppError(notYours) && notYours.code).toBe("FORBIDDEN");
    const cancelled = await f.orchestrator.cancel({ operationId: paused.operation.id, actor: "erin@example.com", reason: "wrong build" });
    expect(cancelled.state).toBe("CANCELLED");
    expect((await f.store.get(paused.operation.id))?.result).toBe("CANCELLED");
    const review = await f.store.latestDecidedReview(paused.operation.id);
    expect(review?.status).toBe("CANCELLED");
    const late = await errorOf(f.orchestrator.decide({ operationId: paused.operation.id, decision: "APPROVE", actor: "alice@example.com" }));
    expect(isAppError(late) && late.code).toBe("CONFLICT");

    const running = await f.orchestrator.submit({ type: "DEPLOYMENT", service: "geo-service", actor: "erin@example.com", params: { version: "9" } });
    await f.waitFor(running.operation.id, (op) => op.state === "IN_PROGRESS");
    const refused = await errorOf(f.orchestrator.cancel({ operationId: running.operation.id, actor: "erin@example.com" }));
    expect(isAppError(refused) && refused.code).toBe("INVALID_TRANSITION");
    expect(String((refused as Error).message)).toMatch(/IN_PROGRESS.*CANCELLED.*ROLLBACK/);
    held.release();
    expect((await f.waitFor(running.operation.id)).state).toBe("COMPLETED");
  });

  it("a review nobody answers times out: the operation fails once, even with two workers sweeping", async () => {
    f = await orchestratorFixture({ db: store.db, config: { reviewTimeoutMs: 300, sweepMs: 100, timeScale: 10_000 } });
    // Either worker may take the operation up: both must read the same (exhausted) error budget.
    const second = await orchestratorFixture({ db: store.db, audit: f.audit, signals: f.signals, seedTopology: false, config: { reviewTimeoutMs: 300, sweepMs: 100, timeScale: 10_000 } });
    try {
      f.signals.set("media-service", { errorBudgetPct: 9 });
      await Promise.all([f.orchestrator.start(), second.orchestrator.start()]);
      const { operation } = await f.orchestrator.submit({ type: "DEPLOYMENT", service: "media-service", actor: "frank@example.com", params: { version: "3" } });
      const done = await f.waitFor(operation.id);
      expect(done.state).toBe("FAILED");
      expect(done.reason).toMatch(/not answered/);
      expect((await f.store.latestDecidedReview(operation.id))?.status).toBe("EXPIRED");
      const events = await f.auditOf(operation.id);
      expect(events.filter((e) => e.action === "review.expired")).toHaveLength(1);
    } finally {
      await second.close();
    }
  });

  it("a lock left behind by a worker that died after its operation's last commit is released by the sweep, not held for the rest of its TTL", async () => {
    f = await orchestratorFixture({ db: store.db, config: { timeScale: 10_000 } });
    await f.orchestrator.start();
    const { operation } = await f.orchestrator.submit({ type: "DEPLOYMENT", service: "tax-service", actor: "alice@example.com", params: { version: "4" } });
    expect((await f.waitFor(operation.id)).state).toBe("COMPLETED");
    // What a worker killed between the COMPLETED commit and its release leaves: the lease of attempt 1, five minutes long.
    const orphan = await f.locks.acquire(`op:${operation.id}#1`, { scope: "SERVICE", resource: "tax-service" }, { ttlMs: 300_000, autoExtend: false });
    const live = await f.locks.acquire("someone-else", { scope: "SERVICE", resource: "geo-service" }, { ttlMs: 300_000, autoExtend: false });
    expect(await releaseOrphanedLocks(f.deps, 0)).toBe(1);
    const held = (await f.lockStore.snapshot()).locks.map((l) => l.key.resource);
    expect(held).toEqual(["geo-service"]);
    // The store's revocation notice tells its holder at once (docs/locks.md); a release finds nothing either way.
    await expect.poll(() => orphan.isValid(), { timeout: 10_000 }).toBe(false);
    expect(await orphan.release()).toBe(false);
    await live.release();
    const recovered = (await f.auditOf(operation.id)).filter((e) => e.action === "lock.recovered");
    expect(recovered).toHaveLength(1);
    expect(recovered[0]!.payload).toMatchObject({ holderId: `op:${operation.id}#1`, resource: "tax-service" });
  });
});
