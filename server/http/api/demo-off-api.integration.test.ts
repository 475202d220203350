// A DATABASE_URL deployment that did not ask for the demo
// (docs/security.md#the-demo-on-a-real-deployment): every demo endpoint answers
// 404 saying the demo is off and how to turn it on, an admin included; the
// demo is never built; and the demo topology is not seeded into the store.
import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleDemoBuilt } from "../../../demo/console/console-demo";
import type { Role } from "../../core/identity/roles";
import { startApiHarness, type ApiHarness } from "../../testing/api";

let api: ApiHarness;

beforeAll(async () => {
  // Both at their defaults (empty counts as unset), whatever the harness or the machine sets.
  api = await startApiHarness("demo_off_api", { INTERLOCK_DEMO: "", INTERLOCK_SEED_DEMO: "" });
});
afterAll(async () => {
  await api?.close();
});

async function send(role: Role, path: string, body?: unknown) {
  const headers: Record<string, string> = { ...(await api.as(role)) };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await api.fetch(path, { method: body === undefined ? "GET" : "POST", headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as any };
}

describe("the demo on a DATABASE_URL deployment without INTERLOCK_DEMO", () => {
  it("answers 404 on every demo endpoint, saying the demo is off and how to turn it on, and builds nothing of it", async () => {
    const answers = [
      await send("VIEWER", "/api/v1/demo/scenarios"),
      await send("VIEWER", "/api/v1/demo/runs"),
      await send("VIEWER", `/api/v1/demo/runs/${crypto.randomUUID()}`),
      await send("ADMIN", "/api/v1/demo/runs", { scenario: "audit-tampering" }),
    ];
    for (const { status, json } of answers) {
      expect(status).toBe(404);
      expect(json.error).toMatchObject({ code: "NOT_FOUND", details: { demo: "off", enableWith: "INTERLOCK_DEMO=true" } });
      expect(json.error.message).toContain("The demo is off on this deployment");
      expect(json.error.message).toContain("INTERLOCK_DEMO=true");
    }
    expect(consoleDemoBuilt()).toBe(false);
    expect(api.container.env.INTERLOCK_DEMO).toBe(false);
  });

  it("leaves the store without the demo topology", async () => {
    expect(api.container.env.INTERLOCK_SEED_DEMO).toBe(false);
    expect(await api.container.db.query(`SELECT count(*)::int AS n FROM services`)).toEqual([{ n: 0 }]);
  });
});
