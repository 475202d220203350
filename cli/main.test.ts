// The command line as a user types it, run in-process: what request each
// command sends, how a bad flag is refused (exit 2, naming the flag), and
// how the API's answers become output and exit codes.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import type { Env } from "./context";
import { EXIT } from "./exit-codes";
import { run } from "./main";
import { captureIo, detail, OP_ID, scriptedFetch, summary, type Responder } from "./testing/fakes";

async function cli(argv: string[], respond: Responder = () => ({ status: 500 }), env: Env = {}) {
  const server = scriptedFetch(respond);
  const captured = captureIo({ fetch: server.fetch, env });
  const code = await run(argv, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr(), requests: server.requests };
}

const accepted: Responder = () => ({ status: 202, body: { result: "ACCEPTED", operation: summary() } });

describe("flags", () => {
  it("submit sends the operation with typed params, its headers and the token", async () => {
    const r = await cli(
      ["submit", "--service", "tax-service", "--type", "deployment", "--params-json", '{"strategy":"canary","version":"0"}', "--param", "version=1.4.2", "--param-json", "replicas=3", "--param", "note=a=b", "--priority", "high", "--correlation-id", "INC-7", "--incident", OP_ID, "--idempotency-key", "deploy-1.4.2"],
      accepted,
    );
    expect(r.code).toBe(EXIT.OK);
    expect(r.requests).toHaveLength(1);
    const [req] = r.requests;
    expect(req).toMatchObject({ method: "POST", path: "/api/v1/operations" });
    expect(req!.body).toEqual({ type: "DEPLOYMENT", service: "tax-service", params: { strategy: "canary", version: "1.4.2", replicas: 3, note: "a=b" }, priority: "HIGH", correlationId: "INC-7", incidentId: OP_ID });
    expect(req!.headers).toMatchObject({ authorization: "Bearer ilk_test", "idempotency-key": "deploy-1.4.2", "content-type": "application/json" });
    expect(r.stdout).toBe(`${OP_ID}\n`);
    expect(r.stderr).toContain("Accepted: MAINTENANCE tax-service");
    expect(r.stderr).toContain(`http://interlock.test/operations/${OP_ID}`);
  });

  it("--url and --token override the environment, before or after the command", async () => {
    const r = await cli(["status", OP_ID, "--url", "https://il.example.com/", "--token", "ilk_flag", "--json"], () => ({ status: 200, body: detail() }), { INTERLOCK_URL: "http://ignored" });
    expect(r.code).toBe(EXIT.OK);
    expect(r.requests[0]!.headers.authorization).toBe("Bearer ilk_flag");
    const r2 = await cli(["--url", "https://il.example.com", "status", OP_ID], () => ({ status: 200, body: detail() }));
    expect(r2.stdout).toContain(`console   https://il.example.com/operations/${OP_ID}`);
  });

  it.each([
    [["submit", "--service", "s", "--type", "DEPLOYMENT", "--param", "version"], "--param", "expected key=value"],
    [["submit", "--service", "s", "--type", "DEPLOYMENT", "--param-json", "replicas=three"], "--param-json", "not JSON"],
    [["plan", "--service", "s", "--type", "DEPLOYMENT", "--params-json", "[]"], "--params-json", "expected a JSON object"],
    [["submit", "--service", "s", "--type", "deploy"], "--type", "expected one of DEPLOYMENT"],
    [["submit", "--type", "DEPLOYMENT"], "--service", "not specified"],
    [["submit", "--service", "s", "--type", "DEPLOYMENT", "--priority", "urgent"], "--priority", "expected one of CRITICAL"],
    [["submit", "--service", "s", "--type", "DEPLOYMENT", "--incident", "INC-7"], "--incident", "expected an id"],
    [["submit", "--service", "s", "--type", "DEPLOYMENT", "--verbose"], "--verbose", "unknown option"],
    [["run", "--service", "s", "--type", "DEPLOYMENT", "--lease", "5", "--", "true"], "--lease", "between 10 and 3600"],
    [["run", "--service", "s", "--type", "DEPLOYMENT", "--timeout", "soon", "--", "true"], "--timeout", "expected a duration"],
    [["wait", OP_ID, "--timeout", "1y"], "--timeout", "expected a duration"],
    [["status", "42"], "id", "expected an id"],
    [["--url", "localhost:3000", "status", OP_ID], "--url", "http:// or https://"],
    [["approve"], "id", "missing required argument"],
    [["deploy"], "deploy", "unknown command"],
  ])("refuses %j with exit 2, naming %s", async (argv, flag, message) => {
    const r = await cli(argv as string[]);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toContain(flag);
    expect(r.stderr).toContain(message);
    expect(r.requests).toHaveLength(0);
  });

  it("wants run's command after --", async () => {
    const r = await cli(["run", "--service", "s", "--type", "MAINTENANCE", "echo", "hi"]);
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toContain("put the command after --, as in: interlock run --service s --type MAINTENANCE -- echo hi");
    const r2 = await cli(["run", "--service", "s", "--type", "MAINTENANCE", "--"]);
    expect(r2.code).toBe(EXIT.USAGE);
    expect(r2.stderr).toContain("missing required argument 'command'");
  });

  it("needs a server", async () => {
    const r = await cli(["status", OP_ID], undefined, { INTERLOCK_URL: "" });
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toContain("set INTERLOCK_URL");
  });

  it("prints help with exit 0, and usage with exit 2 when no command is given", async () => {
    const help = await cli(["run", "--help"]);
    expect(help.code).toBe(EXIT.OK);
    expect(help.stdout).toContain("Usage: interlock run [options] -- <command...>");
    expect(help.stdout).toContain("--lease <seconds>");
    expect(help.stdout).toContain("--url <url>");
    const none = await cli([]);
    expect(none.code).toBe(EXIT.USAGE);
    expect(none.stderr).toContain("Usage: interlock");
  });
});

