// The operations read side against Postgres and PGlite: operations created by the
// real orchestrator (completed, blocked, in progress, paused by a conflict,
// paused by a gate), then listed, filtered, paged, opened and queued for
// review, every response parsed with the browser-side zod schemas.
import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { ZOperationDetail, ZOperationPage, ZOperationSummary, ZPendingReview, ZPendingReviewPage } from "../../../lib/api/operations";
import type { Clock } from "../../core/clock";
import { DEFAULT_CONFLICT_POLICY } from "../../core/conflicts/policy";
import { isAppError } from "../../core/errors";
import type { OperationExecutor } from "../../core/executors/ports";
import { getOperationDetail, type OperationDetail } from "../../core/operations/get-operation-detail";
import { listOperations, type OperationPage } from "../../core/operations/list-operations";
import { listPendingReviews, type PendingReview, type PendingReviewPage } from "../../core/operations/list-pending-reviews";
import type { OperationSummary } from "../../core/operations/query-ports";
import { encodeCursor } from "../../core/pagination";
import { orchestratorFixture } from "../../testing/orchestrator";
import { openTestStore, type TestStore } from "../../testing/stores";
import { PostgresOperationQueries } from "./operation-queries";

// ── the lib/api schemas describe exactly what the core returns (tsc fails otherwise) ──
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemasMatch: [
  Same<z.output<typeof ZOperationSummary>, OperationSummary>,
  Same<z.output<typeof ZOperationPage>, OperationPage>,
  Same<z.output<typeof ZOperationDetail>, OperationDetail>,
  Same<z.output<typeof ZPendingReview>, PendingReview>,
  Same<z.output<typeof ZPendingReviewPage>, PendingReviewPage>,
] = [true, true, true, true, true];

type Fixture = Awaited<ReturnType<typeof orchestratorFixture>>;

