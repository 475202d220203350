// The operations API end to end on the real container: submit with an
// Idempotency-Key, a pause for review, self-approval refused, approval by
// someone else and the operation proceeding; and every kind of bad input
// answered with a 4xx and the error body while nothing in the store changes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZErrorBody } from "@/lib/api/common";
import { ZOperationDetail, ZPendingReviewPage } from "@/lib/api/operations";
import { ZDecisionResult, ZSubmitOperationResult } from "@/lib/api/submit";
import type { SimulatedSignalSource } from "../../adapters/signals/simulated-signal-source";
import type { Role } from "../../core/identity/roles";
import { startApiHarness, type ApiHarness } from "../../testing/api";

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness("operations_api");
});
afterAll(async () => {
  await api?.close();
});

async function send(role: Role | null, path: string, init: { method?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...(role ? await api.as(role) : {}), ...init.headers };
  let body: string | undefined;
  if (init.raw !== undefined) body = init.raw;
  else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers["content-type"] ??= "application/json";
  }
  const response = await api.fetch(path, { method: init.method ?? (body === undefined ? "GET" : "POST"), headers, body });
  return { status: response.status, json: (await response.json()) as any, headers: response.headers };
}

async function waitForState(id: string, states: string[]) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { json } = await send("VIEWER", `/api/v1/operations/${id}`);
    if (states.includes(json.operation.state)) return ZOperationDetail.parse(json);
    if (Date.now() > deadline) throw new Error(`operation ${id} is ${json.operation.state}, not ${states.join("/")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("an operation through the API", () => {
  it("is submitted once per key, pauses on a failing gate, cannot be approved by its requester, and proceeds when another approver approves", async () => {
    const signals = api.container.signals as SimulatedSignalSource;
    signals.set("search-service", { errorBudgetPct: 7.5 });
    const submit = () => send("APPROVER", "/api/v1/operations", { body: { type: "DEPLOYMENT", service: "search-service", params: { version: "v9.1.0" } }, headers: { "idempotency-key": "deploy-search-v9.1.0" } });

    const first = await submit();
    expect(first.status).toBe(202);
    const accepted = ZSubmitOperationResult.parse(first.json);
    expect(accepted).toMatchObject({ result: "ACCEPTED", operation: { actor: "approver@interlock.local", actorKind: "HUMAN", idempotencyKey: "deploy-search-v9.1.0" } });
    expect(first.headers.get("location")).toBe(`/api/v1/operations/${accepted.operation.id}`);
    const again = await submit();
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ result: "ALREADY_RUNNING", operation: { id: accepted.operation.id } });

    const paused = await waitForState(accepted.operation.id, ["PAUSED_FOR_HUMAN_REVIEW"]);
    expect(paused.review).toMatchObject({ status: "PENDING" });
    expect(paused.operation.actor).toBe("approver@interlock.local");
    expect(paused.gateResults.find((g) => g.gate === "ERROR_BUDGET")).toMatchObject({ passed: false, observed: 7.5, threshold: 2 });
    const queue = ZPendingReviewPage.parse((await send("VIEWER", "/api/v1/reviews")).json);
    expect(queue.items.map((r) => r.operation.id)).toContain(accepted.operation.id);

    const own = await send("APPROVER", `/api/v1/operations/${accepted.operation.id}/approve`, { body: { notes: "looks fine to me" } });
    expect(own.status).toBe(403);
    expect(own.json.error.message).toMatch(/requested operation .* and cannot approve it/);
    expect((await send("OPERATOR", `/api/v1/operations/${accepted.operation.id}/approve`, { body: {} })).status).toBe(403);
    expect((await waitForState(accepted.operation.id, ["PAUSED_FOR_HUMAN_REVIEW"])).review!.status).toBe("PENDING");

    signals.set("search-service", { errorBudgetPct: 0.5 });
    const approved = await send("ADMIN", `/api/v1/operations/${accepted.operation.id}/approve`, { body: { notes: "error budget recovered", approvalId: "CHG-4711" } });
    expect(approved.status).toBe(200);
    expect(ZDecisionResult.parse(approved.json)).toMatchObject({ approvalId: "CHG-4711", review: { status: "APPROVED", decidedBy: "admin@interlock.local", notes: "error budget recovered" } });
    const late = await send("ADMIN", `/api/v1/operations/${accepted.operation.id}/reject`, { body: {} });
    expect(late.status).toBe(409);
    expect(late.json.error.message).toMatch(/already approved by admin@interlock.local/);

    const done = await waitForState(accepted.operation.id, ["COMPLETED", "FAILED", "ROLLED_BACK"]);
    expect(done.operation).toMatchObject({ state: "COMPLETED", result: "SUCCESS" });
    expect(done.transitions.map((t) => t.to)).toEqual(expect.arrayContaining(["PAUSED_FOR_HUMAN_REVIEW", "IN_PROGRESS", "COMPLETED"]));
    expect(done.auditEvents.some((e) => e.actor === "admin@interlock.local")).toBe(true);
  });

  it("lets exactly one of a concurrent approve and reject win; the other is told who decided", async () => {
    const signals = api.container.signals as SimulatedSignalSource;
    signals.set("recommendation-service", { errorBudgetPct: 6 });
    const submitted = await send("OPERATOR", "/api/v1/operations", { body: { type: "DEPLOYMENT", service: "recommendation-service", params: { version: "v3" } } });
    const id = submitted.json.operation.id as string;
    await waitForState(id, ["PAUSED_FOR_HUMAN_REVIEW"]);
    signals.set("recommendation-service", { errorBudgetPct: 0.5 });
    const [approve, reject] = await Promise.all([
      send("APPROVER", `/api/v1/operations/${id}/approve`, { body: { notes: "go" } }),
      send("ADMIN", `/api/v1/operations/${id}/reject`, { body: { notes: "stop" } }),
    ]);
    expect([approve.status, reject.status].sort()).toEqual([200, 409]);
    const loser = approve.status === 409 ? approve : reject;
    expect(loser.json.error.message).toMatch(/already (approved|rejected) by (approver|admin)@interlock.local/);
    const final = await waitForState(id, ["COMPLETED", "FAILED", "ROLLED_BACK"]);
    expect(final.operation.state).toBe(approve.status === 200 ? "COMPLETED" : "FAILED");
  });

  it("lets operators cancel only their own operations, and the requester cancel theirs", async () => {
    const signals = api.container.signals as SimulatedSignalSource;
    signals.set("loyalty-service", { errorBudgetPct: 9 });
    const submitted = await send("APPROVER", "/api/v1/operations", { body: { type: "DEPLOYMENT", service: "loyalty-service", params: { version: "v9.2.0" } } });
    expect(submitted.status).toBe(202);
    const id = submitted.json.operation.id as string;
    await waitForState(id, ["PAUSED_FOR_HUMAN_REVIEW"]);
    const byOperator = await send("OPERATOR", `/api/v1/operations/${id}/cancel`, { body: { reason: "not mine" } });
    expect(byOperator.status).toBe(403);
    expect(byOperator.json.error.message).toMatch(/may cancel only their own operations/);
    const byOwner = await send("APPROVER", `/api/v1/operations/${id}/cancel`, { body: { reason: "budget burned, retry tomorrow" } });
    expect(byOwner.status).toBe(200);
    expect(byOwner.json).toMatchObject({ id, state: "CANCELLED", result: "CANCELLED" });
    signals.set("loyalty-service", { errorBudgetPct: 0.5 });
  });
});

describe("bad input", () => {
  // Wait for the operations above to finish, so that nothing else writes while these cases count rows.
  beforeAll(async () => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [row] = await api.container.db.query<{ n: string }>("SELECT count(*)::text AS n FROM operations WHERE state NOT IN ('COMPLETED','FAILED','ROLLED_BACK','CANCELLED')");
      if (row!.n === "0") break;
      if (Date.now() > deadline) throw new Error(`${row!.n} operations still running`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 500));
  });
  const counts = async () => {
    const [ops] = await api.container.db.query<{ n: string }>("SELECT count(*)::text AS n FROM operations");
    const [tokens] = await api.container.db.query<{ n: string }>("SELECT count(*)::text AS n FROM api_tokens");
    const [users] = await api.container.db.query<{ n: string }>("SELECT count(*)::text AS n FROM users");
    await api.container.audit.log.settle();
    const head = await api.container.audit.store.head();
    return { operations: ops!.n, tokens: tokens!.n, users: users!.n, auditHead: head?.seq ?? 0 };
  };
  const big = JSON.stringify({ type: "DEPLOYMENT", service: "search-service", params: { blob: "x".repeat(70_000) } });

  const cases: [string, Role, string, { method?: string; body?: unknown; raw?: string; headers?: Record<string, string> }, number, string][] = [
    ["malformed JSON", "ADMIN", "/api/v1/operations", { raw: '{"type": "DEPLOYMENT",', headers: { "content-type": "application/json" } }, 400, "MALFORMED_REQUEST"],
    ["an empty body", "ADMIN", "/api/v1/operations", { raw: "", method: "POST", headers: { "content-type": "application/json" } }, 400, "MALFORMED_REQUEST"],
    ["a body that is not JSON", "ADMIN", "/api/v1/operations", { raw: "type=DEPLOYMENT", headers: { "content-type": "application/x-www-form-urlencoded" } }, 415, "UNSUPPORTED_MEDIA_TYPE"],
    ["wrong types", "ADMIN", "/api/v1/operations", { body: { type: 5, service: ["search-service"] } }, 422, "VALIDATION_FAILED"],
    ["a JSON array for an object", "ADMIN", "/api/v1/operations", { body: [] }, 422, "VALIDATION_FAILED"],
    ["an unknown field (actor cannot be claimed)", "ADMIN", "/api/v1/operations", { body: { type: "DEPLOYMENT", service: "search-service", actor: "someone-else" } }, 422, "VALIDATION_FAILED"],
    ["an oversized body", "ADMIN", "/api/v1/operations", { raw: big, headers: { "content-type": "application/json" } }, 413, "PAYLOAD_TOO_LARGE"],
    ["an unknown service", "ADMIN", "/api/v1/operations", { body: { type: "DEPLOYMENT", service: "no-such-service" } }, 404, "NOT_FOUND"],
    // Found by the API fuzz: an unknown incident was a foreign-key violation (500) that also failed its batch.
    ["an incident that does not exist", "ADMIN", "/api/v1/operations", { body: { type: "DEPLOYMENT", service: "search-service", incidentId: "ee889afe-eb20-43d9-be6d-c142d35b3ab5" } }, 404, "NOT_FOUND"],
    ["a bad id", "VIEWER", "/api/v1/operations/not-a-uuid", {}, 422, "VALIDATION_FAILED"],
    ["a bad id on a decision", "ADMIN", "/api/v1/operations/42/approve", { body: {} }, 422, "VALIDATION_FAILED"],
    ["an id that does not exist", "ADMIN", "/api/v1/operations/00000000-0000-4000-8000-000000000000/approve", { body: {} }, 404, "NOT_FOUND"],
    ["limit 0", "VIEWER", "/api/v1/operations?limit=0", {}, 422, "VALIDATION_FAILED"],
    ["limit not a number", "VIEWER", "/api/v1/operations?limit=ten", {}, 422, "VALIDATION_FAILED"],
    ["limit too large", "VIEWER", "/api/v1/operations?limit=100000", {}, 422, "VALIDATION_FAILED"],
    ["a forged cursor", "VIEWER", "/api/v1/operations?cursor=bm90LWEtY3Vyc29y", {}, 422, "VALIDATION_FAILED"],
    ["an unknown query parameter", "VIEWER", "/api/v1/operations?colour=blue", {}, 422, "VALIDATION_FAILED"],
    ["a query parameter given twice", "VIEWER", "/api/v1/operations?limit=5&limit=6", {}, 422, "VALIDATION_FAILED"],
    ["a bad audit cursor", "VIEWER", "/api/v1/audit/events?beforeSeq=-3", {}, 422, "VALIDATION_FAILED"],
    ["an unknown lock scope", "ADMIN", "/api/v1/locks/force-release", { body: { scope: "GALAXY", resource: "x", reason: "because" } }, 422, "VALIDATION_FAILED"],
    ["a token with an unknown role", "ADMIN", "/api/v1/tokens", { body: { name: "bot", role: "ROOT" } }, 422, "VALIDATION_FAILED"],
    ["a user with a short password", "ADMIN", "/api/v1/users", { body: { email: "new@example.com", name: "New", role: "VIEWER", password: "short" } }, 422, "VALIDATION_FAILED"],
    ["a body where none is taken", "VIEWER", "/api/v1/audit/verify", { raw: '{"full": true}', method: "POST", headers: { "content-type": "application/json" } }, 422, "VALIDATION_FAILED"],
    ["an oversized body where none is taken", "VIEWER", "/api/v1/audit/verify", { raw: big, method: "POST", headers: { "content-type": "application/json" } }, 413, "PAYLOAD_TOO_LARGE"],
    // Found by a security review: 3,000 levels of params (15 KB) overflowed the stack in the schema parse (500).
    ["a body nested 3,000 levels deep", "ADMIN", "/api/v1/operations", { raw: `{"type":"DEPLOYMENT","service":"search-service","params":${'{"a":'.repeat(3000)}1${"}".repeat(3000)}}`, headers: { "content-type": "application/json" } }, 422, "VALIDATION_FAILED"],
    // The lock the background audit verification takes: an operation holding it would starve the verification.
    ["a reserved SYSTEM lock", "ADMIN", "/api/v1/operations", { body: { type: "DEPLOYMENT", service: "search-service", systemLocks: ["audit-chain-verification"] } }, 422, "VALIDATION_FAILED"],
    ["a SYSTEM lock in the reserved interlock: namespace", "ADMIN", "/api/v1/operations/plan", { body: { type: "DEPLOYMENT", service: "search-service", systemLocks: ["interlock:anything"] } }, 422, "VALIDATION_FAILED"],
  ];

  it.each(cases)("answers %s with the error body and changes nothing", async (_name, role, path, init, status, code) => {
    const before = await counts();
    const response = await send(role, path, init);
    expect(response.status).toBe(status);
    const body = ZErrorBody.parse(response.json);
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(10);
    expect(await counts()).toEqual(before);
  });

  it("names the field and the part of the request that is wrong", async () => {
    const response = await send("ADMIN", "/api/v1/operations", { body: { type: "DEPLOY", service: "search-service" } });
    expect(response.json.error.details.issues[0]).toMatchObject({ path: ["body", "type"] });
    const query = await send("VIEWER", "/api/v1/operations?limit=0");
    expect(query.json.error.details.issues[0]).toMatchObject({ path: ["query", "limit"] });
  });
});