describe("answers", () => {
  it("a refusal prints its code and message and exits 7", async () => {
    const r = await cli(["submit", "--service", "nope", "--type", "DEPLOYMENT"], () => ({ status: 404, body: { error: { code: "NOT_FOUND", message: "Service nope does not exist", details: {} } } }));
    expect(r.code).toBe(EXIT.API);
    expect(r.stderr).toBe("error: NOT_FOUND (404): Service nope does not exist\n");
  });

  it("a refusal with --json is one JSON document on stdout", async () => {
    const r = await cli(["--json", "approve", OP_ID], () => ({ status: 403, body: { error: { code: "FORBIDDEN", message: "token:ci requested it and cannot approve it", details: { operationId: OP_ID } } } }));
    expect(r.code).toBe(EXIT.API);
    expect(JSON.parse(r.stdout)).toEqual({ error: { status: 403, code: "FORBIDDEN", message: "token:ci requested it and cannot approve it", details: { operationId: OP_ID } } });
  });

  it("a lock timeout exits 5", async () => {
    const r = await cli(["cancel", OP_ID], () => ({ status: 423, body: { error: { code: "LOCK_TIMEOUT", message: "lock not granted in time", details: {} } } }));
    expect(r.code).toBe(EXIT.TIMED_OUT);
  });

  it("an unreachable server exits 7 and says so", async () => {
    // A port nothing listens on: taken from the OS, then given back.
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    const captured = captureIo({ env: { INTERLOCK_URL: `http://127.0.0.1:${port}` } });
    const code = await run(["status", OP_ID], captured.io);
    expect(code).toBe(EXIT.API);
    expect(captured.stderr()).toMatch(new RegExp(`^error: the Interlock API could not be reached: GET http://127\\.0\\.0\\.1:${port}/api/v1/operations/${OP_ID}: ECONNREFUSED`));
  });

  it("plan posts to /plan and prints the verdict; --json prints the plan itself", async () => {
    const plan = { verdict: "RUN", summary: "Would start now.", evaluatedAt: "2026-01-01T00:00:00.000Z", type: "MAINTENANCE", service: "tax-service", priority: "NORMAL", conflicts: [], gates: [], gatesEvaluated: true, blastRadius: { score: 2.2, estimatedImpactPct: 5.2, percentage: 11.9, affectedCount: 5, totalServices: 42, depth: 3, direct: ["tax-service"], sharedResource: [], downstream: [], upstream: [] }, locks: [], queue: null, preempts: [], supersedes: [], pauseCauses: [], blockReasons: [], notBefore: null, alreadyRunning: null };
    const r = await cli(["plan", "--service", "tax-service", "--type", "maintenance"], () => ({ status: 200, body: plan }));
    expect(r.requests[0]).toMatchObject({ method: "POST", path: "/api/v1/operations/plan", body: { type: "MAINTENANCE", service: "tax-service" } });
    expect(r.stdout).toContain("verdict  RUN: Would start now.");
    const j = await cli(["plan", "--json", "--service", "tax-service", "--type", "maintenance"], () => ({ status: 200, body: plan }));
    expect(JSON.parse(j.stdout)).toEqual(plan);
  });

  it("approve, reject and cancel send their notes and reason", async () => {
    const decided = { operation: summary({ state: "PAUSED_FOR_HUMAN_REVIEW" }), review: { status: "APPROVED" }, approvalId: "APPROVE-1" };
    const a = await cli(["approve", OP_ID, "--notes", "checked the graph"], () => ({ status: 200, body: decided }));
    expect(a.requests[0]).toMatchObject({ method: "POST", path: `/api/v1/operations/${OP_ID}/approve`, body: { notes: "checked the graph" } });
    expect(a.stdout).toContain("Approved");
    const j = await cli(["reject", OP_ID, "--notes", "not during the sale"], () => ({ status: 200, body: { ...decided, review: { status: "REJECTED" }, approvalId: null } }));
    expect(j.requests[0]).toMatchObject({ path: `/api/v1/operations/${OP_ID}/reject`, body: { notes: "not during the sale" } });
    const c = await cli(["cancel", OP_ID, "--reason", "superseded by 1.4.3"], () => ({ status: 200, body: summary({ state: "CANCELLED", reason: "superseded by 1.4.3" }) }));
    expect(c.requests[0]).toMatchObject({ path: `/api/v1/operations/${OP_ID}/cancel`, body: { reason: "superseded by 1.4.3" } });
    expect(c.code).toBe(EXIT.OK);
  });
});