const errorOf = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e);

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(["postgres", "pglite"] as const)("operation queries on %s", (kind) => {
  let store: TestStore;
  let f: Fixture;
  let queries: PostgresOperationQueries;
  let release: () => void = () => {};
  const held: OperationExecutor = {
    name: "held",
    execute: (ctx) =>
      new Promise((resolve, reject) => {
        release = () => resolve({ status: "SUCCEEDED", summary: "released", detail: {} });
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
      }),
  };
  const ids: Record<string, string> = {};
  const incidentId = crypto.randomUUID();
  let deps: { queries: PostgresOperationQueries };

  const list = async (input: Record<string, unknown>) => ZOperationPage.parse(await listOperations(deps, input));
  const all = async (input: Record<string, unknown> = {}) => (await list({ ...input, limit: 200 })).items;

  beforeAll(async () => {
    store = await openTestStore(kind, "operation_queries", { poolSize: 8 });
    // No TIMING conflicts: the operations below run one after another on neighbouring services.
    const policy = { ...DEFAULT_CONFLICT_POLICY, rules: { ...DEFAULT_CONFLICT_POLICY.rules, TIMING: { ...DEFAULT_CONFLICT_POLICY.rules.TIMING, enabled: false } } };
    f = await orchestratorFixture({ db: store.db, locks: "store", policy, config: { timeScale: 10_000 }, executors: { MAINTENANCE: held } });
    queries = new PostgresOperationQueries(store.db);
    deps = { queries };
    await f.orchestrator.start();
    await store.db.query(
      `INSERT INTO incidents (id, key, service_id, title, severity, correlation_id, detected_at)
       SELECT $1::uuid, 'INC-OPQ-1', s.id, 'order latency', 'ERROR', 'corr-incident', now() FROM services s WHERE s.name = 'order-service'`,
      [incidentId],
    );
    const run = async (name: string, input: Record<string, unknown>, until?: (state: string) => boolean) => {
      const { operation } = await f.orchestrator.submit({ actor: "alice@example.com", params: {}, ...input });
      ids[name] = operation.id;
      return until ? f.waitFor(operation.id, (op) => until(op.state)) : f.waitFor(operation.id);
    };
    // Completed, one after another (distinct created_at).
    await run("email", { type: "DEPLOYMENT", service: "email-service", params: { version: "5" } });
    await run("search", { type: "DEPLOYMENT", service: "search-service", actor: "bob@example.com", params: { version: "2" } });
    await run("tax", { type: "CONFIG_CHANGE", service: "tax-service", correlationId: "corr-shared", params: { key: "rate", value: 7 } });
    await run("geo", { type: "DEPLOYMENT", service: "geo-service", actor: "ci-pipeline", actorKind: "AUTOMATION", correlationId: "corr-shared", idempotencyKey: "geo-9", params: { version: "9" } });
    await run("order", { type: "VERIFICATION", service: "order-service", incidentId, params: { verification_type: "health_check" } });
    await run("image", { type: "DEPLOYMENT", service: "image-resizer-service", params: { version: "3" } });
    await run("sms", { type: "DEPLOYMENT", service: "sms-service", actor: "bob@example.com", params: { version: "4" } });
    // Blocked by a gate.
    f.signals.set("shipping-service", { capacityHeadroomPct: 12 });
    await run("shipping", { type: "DEPLOYMENT", service: "shipping-service", params: { version: "6" } });
    // In progress until released, and the conflict it causes.
    await run("invoice", { type: "MAINTENANCE", service: "invoice-service", actor: "ops-bot", actorKind: "AUTOMATION", params: { window: "nightly" } }, (s) => s === "IN_PROGRESS");
    await run("payment", { type: "DEPLOYMENT", service: "payment-service", actor: "carol@example.com", params: { version: "1.2.4" } }, (s) => s === "PAUSED_FOR_HUMAN_REVIEW");
    // Paused by a gate (an exhausted error budget).
    f.signals.set("pricing-service", { errorBudgetPct: 3.1 });
    await run("pricing", { type: "CONFIG_CHANGE", service: "pricing-service", actor: "carol@example.com", params: { key: "discount.max", value: 40 } }, (s) => s === "PAUSED_FOR_HUMAN_REVIEW");
  });

  afterAll(async () => {
    release();
    await f?.close();
    await store?.close();
  });

  it("the response schemas match the core's types", () => {
    expect(schemasMatch.every(Boolean)).toBe(true);
  });

  it("lists every operation newest first, as summaries", async () => {
    const items = await all();
    expect(items).toHaveLength(Object.keys(ids).length);
    expect(items.map((o) => o.id)).toEqual(Object.values(ids).reverse());
    const geo = items.find((o) => o.id === ids.geo)!;
    expect(geo).toMatchObject({
      type: "DEPLOYMENT",
      service: "geo-service",
      state: "COMPLETED",
      result: "SUCCESS",
      actor: "ci-pipeline",
      actorKind: "AUTOMATION",
      correlationId: "corr-shared",
      idempotencyKey: "geo-9",
      incidentId: null,
      params: { version: "9" },
      attempt: 1,
      error: null,
    });
    expect(geo.version).toBe(4); // LOCKED, SAFETY_CHECK, IN_PROGRESS, COMPLETED
    expect(geo.finishedAt).not.toBeNull();
    expect(Date.parse(geo.startedAt!)).toBeGreaterThanOrEqual(Date.parse(geo.createdAt));
    const shipping = items.find((o) => o.id === ids.shipping)!;
    expect(shipping).toMatchObject({ state: "FAILED", result: "BLOCKED_BY_GATE" });
    expect(shipping.reason).toMatch(/12(\.0)?%/);
    expect(items.find((o) => o.id === ids.payment)).toMatchObject({ state: "PAUSED_FOR_HUMAN_REVIEW", result: "PAUSED_FOR_REVIEW", finishedAt: null });
  });

  it("pages cover the list exactly: no duplicates, no gaps, the last page says so", async () => {
    const expected = (await all()).map((o) => o.id);
    for (const limit of [1, 3, 5, 11, 12]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await list({ limit: String(limit), ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(limit);
        seen.push(...page.items.map((o) => o.id));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(seen).toEqual(expected);
      expect(pages).toBe(Math.ceil(expected.length / limit));
    }
    // Filters hold across pages.
    const first = await list({ state: "COMPLETED", limit: 4 });
    const second = await list({ state: "COMPLETED", limit: 4, cursor: first.nextCursor });
    expect([...first.items, ...second.items].every((o) => o.state === "COMPLETED")).toBe(true);
    expect(second.nextCursor).toBeNull();
    expect(first.items.length + second.items.length).toBe(7);
  });

  it("filters by state (one, several, comma-separated), type, service, actor, correlation id, incident and time", async () => {
    const idsOf = (items: { id: string }[]) => new Set(items.map((o) => o.id));
    expect(idsOf(await all({ state: "PAUSED_FOR_HUMAN_REVIEW" }))).toEqual(new Set([ids.payment, ids.pricing]));
    // Only unfinished states: read through the partial index of work in flight.
    expect(idsOf(await all({ state: "IN_PROGRESS,PAUSED_FOR_HUMAN_REVIEW" }))).toEqual(new Set([ids.invoice, ids.payment, ids.pricing]));
    expect(idsOf(await all({ state: "IN_PROGRESS,FAILED" }))).toEqual(new Set([ids.invoice, ids.shipping]));
    expect(idsOf(await all({ state: ["IN_PROGRESS", "FAILED", "FAILED"] }))).toEqual(new Set([ids.invoice, ids.shipping]));
    expect(idsOf(await all({ type: "CONFIG_CHANGE" }))).toEqual(new Set([ids.tax, ids.pricing]));
    expect(idsOf(await all({ service: "payment-service" }))).toEqual(new Set([ids.payment]));
    expect(idsOf(await all({ actor: "bob@example.com" }))).toEqual(new Set([ids.search, ids.sms]));
    expect(idsOf(await all({ correlationId: "corr-shared" }))).toEqual(new Set([ids.tax, ids.geo]));
    expect(idsOf(await all({ incidentId }))).toEqual(new Set([ids.order]));
    expect(idsOf(await all({ state: "COMPLETED", type: "DEPLOYMENT", actor: "alice@example.com" }))).toEqual(new Set([ids.email, ids.image]));
    expect(await all({ service: "no-such-service" })).toEqual([]);
    const everything = await all();
    const geo = everything.find((o) => o.id === ids.geo)!;
    const image = everything.find((o) => o.id === ids.image)!;
    // since and until are inclusive bounds on created_at.
    expect(idsOf(await all({ since: geo.createdAt, until: image.createdAt }))).toEqual(new Set([ids.geo, ids.order, ids.image]));
    expect(idsOf(await all({ until: geo.createdAt }))).toEqual(new Set([ids.email, ids.search, ids.tax, ids.geo]));
    // An offset is accepted.
    const offset = new Date(Date.parse(geo.createdAt)).toISOString().replace("Z", "+00:00");
    expect(idsOf(await all({ until: offset }))).toEqual(new Set([ids.email, ids.search, ids.tax, ids.geo]));
  });

  it("refuses bad queries with VALIDATION_FAILED naming the field", async () => {
    const expectInvalid = async (input: Record<string, unknown>, field: string) => {
      const error = await errorOf(listOperations(deps, input));
      expect(isAppError(error) && error.code).toBe("VALIDATION_FAILED");
      expect((error as Error).message).toContain(field);
      expect((error as { details: { issues: { path: string[] }[] } }).details.issues.map((i) => i.path[0])).toContain(field);
    };
    await expectInvalid({ cursor: "not a cursor!" }, "cursor");
    await expectInvalid({ cursor: "eyJrIjoib3BlcmF0aW9ucyJ9" }, "cursor"); // {"k":"operations"}: no position
    await expectInvalid({ cursor: Buffer.from("garbage").toString("base64url") }, "cursor");
    await expectInvalid({ cursor: encodeCursor("incidents", { at: "2026-01-01T00:00:00.000000Z", id: crypto.randomUUID() }) }, "cursor");
    await expectInvalid({ state: "DONE" }, "state");
    await expectInvalid({ state: "" }, "state");
    await expectInvalid({ type: "DEPLOY" }, "type");
    await expectInvalid({ incidentId: "42" }, "incidentId");
    await expectInvalid({ since: "yesterday" }, "since");
    await expectInvalid({ since: "2026-02-01T00:00:00Z", until: "2026-01-01T00:00:00Z" }, "since");
    await expectInvalid({ limit: "0" }, "limit");
    await expectInvalid({ limit: 201 }, "limit");
    await expectInvalid({ limit: "ten" }, "limit");
    await expectInvalid({ colour: "red" }, "colour");
    // A well-formed cursor of this list past every row: an empty last page.
    expect(await list({ cursor: encodeCursor("operations", { at: "2000-01-01T00:00:00.000000Z", id: crypto.randomUUID() }) })).toEqual({ items: [], nextCursor: null });
  });

  it("the detail of an operation paused by a conflict: transitions, gates, the conflict and who it is with, the review, locks and its audit trail", async () => {
    // The lock release is recorded just after the pause commits.
    const detail = await eventually(
      async () => ZOperationDetail.parse(await getOperationDetail(deps, { id: ids.payment })),
      (d) => d.locks.length > 0 && d.locks.every((l) => l.release !== null),
    );
    expect(detail.operation).toMatchObject({ id: ids.payment, state: "PAUSED_FOR_HUMAN_REVIEW", service: "payment-service" });
    expect(detail.transitions.map((t) => [t.from, t.to, t.version])).toEqual([
      [null, "INIT", 0],
      ["INIT", "LOCKED", 1],
      ["LOCKED", "SAFETY_CHECK", 2],
      ["SAFETY_CHECK", "PAUSED_FOR_HUMAN_REVIEW", 3],
    ]);
    expect(detail.transitions[3]!.metadata).toMatchObject({ reviewId: detail.review!.id, severity: "HIGH" });
    expect(detail.gateResults).toHaveLength(6);
    expect(detail.gateResults.every((g) => g.passed)).toBe(true);
    const dependency = detail.conflicts.find((c) => c.type === "DEPENDENCY")!;
    expect(dependency).toMatchObject({ severity: "HIGH", action: "PAUSE_FOR_REVIEW" });
    expect(dependency.conflictingOperations).toEqual([{ id: ids.invoice, service: "invoice-service", type: "MAINTENANCE", state: "IN_PROGRESS" }]);
    expect(dependency.explanation.length).toBeGreaterThan(0);
    expect(dependency.affectedServices).toEqual(expect.arrayContaining(["payment-service", "invoice-service"]));
    expect(detail.conflictCheck).toMatchObject({ decision: { action: "PAUSE_FOR_REVIEW" } });
    expect(detail.conflictCheck).not.toHaveProperty("conflicts");
    expect(detail.conflictCheck!.blastRadius).toBeTruthy();
    expect(detail.outcome).toBeNull();
    expect(detail.steps).toEqual([]);
    expect(detail.lockKeys).toEqual([{ scope: "SERVICE", resource: "payment-service", mode: "EXCLUSIVE" }]);

    const review = detail.review!;
    expect(review).toMatchObject({ status: "PENDING", severity: "HIGH", requestedBy: "system", decidedBy: null, decidedAt: null, approvalId: null, escalationLevel: 0 });
    expect(review.evidenceHash).toMatch(/^[0-9a-f]{64}$/);
    expect((review.evidence.conflicts as unknown[]).length).toBeGreaterThan(0);
    const created = Date.parse(review.createdAt);
    expect(review.escalationPlan.map((s) => [s.level, (Date.parse(s.at) - created) / 60_000])).toEqual([
      [1, 15],
      [2, 30],
      [3, 60],
    ]);
    expect(review.nextEscalationAt).toBe(review.escalationPlan[0]!.at);
    expect(review.timeoutAt).not.toBeNull();

    // The lock the operation held, with the token the LOCKED transition recorded, released at the pause.
    const lockedMeta = detail.transitions[1]!.metadata.locks as { scope: string; resource: string; fencingToken: string }[];
    expect(detail.locks).toEqual([
      expect.objectContaining({ scope: "SERVICE", resource: "payment-service", fencingToken: lockedMeta[0]!.fencingToken, mode: "EXCLUSIVE", holderId: `op:${ids.payment}#1`, attempt: 1, release: "RELEASED", releaseReason: "paused for human review" }),
    ]);

    // Exactly this operation's audit events, in chain order.
    const trail = await f.auditOf(ids.payment!);
    expect(detail.auditEvents.map((e) => [e.seq, e.hash, e.prevHash, e.action, e.at])).toEqual(trail.map((e) => [String(e.seq), e.hash, e.prevHash, e.action, e.at]));
    expect(detail.auditEventsTruncated).toBe(false);
    expect(detail.auditEvents.map((e) => e.action)).toEqual(expect.arrayContaining(["operation.submitted", "conflict.detected", "lock.acquired", "safety_gates.checked", "review.requested", "lock.released"].filter((a) => trail.some((e) => e.action === a))));
    expect(detail.auditEvents.find((e) => e.action === "review.requested")!.payload).toMatchObject({ reviewId: review.id, evidenceHash: review.evidenceHash });
  });

  it("the detail of a completed deployment: steps, outcome, no review, the lock released", async () => {
    const detail = ZOperationDetail.parse(await getOperationDetail(deps, { id: ids.email }));
    expect(detail.operation.state).toBe("COMPLETED");
    expect(detail.transitions.map((t) => t.to)).toEqual(["INIT", "LOCKED", "SAFETY_CHECK", "IN_PROGRESS", "COMPLETED"]);
    expect(detail.steps.length).toBeGreaterThan(0);
    expect(detail.steps.every((s) => s.attempt === 1 && s.outcome === "PASSED")).toBe(true);
    expect(detail.outcome).toMatchObject({ status: "SUCCEEDED" });
    expect(detail.review).toBeNull();
    expect(detail.conflicts).toEqual([]);
    expect(detail.locks).toHaveLength(1);
    expect(detail.locks[0]).toMatchObject({ resource: "email-service", attempt: 1, release: "RELEASED" });
    expect(BigInt(detail.locks[0]!.fencingToken)).toBeGreaterThan(0n);
    expect(detail.auditEvents.map((e) => Number(e.seq))).toEqual([...detail.auditEvents.map((e) => Number(e.seq))].sort((a, b) => a - b));
    const blocked = ZOperationDetail.parse(await getOperationDetail(deps, { id: ids.shipping }));
    expect(blocked.gateResults.find((g) => g.gate === "RESOURCE_CAPACITY")).toMatchObject({ passed: false, skipped: false, observed: 12, threshold: 20, unit: "%" });
    expect(blocked.outcome).toBeNull();
  });

  it("an unknown id is NOT_FOUND, a malformed one VALIDATION_FAILED naming id", async () => {
    const missing = await errorOf(getOperationDetail(deps, { id: crypto.randomUUID() }));
    expect(isAppError(missing) && missing.code).toBe("NOT_FOUND");
    const bad = await errorOf(getOperationDetail(deps, { id: "op-1" }));
    expect(isAppError(bad) && bad.code).toBe("VALIDATION_FAILED");
    expect((bad as Error).message).toContain("id");
  });

  it("the approval queue: pending reviews oldest first, with age, escalation deadlines, conflicts and failed gates", async () => {
    const real = ZPendingReviewPage.parse(await listPendingReviews({ queries, clock: f.deps.clock }, {}));
    expect(real.items.map((r) => r.operationId)).toEqual([ids.payment, ids.pricing]);
    const created = Date.parse(real.items[0]!.createdAt);
    // Twenty minutes after the first pause: level 1 (15 min) is due, level 2 (30 min) is next.
    const clock: Clock = { now: () => new Date(created + 20 * 60_000), nowMicros: () => BigInt(created + 20 * 60_000) * 1000n };
    const page = ZPendingReviewPage.parse(await listPendingReviews({ queries, clock }, { limit: "10" }));
    expect(page.nextCursor).toBeNull();
    const [payment, pricing] = page.items;
    expect(payment).toMatchObject({ operationId: ids.payment, severity: "HIGH", requestedBy: "system", ageMs: 20 * 60_000, dueLevel: 1, escalationLevel: 0 });
    expect(payment!.nextEscalation).toEqual({ level: 2, at: new Date(created + 30 * 60_000).toISOString(), inMs: 10 * 60_000 });
    expect(payment!.operation).toMatchObject({ id: ids.payment, state: "PAUSED_FOR_HUMAN_REVIEW", service: "payment-service" });
    expect(payment!.conflicts.highestSeverity).toBe("HIGH");
    expect(payment!.conflicts.types).toContain("DEPENDENCY");
    expect(payment!.failedGates).toEqual([]);
    expect(pricing!.operationId).toBe(ids.pricing);
    expect(pricing!.failedGates).toEqual([expect.objectContaining({ gate: "ERROR_BUDGET", observed: 3.1 })]);
    expect(pricing!.ageMs).toBeLessThan(20 * 60_000);
    expect(pricing!.severity).toBe("HIGH");
    // A day later every level is due and nothing is next.
    const late: Clock = { now: () => new Date(created + 86_400_000), nowMicros: () => 0n };
    const overdue = ZPendingReviewPage.parse(await listPendingReviews({ queries, clock: late }, {}));
    expect(overdue.items[0]).toMatchObject({ dueLevel: 3, nextEscalation: null });
    // One at a time.
    const first = await listPendingReviews({ queries, clock }, { limit: 1 });
    expect(first.items.map((r) => r.operationId)).toEqual([ids.payment]);
    const second = await listPendingReviews({ queries, clock }, { limit: 1, cursor: first.nextCursor });
    expect(second.items.map((r) => r.operationId)).toEqual([ids.pricing]);
    expect(second.nextCursor).toBeNull();
    // An operations cursor is not a queue cursor.
    const wrong = await errorOf(listPendingReviews({ queries, clock }, { cursor: (await list({ limit: 1 })).nextCursor }));
    expect(isAppError(wrong) && wrong.code).toBe("VALIDATION_FAILED");
    expect((wrong as Error).message).toContain("cursor");
  });

  it("after approval: the review is decided in the detail, the resumed attempt's lock is listed, the queue shrinks", async () => {
    const approved = await f.orchestrator.decide({ operationId: ids.pricing, decision: "APPROVE", actor: "dave@example.com", notes: "sale is over", approvalId: "APPROVE-99887" });
    expect(approved.approvalId).toBe("APPROVE-99887");
    await f.waitFor(ids.pricing!);
    const detail = ZOperationDetail.parse(await getOperationDetail(deps, { id: ids.pricing }));
    expect(detail.operation).toMatchObject({ state: "COMPLETED", attempt: 2 });
    expect(detail.review).toMatchObject({ status: "APPROVED", decidedBy: "dave@example.com", approvalId: "APPROVE-99887", notes: "sale is over", nextEscalationAt: null });
    expect(detail.review!.decidedAt).not.toBeNull();
    expect(detail.transitions.map((t) => t.to)).toEqual(["INIT", "LOCKED", "SAFETY_CHECK", "PAUSED_FOR_HUMAN_REVIEW", "IN_PROGRESS", "COMPLETED"]);
    expect(detail.transitions[4]).toMatchObject({ actor: "dave@example.com", metadata: { approvalId: "APPROVE-99887" } });
    expect(detail.locks.map((l) => [l.attempt, l.release])).toEqual([
      [1, "RELEASED"],
      [2, "RELEASED"],
    ]);
    expect(BigInt(detail.locks[1]!.fencingToken)).toBeGreaterThan(BigInt(detail.locks[0]!.fencingToken));
    const queue = await listPendingReviews({ queries, clock: f.deps.clock }, {});
    expect(queue.items.map((r) => r.operationId)).toEqual([ids.payment]);
  });

  it("pages stay exact when rows share a millisecond, or a microsecond", async () => {
    const everything = await all();
    const chosen = everything.filter((o) => o.state === "COMPLETED").slice(0, 5).map((o) => o.id);
    // Three rows at one microsecond, two a few microseconds later in the same millisecond.
    await store.db.query(`UPDATE operations SET created_at = '2020-01-01T00:00:00.123456Z' WHERE id = ANY($1::uuid[])`, [chosen.slice(0, 3)]);
    await store.db.query(`UPDATE operations SET created_at = '2020-01-01T00:00:00.123789Z' WHERE id = ANY($1::uuid[])`, [chosen.slice(3)]);
    const expected = (await all()).map((o) => o.id);
    expect(expected.slice(-5).sort()).toEqual([...chosen].sort());
    for (const limit of [1, 2, 4]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: OperationPage = await list({ limit, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((o) => o.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(expected);
    }
  });
});
