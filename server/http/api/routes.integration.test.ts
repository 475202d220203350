// Every route goes through the one wrapper, and the wrapper holds: the route
// walk proves no route file bypasses `serve()` and the OpenAPI catalogue has
// no endpoint without a route; the auth matrix calls every endpoint with no
// principal (401), with each role below the one it needs (403) and with the
// roles it allows (neither), through sessions and API tokens; cross-site
// browser writes are refused; a revoked token stops working at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZErrorBody } from "@/lib/api/common";
import { hasRole, ROLES, type Role } from "../../core/identity/roles";
import { endpointOf, isMethodNotAllowed, type Endpoint } from "../endpoint";
import { startApiHarness, type ApiHarness } from "../../testing/api";
import { API_ENDPOINTS } from "./catalog";

// Route files that are deliberately not API endpoints, and why.
const NOT_ENDPOINTS: Record<string, string> = {
  "/api/health": "liveness probe: public and touches nothing, not even the store",
  "/api/ready": "readiness probe: public, reports the store's state",
  "/api/{...path}": "answers every unknown API path with the structured 404",
  "/api/auth/{...nextauth}": "next-auth's own sign-in endpoints (it checks its own CSRF token)",
};

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness("routes");
});
afterAll(async () => {
  await api?.close();
});

/** A concrete URL for an endpoint: path parameters filled with a well-formed id that does not exist. */
function urlOf(e: Endpoint<any, any, any, any>): string {
  return e.path.replace(/\{(\w+)\}/g, "00000000-0000-4000-8000-000000000000");
}

async function call(e: Endpoint<any, any, any, any>, headers: Record<string, string>): Promise<Response> {
  return api.fetch(urlOf(e), { method: e.method, headers });
}

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  const body = ZErrorBody.parse(await response.json());
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(10);
}

describe("the route walk", () => {
  it("serves every API route file through serve(), with the method and path its endpoint declares", () => {
    const served = new Set<Endpoint<any, any, any, any>>();
    for (const route of api.routes) {
      if (route.template in NOT_ENDPOINTS) continue;
      for (const [method, handler] of Object.entries(route.methods)) {
        if (isMethodNotAllowed(handler)) continue;
        const e = endpointOf(handler);
        expect(e, `${route.file} ${method} does not go through serve()`).not.toBeNull();
        expect(e!.method, `${route.file} exports ${method} serving a ${e!.method} endpoint`).toBe(method);
        expect(e!.path, `${route.file} serves ${e!.path}`).toBe(route.template);
        served.add(e!);
      }
    }
    const unserved = API_ENDPOINTS.filter((e) => !served.has(e)).map((e) => `${e.method} ${e.path}`);
    expect(unserved, "catalogue endpoints with no route file").toEqual([]);
    expect(api.routes.map((r) => r.template)).toEqual(expect.arrayContaining(Object.keys(NOT_ENDPOINTS)));
  });
});

