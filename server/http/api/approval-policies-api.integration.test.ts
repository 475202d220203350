// Approval policies through the API on the real container (docs/approvals.md):
// admins create, change and delete them (audited; bad input is refused naming
// the field, with nothing written), the preview names the services a draft
// covers, and a 2-of-2 policy shows "1 of 2 approvals" on the operation and
// in the queue until the second approver completes it. An admin sets a
// user's teams (audited, nobody signed out).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZApprovalPolicy, ZApprovalPolicyPreview } from "@/lib/api/approvals";
import { ZOperationDetail, ZPendingReviewPage } from "@/lib/api/operations";
import type { Role } from "../../core/identity/roles";
import { startApiHarness, type ApiHarness } from "../../testing/api";

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness("approval_policies_api");
});
afterAll(async () => {
  await api?.close();
});

async function send(role: Role, path: string, init: { method?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { ...(await api.as(role)) };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const response = await api.fetch(path, { method: init.method ?? (init.body === undefined ? "GET" : "POST"), headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  return { status: response.status, json: response.status === 204 ? null : ((await response.json()) as any) };
}

const countPolicies = async () => ((await api.container.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM approval_policies`)) as [{ n: number }])[0].n;
const countAudit = async (action: string) => ((await api.container.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE action = $1`, [action])) as [{ n: number }])[0].n;

async function waitForState(id: string, states: string[]) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { json } = await send("VIEWER", `/api/v1/operations/${id}`);
    if (states.includes(json.operation.state)) return ZOperationDetail.parse(json);
    if (Date.now() > deadline) throw new Error(`operation ${id} is ${json.operation.state}, not ${states.join("/")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("approval policies API", () => {
  it("refuses bad policies naming the field, and non-admins, writing nothing", async () => {
    const before = await countPolicies();
    const bad = [
      { name: "x", requiredApprovals: 0 },
      { name: "x", requiredApprovals: 11 },
      { name: "", requiredApprovals: 2 },
      { name: "x", requiredApprovals: 2, fromRoles: ["OPERATOR"] },
      { name: "x", requiredApprovals: 2, scope: { types: ["DEPLOY"] } },
      { name: "x", requiredApprovals: 2, surprise: true },
    ];
    for (const body of bad) {
      const r = await send("ADMIN", "/api/v1/approval-policies", { body });
      expect(r.status, JSON.stringify(body)).toBe(422);
      expect(r.json.error.code).toBe("VALIDATION_FAILED");
    }
    expect((await send("APPROVER", "/api/v1/approval-policies", { body: { name: "x", requiredApprovals: 2 } })).status).toBe(403);
    expect(await countPolicies()).toBe(before);
  });

  it("creates, lists, changes and deletes a policy, each audited; a taken name is 409", async () => {
    const created = await send("ADMIN", "/api/v1/approval-policies", { body: { name: "tier-1-two", requiredApprovals: 2, scope: { tiers: [1] } } });
    expect(created.status).toBe(201);
    const policy = ZApprovalPolicy.parse(created.json);
    expect(policy).toMatchObject({ name: "tier-1-two", requiredApprovals: 2, fromRoles: ["APPROVER", "ADMIN"], fromTeams: [], enabled: true, scope: { services: [], teams: [], tiers: [1], types: [] } });
    expect((await send("ADMIN", "/api/v1/approval-policies", { body: { name: "tier-1-two", requiredApprovals: 3 } })).status).toBe(409);
    expect((await send("VIEWER", "/api/v1/approval-policies")).json.items.map((p: { name: string }) => p.name)).toContain("tier-1-two");
    const changed = await send("ADMIN", `/api/v1/approval-policies/${policy.id}`, { method: "PATCH", body: { requiredApprovals: 3, fromTeams: ["owning"] } });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({ requiredApprovals: 3, fromTeams: ["owning"], scope: { tiers: [1] } });
    expect((await send("ADMIN", `/api/v1/approval-policies/${policy.id}`, { method: "PATCH", body: { requiredApprovals: 0 } })).status).toBe(422);
    expect((await send("ADMIN", `/api/v1/approval-policies/${policy.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await send("ADMIN", `/api/v1/approval-policies/${policy.id}`)).status).toBe(404);
    expect(await countAudit("approval_policy.created")).toBeGreaterThanOrEqual(1);
    expect(await countAudit("approval_policy.updated")).toBeGreaterThanOrEqual(1);
    expect(await countAudit("approval_policy.deleted")).toBeGreaterThanOrEqual(1);
  });

  it("previews the services a draft covers and who could approve, writing nothing", async () => {
    const before = await countPolicies();
    const r = await send("ADMIN", "/api/v1/approval-policies/preview", { body: { name: "draft", requiredApprovals: 2, scope: { services: ["payment-service", "search-service", "no-such-service"] } } });
    expect(r.status).toBe(200);
    const preview = ZApprovalPolicyPreview.parse(r.json);
    expect(preview.services.map((s) => s.name).sort()).toEqual(["payment-service", "search-service"]);
    expect(preview.approvers.map((a) => a.email).sort()).toEqual(["admin@interlock.local", "approver@interlock.local"]);
    expect(preview.unapprovable).toEqual([]);
    const team = await send("ADMIN", "/api/v1/approval-policies/preview", { body: { name: "draft", requiredApprovals: 1, fromTeams: ["owning"], scope: { services: ["payment-service"] } } });
    expect(team.json.unapprovable).toEqual(["payment-service"]);
    expect(await countPolicies()).toBe(before);
  });

  it("a 2-of-2 policy: the first approval shows 1 of 2 and the operation stays paused; the second completes it", async () => {
    const created = await send("ADMIN", "/api/v1/approval-policies", { body: { name: "email-two", requiredApprovals: 2, scope: { services: ["email-service"] } } });
    expect(created.status).toBe(201);
    const submitted = await send("OPERATOR", "/api/v1/operations", { body: { type: "DEPLOYMENT", service: "email-service", params: { version: "v9", reviewRequired: "two people" } } });
    const id = submitted.json.operation.id as string;
    const paused = await waitForState(id, ["PAUSED_FOR_HUMAN_REVIEW"]);
    expect(paused.quorum).toMatchObject({ met: false, summary: "0 of 2 approvals" });
    const first = await send("APPROVER", `/api/v1/operations/${id}/approve`, { body: { notes: "looks fine" } });
    expect(first.status).toBe(200);
    expect(first.json.quorum).toMatchObject({ met: false, summary: "1 of 2 approvals", approvals: [{ by: "approver@interlock.local" }] });
    expect(first.json.operation.state).toBe("PAUSED_FOR_HUMAN_REVIEW");
    expect((await send("APPROVER", `/api/v1/operations/${id}/approve`, { body: {} })).status).toBe(409);
    const queue = ZPendingReviewPage.parse((await send("VIEWER", "/api/v1/reviews")).json);
    expect(queue.items.find((r) => r.operationId === id)?.quorum).toMatchObject({ summary: "1 of 2 approvals" });
    expect((await waitForState(id, ["PAUSED_FOR_HUMAN_REVIEW"])).quorum?.approvals.map((a) => a.by)).toEqual(["approver@interlock.local"]);
    const second = await send("ADMIN", `/api/v1/operations/${id}/approve`, { body: {} });
    expect(second.status).toBe(200);
    expect(second.json.quorum).toMatchObject({ met: true, summary: "2 of 2 approvals" });
    expect((await waitForState(id, ["COMPLETED"])).operation.state).toBe("COMPLETED");
  });

  it("an admin sets a user's teams: audited, nobody signed out; bad teams are refused", async () => {
    const approver = (await api.container.identity.store.findUserByEmail("approver@interlock.local"))!;
    const r = await send("ADMIN", `/api/v1/users/${approver.id}`, { method: "PATCH", body: { teams: ["payments", "identity", "payments"], reason: "on-call rota" } });
    expect(r.status).toBe(200);
    expect(r.json.changes).toEqual(["teams"]);
    expect(r.json.user.teams).toEqual(["identity", "payments"]);
    const after = (await api.container.identity.store.findUserById(approver.id))!;
    expect(after.sessionEpoch).toBe(approver.sessionEpoch);
    expect(await countAudit("user.teams_changed")).toBe(1);
    expect((await send("ADMIN", `/api/v1/users/${approver.id}`, { method: "PATCH", body: { teams: [""], reason: "x" } })).status).toBe(422);
  });
});
