// The CLI against the real API in-process (server/testing/api.ts: the real
// container on a fresh Postgres database, the real route modules), with API
// tokens as automation uses them: the requests it builds pass the server's
// own validation, and the exit codes come from records the orchestrator
// really writes — completed, rejected by a reviewer, blocked by a gate,
// cancelled. `interlock run` is tested here once the server accepts
// `execution: "external"` (skipped with the reason until then); the built
// server is exercised by e2e/cli.spec.ts.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimulatedSignalSource } from "../server/adapters/signals/simulated-signal-source";
import { insertApiToken } from "../server/testing/identity";
import { startApiHarness, type ApiHarness } from "../server/testing/api";
import type { FetchLike } from "./api-client";
import { EXIT } from "./exit-codes";
import { run } from "./main";
import { captureIo } from "./testing/fakes";

let api: ApiHarness;
const tokens: Record<"operator" | "approver", string> = { operator: "", approver: "" };
let supportsExternal = false;

const fetchThroughHarness: FetchLike = async (url, init) => {
  const response = await api.fetch(url, { method: init.method, headers: init.headers, ...(init.body !== undefined ? { body: init.body } : {}) });
  return { status: response.status, text: () => response.text() };
};

async function cli(as: "operator" | "approver", argv: string[]) {
  const captured = captureIo({ fetch: fetchThroughHarness, env: { INTERLOCK_URL: "http://interlock.test", INTERLOCK_TOKEN: tokens[as] } });
  const code = await run(argv, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

async function waitForState(id: string, states: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { stdout } = await cli("operator", ["status", id, "--json"]);
    const state = (JSON.parse(stdout) as { operation: { state: string } }).operation.state;
    if (states.includes(state)) return;
    if (Date.now() > deadline) throw new Error(`operation ${id} is ${state}, not ${states.join("/")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

function procState(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[0]!;
  } catch {
    return null;
  }
}

/** An approver's pause, resume or abort (docs/api.md#operations). */
async function control(id: string, action: "pause" | "resume" | "abort", reason: string): Promise<Response> {
  return api.fetch(`/api/v1/operations/${id}/${action}`, { method: "POST", headers: { ...(await api.as("APPROVER")), "content-type": "application/json" }, body: JSON.stringify({ reason }) });
}

beforeAll(async () => {
  api = await startApiHarness("cli");
  // The pipeline's token, made by the admin; the approver's own token, made for the approver. A token counts as
  // its creator for four-eyes (docs/security.md#offboarding-users-sessions-and-tokens), so an admin-made
  // approver token could not decide what the admin-made pipeline token requested.
  const admin = await api.as("ADMIN");
  const response = await api.fetch("/api/v1/tokens", { method: "POST", headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify({ name: "cli-operator", role: "OPERATOR" }) });
  expect(response.status).toBe(201);
  tokens.operator = ((await response.json()) as { token: string }).token;
  const approver = await api.container.identity.store.findUserByEmail("approver@interlock.local");
  tokens.approver = (await insertApiToken(api.container.identity.store, { name: "cli-approver", role: "APPROVER", createdById: approver!.id })).secret;
  const openapi = await (await api.fetch("/api/v1/openapi.json")).text();
  supportsExternal = openapi.includes("leaseSeconds");
});

afterAll(async () => {
  await api?.close();
});

describe("the CLI on the real API", () => {
  it("plans, submits and waits for a deployment to complete (exit 0)", async () => {
    const plan = await cli("operator", ["plan", "--service", "metrics-gateway", "--type", "deployment", "--param", "version=v0.9.1", "--json"]);
    expect(plan.code).toBe(EXIT.OK);
    expect(JSON.parse(plan.stdout)).toMatchObject({ verdict: "RUN", service: "metrics-gateway", type: "DEPLOYMENT" });

    const submitted = await cli("operator", ["submit", "--service", "metrics-gateway", "--type", "deployment", "--param", "version=v0.9.1", "--idempotency-key", "cli-metrics-v0.9.1"]);
    expect(submitted.code, submitted.stderr).toBe(EXIT.OK);
    const id = submitted.stdout.trim();
    const again = await cli("operator", ["submit", "--json", "--service", "metrics-gateway", "--type", "deployment", "--param", "version=v0.9.1", "--idempotency-key", "cli-metrics-v0.9.1"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ result: "ALREADY_RUNNING", operation: { id } });

    const waited = await cli("operator", ["wait", id, "--timeout", "60s"]);
    expect(waited.code, waited.stderr).toBe(EXIT.OK);
    expect(waited.stdout).toMatch(/^COMPLETED \(SUCCESS\)/);
    const status = await cli("operator", ["status", id]);
    expect(status.stdout).toContain("state     COMPLETED  result SUCCESS");
    expect(status.stdout).toContain('params    {"version":"v0.9.1"}');
  });

  it("a reviewer's rejection: the requester cannot decide, the approver rejects, wait exits 3", async () => {
    const submitted = await cli("operator", ["submit", "--service", "geo-service", "--type", "config-change", "--param-json", "reviewRequired=true", "--param", "version=cfg-7"]);
    const id = submitted.stdout.trim();
    await waitForState(id, ["PAUSED_FOR_HUMAN_REVIEW"]);
    const self = await cli("operator", ["reject", id, "--notes", "mine"]);
    expect(self.code).toBe(EXIT.API);
    expect(self.stderr).toMatch(/^error: FORBIDDEN \(403\): /);
    const rejected = await cli("approver", ["reject", id, "--notes", "not during the sale"]);
    expect(rejected.code, rejected.stderr).toBe(EXIT.OK);
    const waited = await cli("operator", ["wait", id, "--json"]);
    expect(waited.code).toBe(EXIT.REJECTED);
    expect(JSON.parse(waited.stdout)).toMatchObject({ exitCode: 3, outcome: "rejected", operation: { operation: { state: "FAILED", result: "FAILED" }, review: { status: "REJECTED" } } });
  });

  it("an approval lets it run to the end (exit 0)", async () => {
    const submitted = await cli("operator", ["submit", "--service", "sms-service", "--type", "config-change", "--param-json", "reviewRequired=true", "--param", "version=cfg-8"]);
    const id = submitted.stdout.trim();
    await waitForState(id, ["PAUSED_FOR_HUMAN_REVIEW"]);
    const approved = await cli("approver", ["approve", id, "--notes", "checked"]);
    expect(approved.code, approved.stderr).toBe(EXIT.OK);
    expect(approved.stdout).toContain(`Approved ${id}: review APPROVED`);
    expect((await cli("operator", ["wait", id, "--timeout", "60s"])).code).toBe(EXIT.OK);
  });

  it("blocked by a safety gate: wait exits 4 and names the gate", async () => {
    (api.container.signals as SimulatedSignalSource).set("warehouse-service", { capacityHeadroomPct: 5 });
    const id = (await cli("operator", ["submit", "--service", "warehouse-service", "--type", "maintenance"])).stdout.trim();
    const waited = await cli("operator", ["wait", id]);
    expect(waited.code).toBe(EXIT.BLOCKED);
    expect(waited.stdout).toMatch(/^FAILED \(BLOCKED_BY_GATE\)/);
    expect(waited.stdout).toContain("✗ RESOURCE_CAPACITY: ");
  });

  it("cancelled while it waits for review: cancel exits 0, wait exits 6", async () => {
    const id = (await cli("operator", ["submit", "--service", "currency-service", "--type", "maintenance", "--param-json", "reviewRequired=true"])).stdout.trim();
    await waitForState(id, ["PAUSED_FOR_HUMAN_REVIEW"]);
    const cancelled = await cli("operator", ["cancel", id, "--reason", "not needed after all"]);
    expect(cancelled.code, cancelled.stderr).toBe(EXIT.OK);
    expect((await cli("operator", ["wait", id])).code).toBe(EXIT.CANCELLED);
    // A second cancel is refused by the API: exit 7 with its code.
    const again = await cli("operator", ["cancel", id]);
    expect(again.code).toBe(EXIT.API);
    expect(again.stderr).toMatch(/^error: [A-Z_]+ \(409\): /);
  });

  it("validation failures of the server come back as exit 7 with the field named", async () => {
    const r = await cli("operator", ["submit", "--service", "no such service!", "--type", "deployment"]);
    expect(r.code).toBe(EXIT.API);
    expect(r.stderr).toContain("VALIDATION_FAILED (422)");
    expect(r.stderr).toContain("body.service");
  });

  it("interlock run: runs the command with the lease's fencing token and exits 0 (needs execution: external on the server)", async (ctx) => {
    if (!supportsExternal) ctx.skip("the server does not accept execution: \"external\" yet (no leaseSeconds in its OpenAPI document)");
    const r = await cli("operator", ["run", "--json", "--timeout", "40s", "--service", "tax-service", "--type", "maintenance", "--lease", "10", "--", process.execPath, "-e", "console.log(process.env.INTERLOCK_FENCING_TOKEN)"]);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const doc = JSON.parse(r.stdout) as { lease: { fencingToken: string }; operation: { state: string } };
    expect(r.stderr.trim()).toBe(doc.lease.fencingToken);
    expect(doc.operation.state).toBe("COMPLETED");
    // Another service: tax-service now waits out its timing window and cooldown (docs/conflicts.md, docs/gates.md).
    const failed = await cli("operator", ["run", "--timeout", "40s", "--service", "image-resizer-service", "--type", "maintenance", "--lease", "10", "--", process.execPath, "-e", "process.exit(3)"]);
    expect(failed.code, failed.stderr).toBe(EXIT.FAILED);
    expect(failed.stderr).toContain("exited with status 3");
    const id = /operation ([0-9a-f-]{36})/.exec(failed.stderr)![1]!;
    const status = await cli("operator", ["status", id, "--json"]);
    expect(JSON.parse(status.stdout)).toMatchObject({ operation: { state: "FAILED", execution: "external" }, lease: { state: "COMPLETED" }, steps: [expect.objectContaining({ name: "command started", outcome: "INFO" })] });
  }, 120_000);

  it("interlock run: a person's pause stops the command (SIGSTOP) until the resume; it then completes (exit 0)", async (ctx) => {
    if (!supportsExternal) ctx.skip("the server does not accept execution: \"external\" yet");
    const captured = captureIo({ fetch: fetchThroughHarness, env: { INTERLOCK_URL: "http://interlock.test", INTERLOCK_TOKEN: tokens.operator } });
    // Prints its pid, then works 160 × 50 ms of its own time: longer than a heartbeat interval, so the pause reaches it.
    const script = "console.log('pid ' + process.pid); let i = 0; const t = setInterval(() => { if (++i === 160) { clearInterval(t); console.log('done'); } }, 50)";
    const done = run(["run", "--timeout", "90s", "--service", "config-service", "--type", "maintenance", "--lease", "10", "--", process.execPath, "-e", script], captured.io);
    await until(() => /pid \d+/.test(captured.stdout()), 30_000);
    const pid = Number(/pid (\d+)/.exec(captured.stdout())![1]);
    const id = /operation ([0-9a-f-]{36})/.exec(captured.stderr())![1]!;
    expect((await control(id, "pause", "cli test: hold while a dashboard is checked")).status).toBe(200);
    // Noticed at the next heartbeat: within leaseSeconds/3.
    await until(() => captured.stderr().includes("Held: "), 15_000);
    await until(() => procState(pid) === "T", 2000);
    expect(captured.stdout()).not.toContain("done");
    expect((await control(id, "resume", "cli test: carry on")).status).toBe(200);
    await until(() => captured.stderr().includes("Continuing"), 15_000);
    expect(await done).toBe(EXIT.OK);
    expect(captured.stdout()).toContain("done");
  }, 120_000);

  it("interlock run: an abort revokes the lease, the command is stopped, exit 6", async (ctx) => {
    if (!supportsExternal) ctx.skip("the server does not accept execution: \"external\" yet");
    const captured = captureIo({ fetch: fetchThroughHarness, env: { INTERLOCK_URL: "http://interlock.test", INTERLOCK_TOKEN: tokens.operator } });
    const done = run(["run", "--timeout", "90s", "--service", "session-service", "--type", "maintenance", "--lease", "10", "--", process.execPath, "-e", "console.log('pid ' + process.pid); setInterval(() => {}, 1000)"], captured.io);
    await until(() => /pid \d+/.test(captured.stdout()), 30_000);
    const pid = Number(/pid (\d+)/.exec(captured.stdout())![1]);
    const id = /operation ([0-9a-f-]{36})/.exec(captured.stderr())![1]!;
    expect((await control(id, "abort", "cli test: wrong build")).status).toBe(200);
    expect(await done).toBe(EXIT.CANCELLED);
    expect(["Z", null]).toContain(procState(pid));
    expect(captured.stderr()).toContain("Lease lost: LEASE_ENDED (409)");
    const status = JSON.parse((await cli("operator", ["status", id, "--json"])).stdout);
    expect(status).toMatchObject({ operation: { state: "FAILED" }, lease: { state: "REVOKED" } });
  }, 120_000);

  it("interlock run: Ctrl-C while the command runs stops it and reports FAILED (exit 130); while it waits, cancels it", async (ctx) => {
    if (!supportsExternal) ctx.skip("the server does not accept execution: \"external\" yet");
    const running = captureIo({ fetch: fetchThroughHarness, env: { INTERLOCK_URL: "http://interlock.test", INTERLOCK_TOKEN: tokens.operator } });
    const done = run(["run", "--timeout", "90s", "--service", "promotion-service", "--type", "maintenance", "--lease", "10", "--", process.execPath, "-e", "console.log('pid ' + process.pid); setInterval(() => {}, 1000)"], running.io);
    await until(() => /pid \d+/.test(running.stdout()), 30_000);
    const id = /operation ([0-9a-f-]{36})/.exec(running.stderr())![1]!;
    running.signal("SIGINT");
    expect(await done).toBe(EXIT.SIGINT);
    await waitForState(id, ["FAILED"]);
    const detail = JSON.parse((await cli("operator", ["status", id, "--json"])).stdout);
    expect(detail).toMatchObject({ operation: { reason: expect.stringContaining("interrupted: the interlock CLI received SIGINT") }, lease: { state: "COMPLETED" } });

    const waiting = captureIo({ fetch: fetchThroughHarness, env: { INTERLOCK_URL: "http://interlock.test", INTERLOCK_TOKEN: tokens.operator } });
    const paused = run(["run", "--service", "review-service", "--type", "maintenance", "--param-json", "reviewRequired=true", "--", process.execPath, "-e", "process.exit(9)"], waiting.io);
    await until(() => waiting.stderr().includes("Paused for review"), 30_000);
    const waitingId = /operation ([0-9a-f-]{36})/.exec(waiting.stderr())![1]!;
    waiting.signal("SIGTERM");
    expect(await paused).toBe(EXIT.SIGTERM);
    expect(JSON.parse((await cli("operator", ["status", waitingId, "--json"])).stdout)).toMatchObject({ operation: { state: "CANCELLED", reason: expect.stringContaining("interrupted: the interlock CLI received SIGTERM") }, lease: null });
  }, 120_000);
});