// Who may do what: the product's permission policy, written down once more so a
// wrong `access` on an endpoint fails here instead of passing the matrix below.
const POLICY: Record<string, Role | "public"> = {
  submitOperation: "OPERATOR",
  // A dry run writes nothing, but it reads what an operator would submit.
  planOperation: "OPERATOR",
  listOperations: "VIEWER",
  getOperation: "VIEWER",
  approveOperation: "APPROVER",
  rejectOperation: "APPROVER",
  cancelOperation: "OPERATOR",
  // Stopping or holding running work, and re-reading a review's evidence, is an approver's call.
  pauseOperation: "APPROVER",
  resumeOperation: "APPROVER",
  abortOperation: "APPROVER",
  refreshReviewEvidence: "APPROVER",
  listPendingReviews: "VIEWER",
  // Stopping the line and lifting it is an approver's call, as is approving a risky change (docs/freezes.md#stop-the-line).
  getChangeControl: "VIEWER",
  listHalts: "VIEWER",
  callHalt: "APPROVER",
  liftHalt: "APPROVER",
  // Freeze windows are an admin's settings; everyone may read them. Break-glass is open to operators, and the
  // role each window or halt names is checked in the use case (403 naming it) (docs/freezes.md#break-glass).
  listFreezeWindows: "VIEWER",
  createFreezeWindow: "ADMIN",
  freezeCalendar: "VIEWER",
  getFreezeWindow: "VIEWER",
  updateFreezeWindow: "ADMIN",
  deleteFreezeWindow: "ADMIN",
  breakGlass: "OPERATOR",
  listLocks: "VIEWER",
  forceReleaseLock: "ADMIN",
  getLockStatistics: "VIEWER",
  getTopology: "VIEWER",
  getBlastRadius: "VIEWER",
  putGraph: "ADMIN",
  diffGraph: "ADMIN",
  getGraphProvenance: "VIEWER",
  // The graph's sources (docs/graph-sources.md): everyone reads them and the drift; refreshing and deciding on held removals is an admin's.
  listGraphSources: "VIEWER",
  refreshGraphSources: "ADMIN",
  approveHeldGraphChange: "ADMIN",
  rejectHeldGraphChange: "ADMIN",
  getGraphDrift: "VIEWER",
  queryAuditEvents: "VIEWER",
  getAuditStatistics: "VIEWER",
  verifyAuditChain: "VIEWER",
  exportAuditLog: "VIEWER",
  listIncidents: "VIEWER",
  getIncident: "VIEWER",
  // Tools and on-call open and move incidents; Alertmanager posts with an operator's token.
  openIncident: "OPERATOR",
  moveIncident: "OPERATOR",
  receiveAlertmanagerNotification: "OPERATOR",
  // The submitter of an external execution reports on it; the use case then checks it is that submitter.
  heartbeatExecution: "OPERATOR",
  reportExecutionStep: "OPERATOR",
  completeExecution: "OPERATOR",
  // Flagger cannot send headers: the endpoint takes an operator's token from the webhook's metadata itself
  // (or the Authorization header), so the framework lets it through and the handler refuses (401/403).
  flaggerWebhook: "public",
  argoRolloutsMeasurement: "OPERATOR",
  // Slack cannot send a token: the request is authenticated by Slack's signature over its body (docs/slack.md).
  slackInteractions: "public",
  // The console shows the manual baseline to everyone; only an admin changes how alerts become incidents.
  getIncidentSettings: "VIEWER",
  updateIncidentSettings: "ADMIN",
  // Rules act on production by themselves: an admin's to write, everyone's to read.
  listRemediationRules: "VIEWER",
  createRemediationRule: "ADMIN",
  getRemediationRule: "VIEWER",
  updateRemediationRule: "ADMIN",
  deleteRemediationRule: "ADMIN",
  whoAmI: "VIEWER",
  // Everyone links their own Slack account; the handler refuses API tokens.
  updateMe: "VIEWER",
  getInbox: "VIEWER",
  markNotificationRead: "VIEWER",
  listNotificationDeliveries: "ADMIN",
  sendTestNotification: "ADMIN",
  getNotificationSettings: "ADMIN",
  updateNotificationRouting: "ADMIN",
  listApiTokens: "ADMIN",
  createApiToken: "ADMIN",
  revokeApiToken: "ADMIN",
  listUsers: "ADMIN",
  createUser: "ADMIN",
  updateUser: "ADMIN",
  listOidcIdentities: "ADMIN",
  linkOidcIdentity: "ADMIN",
  unlinkOidcIdentity: "ADMIN",
  streamChanges: "VIEWER",
  getOpenApiDocument: "public",
  getMetrics: "public",
  getKpis: "VIEWER",
  getGateSettings: "ADMIN",
  updateGateSettings: "ADMIN",
  getConflictPolicy: "ADMIN",
  updateConflictPolicy: "ADMIN",
  listApprovalPolicies: "VIEWER",
  getApprovalPolicy: "VIEWER",
  createApprovalPolicy: "ADMIN",
  updateApprovalPolicy: "ADMIN",
  deleteApprovalPolicy: "ADMIN",
  previewApprovalPolicy: "ADMIN",
  listDemoScenarios: "VIEWER",
  startDemoRun: "ADMIN",
  listDemoRuns: "VIEWER",
  getDemoRun: "VIEWER",
};