describe("wait", () => {
  function sequence(...states: Parameters<typeof detail>[]): Responder {
    let i = 0;
    return () => ({ status: 200, body: detail(...states[Math.min(i++, states.length - 1)]!) });
  }

  it("follows the operation to its end and exits with its code", async () => {
    const r = await cli(["wait", OP_ID], sequence([{ state: "INIT", reason: "Waiting in line for tax-service: position 2" }], [{ state: "SAFETY_CHECK" }], [{ state: "FAILED", result: "BLOCKED_BY_GATE", reason: "Cooldown not satisfied" }]));
    expect(r.code).toBe(EXIT.BLOCKED);
    expect(r.stderr).toContain("INIT  Waiting in line for tax-service: position 2");
    expect(r.stderr).toContain("INIT → SAFETY_CHECK");
    expect(r.stdout).toContain("FAILED (BLOCKED_BY_GATE)");
  });

  it("shows the review it waits on, with the console link, once", async () => {
    const review = { id: "5f0e6c1e-0000-4000-8000-000000000001", status: "PENDING", reason: "Blast radius 27 % above 20 %", severity: "HIGH" } as never;
    const r = await cli(["wait", OP_ID], sequence([{ state: "PAUSED_FOR_HUMAN_REVIEW" }, { review }], [{ state: "PAUSED_FOR_HUMAN_REVIEW" }, { review }], [{ state: "FAILED", result: "FAILED", reason: "Rejected by approver@interlock.local" }]));
    expect(r.code).toBe(EXIT.REJECTED);
    expect(r.stderr.match(/Paused for review \(HIGH\): Blast radius 27 % above 20 %/g)).toHaveLength(1);
    expect(r.stderr).toContain(`approve or reject it at http://interlock.test/operations/${OP_ID}`);
  });

  it("gives up after --timeout with exit 5; --json says so in its document", async () => {
    const r = await cli(["wait", OP_ID, "--timeout", "600ms", "--json"], () => ({ status: 200, body: detail({ state: "INIT" }) }));
    expect(r.code).toBe(EXIT.TIMED_OUT);
    expect(JSON.parse(r.stdout)).toMatchObject({ exitCode: 5, outcome: "timed out", operation: { operation: { state: "INIT" } } });
    expect(r.stderr).toBe("");
  });

  it("rides out a restarting server", async () => {
    let i = 0;
    const r = await cli(["wait", OP_ID], () => (i++ < 2 ? { status: 503, body: { error: { code: "UNAVAILABLE", message: "store down", details: {} } } } : { status: 200, body: detail({ state: "COMPLETED", result: "SUCCESS" }) }));
    expect(r.code).toBe(EXIT.OK);
    expect(r.stderr).toContain("server unreachable (attempt 2): store down");
  });
});
