// The graph's sources through the API (docs/graph-sources.md): the real
// container on a fresh Postgres database with a catalog directory configured,
// and the real route files. Who may refresh and decide, and the answers for an
// unknown or already decided held change.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZErrorBody } from "@/lib/api/common";
import { ZGraphDrift, ZGraphSources, ZHeldChange, ZSourceRun } from "@/lib/api/graph-live";
import { startApiHarness, type ApiHarness } from "../../testing/api";
import { ZApprovedHeldChange } from "./graph-sources";

let api: ApiHarness;
let dir: string;

const component = (name: string) => `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
  description: ${name} service
spec:
  type: service
  lifecycle: production
  owner: group:default/payments
`;

async function post(url: string, role: "VIEWER" | "OPERATOR" | "APPROVER" | "ADMIN", body: unknown): Promise<Response> {
  return api.fetch(url, { method: "POST", headers: { ...(await api.as(role)), "content-type": "application/json" }, body: JSON.stringify(body) });
}

async function expectError(response: Response, status: number, code: string): Promise<string> {
  expect(response.status).toBe(status);
  const body = ZErrorBody.parse(await response.json());
  expect(body.error.code).toBe(code);
  return body.error.message;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-catalog-api-"));
  fs.writeFileSync(path.join(dir, "alpha.yaml"), component("alpha-svc"));
  fs.writeFileSync(path.join(dir, "beta.yaml"), component("beta-svc"));
  // Refreshed only on request here, so the test decides when.
  api = await startApiHarness("graph_sources_api", { GRAPH_CATALOG_PATHS: dir, GRAPH_REFRESH_INTERVAL: "0" });
});