describe("the permission policy", () => {
  it("declares on every endpoint the role the policy gives it", () => {
    expect(Object.fromEntries(API_ENDPOINTS.map((e) => [e.operationId, e.access]))).toEqual(POLICY);
  });
});

describe("the auth matrix", () => {
  const guarded = () => API_ENDPOINTS.filter((e) => e.access !== "public");

  it("answers 401 with the error body to every guarded endpoint called with no principal", async () => {
    expect(guarded().length).toBeGreaterThan(10);
    for (const e of guarded()) {
      const response = await call(e, {});
      await expectError(response, 401, "UNAUTHENTICATED");
      expect(response.headers.get("www-authenticate"), `${e.operationId}`).toMatch(/^Bearer/);
    }
  });

  it("answers 403 to every role below the one an endpoint needs, and lets the others through, by session", async () => {
    for (const e of guarded()) {
      for (const role of ROLES) {
        const response = await call(e, await api.as(role));
        if (hasRole(role, e.access as Role)) {
          expect([401, 403], `${e.operationId} as ${role}: ${response.status}`).not.toContain(response.status);
          expect(response.status, `${e.operationId} as ${role}`).toBeLessThan(500);
        } else {
          await expectError(response, 403, "FORBIDDEN");
        }
      }
    }
  });

  it("applies the same matrix to API tokens, and a revoked token is refused on its very next request", async () => {
    const admin = await api.as("ADMIN");
    const tokens = new Map<Role, string>();
    for (const role of ROLES) {
      const created = await api.fetch("/api/v1/tokens", { method: "POST", headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify({ name: `matrix-${role.toLowerCase()}`, role }) });
      expect(created.status).toBe(201);
      tokens.set(role, ((await created.json()) as { token: string }).token);
    }
    for (const e of guarded()) {
      for (const role of ROLES) {
        const response = await call(e, { authorization: `Bearer ${tokens.get(role)}` });
        if (hasRole(role, e.access as Role)) expect([401, 403], `${e.operationId} with a ${role} token`).not.toContain(response.status);
        else await expectError(response, 403, "FORBIDDEN");
      }
    }

    const me = await api.fetch("/api/v1/me", { headers: { authorization: `Bearer ${tokens.get("OPERATOR")}` } });
    expect(await me.json()).toMatchObject({ kind: "token", actor: "token:matrix-operator", role: "OPERATOR" });
    const list = (await (await api.fetch("/api/v1/tokens", { headers: admin })).json()) as { tokens: { id: string; name: string; lastUsedAt: string | null }[] };
    const operatorToken = list.tokens.find((t) => t.name === "matrix-operator")!;
    expect(operatorToken.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(list)).not.toContain(tokens.get("OPERATOR")!);

    const revoked = await api.fetch(`/api/v1/tokens/${operatorToken.id}`, { method: "DELETE", headers: admin });
    expect(revoked.status).toBe(200);
    await expectError(await api.fetch("/api/v1/me", { headers: { authorization: `Bearer ${tokens.get("OPERATOR")}` } }), 401, "UNAUTHENTICATED");
  });

  it("refuses a malformed or unknown bearer token instead of treating the call as anonymous", async () => {
    await expectError(await api.fetch("/api/v1/me", { headers: { authorization: "Bearer ilk_" + "A".repeat(43) } }), 401, "UNAUTHENTICATED");
    await expectError(await api.fetch("/api/v1/me", { headers: { authorization: "Basic YWRtaW46YWRtaW4=" } }), 401, "UNAUTHENTICATED");
    await expectError(await api.fetch("/api/v1/me", { headers: { cookie: "next-auth.session-token=forged" } }), 401, "UNAUTHENTICATED");
  });

  it("refuses mutating calls from another site's page, by session, but not by API token", async () => {
    const cookie = (await api.as("ADMIN")).cookie!;
    const body = JSON.stringify({ name: "csrf-probe", role: "VIEWER" });
    const json = { "content-type": "application/json" };
    await expectError(await api.fetch("/api/v1/tokens", { method: "POST", headers: { cookie, ...json, origin: "https://evil.example" }, body }), 403, "FORBIDDEN");
    await expectError(await api.fetch("/api/v1/tokens", { method: "POST", headers: { cookie, ...json }, body }), 403, "FORBIDDEN");
    await expectError(await api.fetch("/api/v1/tokens", { method: "POST", headers: { cookie, ...json, "sec-fetch-site": "cross-site" }, body }), 403, "FORBIDDEN");
    const list = (await (await api.fetch("/api/v1/tokens", { headers: { cookie } })).json()) as { tokens: { name: string }[] };
    expect(list.tokens.map((t) => t.name)).not.toContain("csrf-probe");
    // Reads stay possible cross-origin only as far as the browser's CORS rules allow (no CORS headers are sent).
    expect((await api.fetch("/api/v1/me", { headers: { cookie, origin: "https://evil.example" } })).headers.get("access-control-allow-origin")).toBeNull();
  });

  it("takes a role change and a disabled account into account on the next request, whatever the cookie says", async () => {
    const operator = await api.container.identity.store.findUserByEmail("operator@interlock.local");
    const headers = await api.as("OPERATOR");
    expect((await api.fetch("/api/v1/me", { headers })).status).toBe(200);
    await api.container.db.query(`UPDATE users SET disabled_at = now() WHERE id = $1`, [operator!.id]);
    await expectError(await api.fetch("/api/v1/me", { headers }), 401, "UNAUTHENTICATED");
    await api.container.db.query(`UPDATE users SET disabled_at = NULL WHERE id = $1`, [operator!.id]);
  });
});

