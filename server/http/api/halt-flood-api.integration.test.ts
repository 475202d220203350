// Stop the line holds under a flood (docs/freezes.md#stop-the-line): during a
// global halt, 50 remediations submitted at once through the API never start
// (no IN_PROGRESS, no COMPLETED in any state history), and each says why:
// "Halted by <who>: <reason>". Lifting lets new work through; the blocked
// ones stay failed (their submitter resubmits), while those a QUEUE halt held
// run by themselves once it is lifted. The FREEZE gate in the orchestrator
// does the holding (server/core/freezes/evaluate-freeze.ts); this is the
// whole path: API, halt store, gate, state machine.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZOperationDetail, type TOperationDetail } from "@/lib/api/operations";
import type { Role } from "../../core/identity/roles";
import { startApiHarness, type ApiHarness } from "../../testing/api";

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness("halt_flood_api");
}, 120_000);
afterAll(async () => {
  await api?.close();
});

async function send(role: Role, path: string, init: { method?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { ...(await api.as(role)) };
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await api.fetch(path, { method: init.method ?? (body === undefined ? "GET" : "POST"), headers, body });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : null) as any };
}

const detail = async (id: string) => ZOperationDetail.parse((await send("VIEWER", `/api/v1/operations/${id}`)).json);
const RESTING = ["COMPLETED", "FAILED", "ROLLED_BACK", "CANCELLED", "PAUSED_FOR_HUMAN_REVIEW"];
const STARTED = ["IN_PROGRESS", "COMPLETED", "ROLLED_BACK"];

/** Each operation once it has come to rest, or is waiting with a reason that names `waitingFor`. */
async function settled(ids: string[], waitingFor: string): Promise<TOperationDetail[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const all = await Promise.all(ids.map(detail));
    if (all.every((d) => RESTING.includes(d.operation.state) || (d.operation.reason ?? "").includes(waitingFor))) return all;
    if (Date.now() > deadline) throw new Error(`not settled: ${all.filter((d) => !RESTING.includes(d.operation.state)).map((d) => `${d.operation.id} ${d.operation.state} ${d.operation.reason}`).join("; ")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function finished(id: string): Promise<TOperationDetail> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const d = await detail(id);
    if (["COMPLETED", "FAILED", "ROLLED_BACK", "CANCELLED"].includes(d.operation.state)) return d;
    if (Date.now() > deadline) throw new Error(`operation ${id} is still ${d.operation.state}: ${d.operation.reason}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Leaves of the demo topology: a remediation of one reaches few services, so no other gate pauses it.
const SERVICES = ["sms-service", "email-service", "tax-service", "currency-service", "promotion-service", "search-service", "session-service", "ledger-service", "fraud-detection-service", "invoice-service"];

const remediation = (i: number) => ({ type: "REMEDIATION", service: SERVICES[i % SERVICES.length]!, params: { patch: `hotfix-${i}` } });

describe("a flood of remediations during a halt", () => {
  it("none of 50 runs, each says it was halted and by whom; after the lift new work runs and the blocked ones stay failed", async () => {
    const reason = "Checkout outage: nobody changes anything";
    const halt = await send("APPROVER", "/api/v1/halts", { body: { reason } });
    expect(halt.status).toBe(201);

    const submitted = await Promise.all(Array.from({ length: 50 }, (_, i) => send("OPERATOR", "/api/v1/operations", { body: remediation(i) })));
    expect(submitted.map((s) => s.status)).toEqual(Array(50).fill(202));
    const ids = submitted.map((s) => s.json.operation.id as string);
    expect(new Set(ids).size).toBe(50);

    const said = `Halted by approver@interlock.local: ${reason}`;
    const rest = await settled(ids, said);
    for (const d of rest) {
      expect(d.transitions.map((t) => t.to).filter((s) => STARTED.includes(s)), d.operation.id).toEqual([]);
      expect(d.operation.reason, d.operation.id).toContain(said);
    }
    // BLOCK: each fails at the gate, saying why.
    expect(rest.map((d) => d.operation.state)).toEqual(Array(50).fill("FAILED"));

    expect((await send("APPROVER", `/api/v1/halts/${halt.json.id}/lift`, { body: { reason: "Checkout is back" } })).status).toBe(200);
    const again = await send("OPERATOR", "/api/v1/operations", { body: remediation(0) });
    expect(again.status).toBe(202);
    expect((await finished(again.json.operation.id)).operation.state).toBe("COMPLETED");
    // The blocked ones are not retried by the lift.
    expect((await Promise.all(ids.map(detail))).map((d) => d.operation.state)).toEqual(Array(50).fill("FAILED"));
  }, 120_000);

  it("a QUEUE halt keeps remediations waiting; lifted, they run by themselves", async () => {
    const reason = "Database failover in progress";
    const halt = await send("APPROVER", "/api/v1/halts", { body: { reason, action: "QUEUE" } });
    expect(halt.status).toBe(201);
    // Not sms-service: the first test's remediation completed there moments ago, and a just-changed service waits for its effects to settle.
    const submitted = await Promise.all([101, 102, 103].map((i) => send("OPERATOR", "/api/v1/operations", { body: remediation(i) })));
    const ids = submitted.map((s) => s.json.operation.id as string);
    const waiting = await settled(ids, `Halted by approver@interlock.local: ${reason}`);
    for (const d of waiting) {
      expect(RESTING).not.toContain(d.operation.state);
      expect(d.transitions.map((t) => t.to).filter((s) => STARTED.includes(s))).toEqual([]);
    }
    expect((await send("APPROVER", `/api/v1/halts/${halt.json.id}/lift`, { body: { reason: "Failover done" } })).status).toBe(200);
    for (const id of ids) expect((await finished(id)).operation.state).toBe("COMPLETED");
  }, 120_000);
});