afterAll(async () => {
  await api?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("the graph sources API (postgres)", () => {
  it("lists the sources to a viewer: the catalog configured, the traces not", async () => {
    const response = await api.fetch("/api/v1/graph/sources", { headers: await api.as("VIEWER") });
    expect(response.status).toBe(200);
    const body = ZGraphSources.parse(await response.json());
    expect(body.refreshIntervalSeconds).toBeNull();
    expect(body.removals).toBe("review");
    expect(body.sources.map((s) => [s.source, s.configured, s.lastRun])).toEqual([
      ["CATALOG", true, null],
      ["TRACES", false, null],
    ]);
    expect(body.sources[1]!.description).toContain("GRAPH_TRACES_PROMETHEUS_URL");
  });

  it("refreshes on an admin's request only; a source that is not configured is a 409", async () => {
    await expectError(await post("/api/v1/graph/sources/refresh", "APPROVER", {}), 403, "FORBIDDEN");
    await expectError(await post("/api/v1/graph/sources/refresh", "ADMIN", { source: "TRACES" }), 409, "CONFLICT");
    await expectError(await post("/api/v1/graph/sources/refresh", "ADMIN", { source: "FILE" }), 422, "VALIDATION_FAILED");
    const response = await post("/api/v1/graph/sources/refresh", "ADMIN", {});
    expect(response.status).toBe(200);
    const { runs } = (await response.json()) as { runs: unknown[] };
    const [run] = runs.map((r) => ZSourceRun.parse(r));
    expect(run).toMatchObject({ source: "CATALOG", trigger: "MANUAL", actor: "admin@interlock.local", outcome: "APPLIED" });
    expect(run!.applied!.services.added.map((s) => s.name)).toEqual(["alpha-svc", "beta-svc"]);
  });

  it("holds a removal, which only an admin decides: reject needs a note, a decided change is a 409, an unknown one a 404", async () => {
    fs.rmSync(path.join(dir, "beta.yaml"));
    const refreshed = await post("/api/v1/graph/sources/refresh", "ADMIN", { source: "CATALOG" });
    const [run] = ((await refreshed.json()) as { runs: unknown[] }).runs.map((r) => ZSourceRun.parse(r));
    expect(run!.outcome).toBe("HELD");
    const id = run!.heldChangeId!;

    const sources = ZGraphSources.parse(await (await api.fetch("/api/v1/graph/sources", { headers: await api.as("VIEWER") })).json());
    expect(sources.held.map((h) => [h.id, h.status, h.diff.services.removed.map((s) => s.name)])).toEqual([[id, "PENDING", ["beta-svc"]]]);
    expect(sources.sources[0]!.lastRun!.id).toBe(run!.id);

    await expectError(await post(`/api/v1/graph/changes/${id}/reject`, "APPROVER", { note: "keep it" }), 403, "FORBIDDEN");
    await expectError(await post(`/api/v1/graph/changes/${id}/approve`, "OPERATOR", {}), 403, "FORBIDDEN");
    await expectError(await post(`/api/v1/graph/changes/${id}/reject`, "ADMIN", {}), 422, "VALIDATION_FAILED");
    const rejected = await post(`/api/v1/graph/changes/${id}/reject`, "ADMIN", { note: "beta still runs the nightly batch" });
    expect(rejected.status).toBe(200);
    expect(ZHeldChange.parse(await rejected.json())).toMatchObject({ id, status: "REJECTED", decidedBy: "admin@interlock.local", note: "beta still runs the nightly batch" });

    const again = await expectError(await post(`/api/v1/graph/changes/${id}/approve`, "ADMIN", {}), 409, "CONFLICT");
    expect(again).toContain("REJECTED by admin@interlock.local");
    await expectError(await post(`/api/v1/graph/changes/00000000-0000-4000-8000-000000000000/approve`, "ADMIN", {}), 404, "NOT_FOUND");
    await expectError(await post(`/api/v1/graph/changes/not-a-uuid/reject`, "ADMIN", { note: "x" }), 422, "VALIDATION_FAILED");

    const topology = (await (await api.fetch("/api/v1/graph", { headers: await api.as("VIEWER") })).json()) as { services: { name: string }[] };
    expect(topology.services.map((s) => s.name)).toContain("beta-svc");
  });

  it("approves a held removal: the answer is the change and what was applied", async () => {
    fs.writeFileSync(path.join(dir, "gamma.yaml"), component("gamma-svc"));
    expect(((await (await post("/api/v1/graph/sources/refresh", "ADMIN", {})).json()) as { runs: { outcome: string }[] }).runs.map((r) => r.outcome)).toEqual(["APPLIED"]);
    fs.rmSync(path.join(dir, "gamma.yaml"));
    const [run] = ((await (await post("/api/v1/graph/sources/refresh", "ADMIN", {})).json()) as { runs: unknown[] }).runs.map((r) => ZSourceRun.parse(r));
    expect(run!.outcome).toBe("HELD");
    const approved = await post(`/api/v1/graph/changes/${run!.heldChangeId}/approve`, "ADMIN", { note: "gone" });
    expect(approved.status).toBe(200);
    const body = ZApprovedHeldChange.parse(await approved.json());
    expect(body).toMatchObject({ id: run!.heldChangeId, status: "APPROVED", note: "gone", result: { summary: { added: 0, removed: 1, changed: 0 }, kept: [] } });
    expect(body.result.diff.services.removed.map((s) => s.name)).toEqual(["gamma-svc"]);
    const topology = (await (await api.fetch("/api/v1/graph", { headers: await api.as("VIEWER") })).json()) as { services: { name: string }[] };
    expect(topology.services.map((s) => s.name)).not.toContain("gamma-svc");
  });

  it("answers the drift to a viewer; without traces nothing is said to be unobserved", async () => {
    const response = await api.fetch("/api/v1/graph/drift", { headers: await api.as("VIEWER") });
    expect(response.status).toBe(200);
    expect(ZGraphDrift.parse(await response.json())).toEqual({ tracesConfigured: false, observedNotDeclared: [], declaredNotObserved: [] });
  });
});
