// External execution and the rollout gates over the HTTP API, on the real
// container over Postgres and Redis (docs/execution.md): the submitter's
// heartbeats, steps and outcome; refusals with the structured error body
// (stale token, another caller, an ended lease); Flagger's webhooks and Argo
// Rollouts' Web metric in their documented shapes: proceed when Interlock's
// operation holds the locks and passed its gates, refused with the reason
// when the service is taken or a review is pending, completed by the tool's
// end report.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZHeartbeatAnswer } from "@/lib/api/execution";
import { ZOperationDetail } from "@/lib/api/operations";
import { ZRolloutGateAnswer } from "@/lib/api/rollout-gates";
import type { Role } from "../../core/identity/roles";
import { startApiHarness, type ApiHarness } from "../../testing/api";

let api: ApiHarness;
let token: string;
let otherToken: string;

beforeAll(async () => {
  api = await startApiHarness("execution_api", { REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", LOCK_KEY_PREFIX: `interlock:test:${crypto.randomUUID()}:` });
  token = (await send("ADMIN", "/api/v1/tokens", { body: { name: "ci-pipeline", role: "OPERATOR" } })).json.token;
  otherToken = (await send("ADMIN", "/api/v1/tokens", { body: { name: "someone-else", role: "OPERATOR" } })).json.token;
  // Several rollouts of one service run back to back here: no cooldown between them.
  expect((await send("ADMIN", "/api/v1/settings/gates", { method: "PUT", body: { gates: { COOLDOWN: { enabled: false } } } })).status).toBe(200);
  expect((await send("ADMIN", "/api/v1/settings/conflict-policy", { method: "PUT", body: { timingWindowSeconds: 0 } })).status).toBe(200);
  // The orchestrator reads settings again at most 5 s after a change (docs/gates.md).
  await new Promise((r) => setTimeout(r, 5_500));
}, 120_000);
afterAll(async () => {
  await api?.close();
});

async function send(who: Role | { token: string } | "NONE", path: string, init: { method?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = who === "NONE" ? {} : typeof who === "object" ? { authorization: `Bearer ${who.token}` } : { ...(await api.as(who)) };
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await api.fetch(path, { method: init.method ?? (body === undefined ? "GET" : "POST"), headers, body });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : null) as any };
}

async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms; last ${JSON.stringify(value).slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const detail = async (id: string) => ZOperationDetail.parse((await send("VIEWER", `/api/v1/operations/${id}`)).json);
const servicesHeld = async () => ((await send("VIEWER", "/api/v1/locks")).json.locks as { key: { resource: string }; holders: unknown[] }[]).filter((l) => l.holders.length > 0).map((l) => l.key.resource);

describe("external execution over the API", () => {
  it("lease, heartbeat, steps and outcome; refusals carry the structured body and change nothing", async () => {
    const submitted = await send({ token }, "/api/v1/operations", { body: { type: "DEPLOYMENT", service: "geo-service", params: { version: "4.0.0" }, execution: "external", leaseSeconds: 30 } });
    expect(submitted.status).toBe(202);
    expect(submitted.json.operation).toMatchObject({ execution: "external", leaseSeconds: 30 });
    const id = submitted.json.operation.id as string;
    const leased = await until("lease granted", () => detail(id), (d) => d.lease?.state === "ACTIVE");
    const fencingToken = leased.lease!.fencingToken;
    expect(leased.lease!.fences).toEqual([expect.objectContaining({ scope: "SERVICE", resource: "geo-service", fencingToken })]);

    const beat = await send({ token }, `/api/v1/operations/${id}/heartbeat`, { body: { fencingToken } });
    expect(beat.status).toBe(200);
    expect(ZHeartbeatAnswer.parse(beat.json)).toMatchObject({ instruction: "CONTINUE", lease: { heartbeats: 1 } });

    const stale = await send({ token }, `/api/v1/operations/${id}/heartbeat`, { body: { fencingToken: String(BigInt(fencingToken) + 5n) } });
    expect(stale.status).toBe(409);
    expect(stale.json.error.code).toBe("STALE_FENCING_TOKEN");
    const stranger = await send({ token: otherToken }, `/api/v1/operations/${id}/complete`, { body: { fencingToken, status: "SUCCEEDED", summary: "not mine" } });
    expect(stranger.status).toBe(403);
    const viewer = await send("VIEWER", `/api/v1/operations/${id}/heartbeat`, { body: { fencingToken } });
    expect(viewer.status).toBe(403);
    const malformed = await send({ token }, `/api/v1/operations/${id}/complete`, { body: { fencingToken, status: "DONE", summary: "" } });
    expect(malformed.status).toBe(422);
    expect((await detail(id)).lease).toMatchObject({ state: "ACTIVE", heartbeats: 1 });

    expect((await send({ token }, `/api/v1/operations/${id}/steps`, { body: { fencingToken, name: "helm upgrade", outcome: "PASSED", detail: { revision: 12 } } })).status).toBe(201);
    const done = await send({ token }, `/api/v1/operations/${id}/complete`, { body: { fencingToken, status: "SUCCEEDED", summary: "helm upgrade succeeded" } });
    expect(done.status).toBe(202);
    const finished = await until("completed", () => detail(id), (d) => d.operation.state === "COMPLETED");
    expect(finished.steps.map((s) => s.name)).toEqual(["helm upgrade"]);
    expect(finished.lease).toMatchObject({ state: "COMPLETED" });
    expect(finished.auditEvents.map((e) => e.action)).toEqual(expect.arrayContaining(["execution.lease_granted", "execution.step_reported", "execution.reported"]));

    const late = await send({ token }, `/api/v1/operations/${id}/heartbeat`, { body: { fencingToken } });
    expect(late.status).toBe(409);
    expect(late.json.error).toMatchObject({ code: "LEASE_ENDED", details: { leaseState: "COMPLETED" } });
  });
});

describe("rollout gates", () => {
  const flagger = (hook: string, canary: { name: string; checksum: string; phase?: string; metadata?: Record<string, string> }, auth: "header" | "metadata" | "none" = "metadata") =>
    send(auth === "header" ? { token } : "NONE", `/api/v1/integrations/flagger/${hook}`, {
      body: { name: canary.name, namespace: "shop", phase: canary.phase ?? "Progressing", checksum: canary.checksum, metadata: { ...(auth === "metadata" ? { token } : {}), ...canary.metadata } },
    });

  it("Flagger: proceeds once the operation holds the service, holds a second canary of the service in line with the reason, and post-rollout releases it", async () => {
    const first = { name: "cart-service", checksum: "7d9f8c" };
    const allowed = await until("first canary allowed", () => flagger("confirm-rollout", first), (r) => r.status === 200);
    const answer = ZRolloutGateAnswer.parse(allowed.json);
    expect(answer).toMatchObject({ decision: "ALLOW", allowed: true, state: "IN_PROGRESS" });
    const opId = answer.operationId!;
    expect((await detail(opId)).operation).toMatchObject({ service: "cart-service", execution: "external", params: { rollout: "shop/cart-service", revision: "7d9f8c", via: "flagger" } });
    // Later hooks are the same operation (its lease kept alive), not new ones.
    const pre = await flagger("pre-rollout", first, "header");
    expect(pre.status).toBe(200);
    expect(pre.json.operationId).toBe(opId);
    expect((await detail(opId)).lease!.heartbeats).toBeGreaterThanOrEqual(2);

    // Another canary changing the same service waits for it: refused with the reason.
    const second = { name: "cart-service-eu", checksum: "a1b2c3", metadata: { service: "cart-service" } };
    const held = await until("second canary waits in line", () => flagger("confirm-rollout", second), (r) => r.status === 409 && /line|position|in line/i.test(r.json.error.message));
    expect(held.json.error.details).toMatchObject({ decision: "WAIT" });
    const secondId = held.json.error.details.operationId as string;

    const post = await flagger("post-rollout", { ...first, phase: "Succeeded" });
    expect(post.status).toBe(200);
    expect((await until("first completed", () => detail(opId), (d) => d.operation.state === "COMPLETED")).operation.result).toBe("SUCCESS");
    const next = await until("second canary allowed", () => flagger("confirm-promotion", second), (r) => r.status === 200);
    expect(next.json.operationId).toBe(secondId);
    expect((await flagger("post-rollout", { ...second, phase: "Failed" })).status).toBe(200);
    expect((await until("second rolled back", () => detail(secondId), (d) => d.operation.state === "ROLLED_BACK")).outcome).toMatchObject({ status: "ROLLED_BACK" });
  });

  it("Flagger: a revision that needs a review is refused with the review's reason; no token, a viewer's token and a malformed payload are refused", async () => {
    // order-service reaches more than 20 % of the estate: the BLAST_RADIUS gate pauses it for review.
    const canary = { name: "order-service", checksum: "ffe01" };
    const refused = await until("paused for review", () => flagger("confirm-rollout", canary), (r) => r.status === 409 && r.json.error.details.state === "PAUSED_FOR_HUMAN_REVIEW");
    expect(refused.json.error.message).toMatch(/review/i);
    expect(refused.json.error.details.link).toMatch(/\/operations\//);
    // Withdrawn, so that what it shares (kafka_orders) does not hold the tests after it.
    expect((await send("APPROVER", `/api/v1/operations/${refused.json.error.details.operationId}/cancel`, { body: { reason: "test over" } })).status).toBe(200);

    expect((await flagger("confirm-rollout", canary, "none")).status).toBe(401);
    const viewerToken = (await send("ADMIN", "/api/v1/tokens", { body: { name: "dashboard", role: "VIEWER" } })).json.token;
    expect((await send("NONE", "/api/v1/integrations/flagger/confirm-rollout", { body: { name: "x", namespace: "shop", metadata: { token: viewerToken } } })).status).toBe(403);
    const bad = await send({ token }, "/api/v1/integrations/flagger/confirm-rollout", { body: { namespace: "shop" } });
    expect(bad.status).toBe(422);
    expect((await send({ token }, "/api/v1/integrations/flagger/launch-missiles", { body: { name: "x", namespace: "shop" } })).status).toBe(422);
  });

  it("Flagger: a revision a gate blocks is refused (DENY) with the gate's reason, and asked again within a minute it is the same refusal, not a new operation", async () => {
    const gates = async (body: unknown) => {
      expect((await send("ADMIN", "/api/v1/settings/gates", { method: "PUT", body })).status).toBe(200);
      // The orchestrator reads the gates again at most 5 s after a change (docs/gates.md).
      await new Promise((r) => setTimeout(r, 5_500));
    };
    // Every change now needs all of its service's capacity spare: RESOURCE_CAPACITY blocks it.
    await gates({ gates: { COOLDOWN: { enabled: false }, RESOURCE_CAPACITY: { threshold: 100, onFailure: "BLOCK" } } });
    try {
      const canary = { name: "inventory-service", checksum: "b10c4ed" };
      const denied = await until("blocked", () => flagger("confirm-rollout", canary), (r) => r.status === 409 && r.json.error.details.decision === "DENY");
      expect(denied.json.error.message).toMatch(/capacity/i);
      expect(denied.json.error.details.state).toBe("FAILED");
      const again = await flagger("confirm-rollout", canary);
      expect(again.json.error.details).toMatchObject({ decision: "DENY", operationId: denied.json.error.details.operationId });
    } finally {
      await gates({ gates: { COOLDOWN: { enabled: false } } });
    }
  });

  it("Argo Rollouts: the Web metric answers 200 JSON with allowed false until the operation holds the service, then true; phase succeeded completes it", async () => {
    const measure = (phase?: string) => send({ token }, "/api/v1/integrations/argo-rollouts/measurement", { body: { service: "tax-service", namespace: "billing", rollout: "tax", revision: "6c9bd8675b", ...(phase ? { phase } : {}) } });
    const first = await measure();
    expect(first.status).toBe(200);
    expect(ZRolloutGateAnswer.parse(first.json).operationId).not.toBeNull();
    const allowed = await until("allowed", () => measure(), (r) => r.json.allowed === true);
    expect(allowed.json).toMatchObject({ decision: "ALLOW", state: "IN_PROGRESS", operationId: first.json.operationId });
    expect((await measure("succeeded")).status).toBe(200);
    await until("completed", () => detail(first.json.operationId), (d) => d.operation.state === "COMPLETED");
    expect(await servicesHeld()).not.toContain("tax-service");
  });
});