describe("methods a path does not have", () => {
  it("answers 405 with the error body and an Allow header, on every API route file", async () => {
    for (const route of api.routes.filter((r) => r.template.startsWith("/api/v1/"))) {
      for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
        const handler = route.methods[method];
        expect(handler, `${route.file} exports no ${method}`).toBeDefined();
        if (!isMethodNotAllowed(handler)) continue;
        const response = await handler!(new Request(`http://interlock.test${route.template.replace(/\{\w+\}/g, "00000000-0000-4000-8000-000000000000")}`, { method }), { params: Promise.resolve({}) });
        await expectError(response, 405, "METHOD_NOT_ALLOWED");
        expect(response.headers.get("allow")).toMatch(/^(GET|POST|PUT|PATCH|DELETE)(, (GET|POST|PUT|PATCH|DELETE))*$/);
      }
    }
  });
});

describe("the public endpoints", () => {
  it("serves Prometheus metrics with the documented names, read from this store", async () => {
    const response = await api.fetch("/api/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await response.text();
    for (const name of ["active_locks_total", "lock_wait_seconds", "lock_age_seconds", "conflicts_detected_total", "operations_started_total", "operations_paused_total", "audit_events_total", "hash_chain_valid", "incident_resolution_seconds"]) {
      expect(text, name).toContain(`# TYPE ${name} `);
    }
    const head = await api.container.audit.store.head();
    const exported = Number(/^audit_events_total (\d+)$/m.exec(text)?.[1]);
    expect(exported).toBeGreaterThan(0);
    expect(exported).toBeLessThanOrEqual(head!.seq);
  });

  it("describes every catalogue endpoint in the OpenAPI 3.1 document, with the role it needs", async () => {
    const doc = (await (await api.fetch("/api/v1/openapi.json")).json()) as { openapi: string; paths: Record<string, Record<string, { operationId: string; "x-required-role"?: string }>> };
    expect(doc.openapi).toBe("3.1.0");
    for (const e of API_ENDPOINTS) {
      const op = doc.paths[e.path]?.[e.method.toLowerCase()];
      expect(op?.operationId, `${e.method} ${e.path}`).toBe(e.operationId);
      expect(op?.["x-required-role"]).toBe(e.access === "public" ? undefined : e.access);
    }
  });
});
