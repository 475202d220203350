// interlock run against an in-memory Interlock (cli/testing/fakes.ts) with
// real commands: what it sends, what the command sees, and how each ending
// — success, failure, pause, abort, Ctrl-C, timeout, refusal — becomes the
// exit code of docs/cli.md#exit-codes.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT } from "../exit-codes";
import { realTimers, type Timers } from "../heartbeat";
import { run } from "../main";
import { captureIo, FakeInterlock, OP_ID } from "../testing/fakes";

const node = process.execPath;
/** Heartbeats 20 times faster: a 10 s lease beats every 167 ms. */
const fast: Timers = { ...realTimers, setTimeout: (fn, ms) => setTimeout(fn, ms / 20) };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(20);
  }
}

function procState(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[0]!;
  } catch {
    return null;
  }
}

function start(server: FakeInterlock, argv: string[], options: { json?: boolean } = {}) {
  const captured = captureIo({ fetch: server.fetch });
  const flags = ["run", "--service", "tax-service", "--type", "maintenance", "--lease", "10", "--param", "window=nightly", ...(options.json ? ["--json"] : [])];
  const done = run([...flags, ...argv], captured.io, { heartbeatTimers: fast });
  return { captured, done };
}

describe("interlock run", () => {
  it("waits its turn, runs the command with the lease in its environment, reports success and exits 0", async () => {
    const server = new FakeInterlock();
    const script = "console.log(JSON.stringify({ id: process.env.INTERLOCK_OPERATION_ID, token: process.env.INTERLOCK_FENCING_TOKEN, fences: JSON.parse(process.env.INTERLOCK_FENCES) }))";
    const { captured, done } = start(server, ["--", node, "-e", script]);
    expect(await done).toBe(EXIT.OK);

    const submit = server.requests.find((r) => r.method === "POST" && r.path === "/api/v1/operations");
    expect(submit?.body).toEqual({ type: "MAINTENANCE", service: "tax-service", params: { window: "nightly" }, execution: "external", leaseSeconds: 10 });
    // What the command saw: the operation, its fencing token, its fences.
    const seen = JSON.parse(captured.stdout().trim());
    expect(seen).toEqual({ id: OP_ID, token: "9007199254740993", fences: [{ scope: "SERVICE", resource: "tax-service", fencingToken: "9007199254740993" }] });
    // One step when it started; the first heartbeat at once; the outcome with the tail.
    expect(server.steps).toEqual([expect.objectContaining({ fencingToken: "9007199254740993", name: "command started", outcome: "INFO", detail: { argv: [node, "-e", script] } })]);
    expect(server.heartbeats).toBeGreaterThanOrEqual(1);
    expect(server.completed).toMatchObject({ fencingToken: "9007199254740993", status: "SUCCEEDED", summary: `${node} exited with status 0`, detail: { exitCode: 0, signal: null } });
    expect((server.completed!.detail as { outputTail: string }).outputTail).toContain(OP_ID);
    expect((server.completed!.detail as { durationMs: number }).durationMs).toBeGreaterThan(0);
    // The order of the protocol.
    const sequence = server.requests.map((r) => `${r.method} ${r.path.replace(`/api/v1/operations/${OP_ID}`, "…").replace("/api/v1/operations", "ops")}`);
    expect(sequence[0]).toBe("POST ops");
    expect(sequence.indexOf("POST …/steps")).toBeLessThan(sequence.indexOf("POST …/heartbeat"));
    expect(sequence.indexOf("POST …/complete")).toBeGreaterThan(sequence.indexOf("POST …/heartbeat"));
    expect(sequence.at(-1)).toBe("GET …");
    const log = captured.stderr();
    expect(log).toContain(`Submitted MAINTENANCE tax-service: operation ${OP_ID}`);
    expect(log).toContain("Waiting in line for tax-service: position");
    expect(log).toContain("Lease granted: fencing token 9007199254740993, 10 s, heartbeat every 3s");
    expect(log).toContain("COMPLETED (SUCCESS)");
  });

  it("reports a failing command as FAILED and exits 1", async () => {
    const server = new FakeInterlock();
    const { done } = start(server, ["--", node, "-e", "console.error('boom'); process.exit(3)"]);
    expect(await done).toBe(EXIT.FAILED);
    expect(server.completed).toMatchObject({ status: "FAILED", summary: `${node} exited with status 3`, detail: { exitCode: 3, signal: null, outputTail: "boom\n" } });
  });

  it("reports a command that cannot be started as FAILED", async () => {
    const server = new FakeInterlock();
    const { done } = start(server, ["--", "/nonexistent/deploy.sh"]);
    expect(await done).toBe(EXIT.FAILED);
    expect(server.completed).toMatchObject({ status: "FAILED", summary: "/nonexistent/deploy.sh could not be started: ENOENT" });
  });

  it("stops the command (SIGSTOP) while the operation is held and continues it (SIGCONT) after", async () => {
    const server = new FakeInterlock();
    let held = false;
    server.onHeartbeat = () => (held ? "HOLD" : "CONTINUE");
    // Prints its pid, then works 40 × 25 ms of its own time.
    const { captured, done } = start(server, ["--", node, "-e", "console.log('pid ' + process.pid); let i = 0; const t = setInterval(() => { if (++i === 40) { clearInterval(t); console.log('done'); } }, 25)"]);
    await until(() => /pid \d+/.test(captured.stdout()));
    const pid = Number(/pid (\d+)/.exec(captured.stdout())![1]);
    held = true;
    await until(() => captured.stderr().includes("Held: paused by approver@interlock.local: checking a dashboard"));
    await until(() => procState(pid) === "T", 2000);
    const beatsWhileHeld = server.heartbeats;
    await sleep(1500);
    // Stopped: 1.5 s is more than the 1 s of work it had, and heartbeats went on.
    expect(captured.stdout()).not.toContain("done");
    expect(procState(pid)).toBe("T");
    expect(server.heartbeats).toBeGreaterThan(beatsWhileHeld + 3);
    held = false;
    await until(() => captured.stderr().includes("Continuing (SIGCONT)"));
    expect(await done).toBe(EXIT.OK);
    expect(captured.stdout()).toContain("done");
  });

  it("stops the command when the lease is taken away, reports nothing more, and exits 6 for an abort", async () => {
    const server = new FakeInterlock();
    server.onHeartbeat = (n) => (n === 3 ? "ABORT" : "CONTINUE");
    const { captured, done } = start(server, ["--", node, "-e", "console.log('pid ' + process.pid); setInterval(() => {}, 1000)"]);
    expect(await done).toBe(EXIT.CANCELLED);
    const pid = Number(/pid (\d+)/.exec(captured.stdout())![1]);
    expect(["Z", null]).toContain(procState(pid));
    expect(server.completed).toBeNull();
    expect(captured.stderr()).toContain(`Lease lost: LEASE_ENDED (409): The lease of operation ${OP_ID} ended: aborted by approver@interlock.local: wrong build`);
    expect(captured.stderr()).toContain("Stopping the command (SIGTERM, then SIGKILL after 10 s)");
    expect(captured.stderr()).toContain("FAILED (FAILED)");
  });

  it("refuses to run when the same work is already in flight, exit 4", async () => {
    const server = new FakeInterlock();
    server.submitResult = "ALREADY_RUNNING";
    const marker = path.join(mkdtempSync(path.join(tmpdir(), "interlock-run-")), "ran");
    const { captured, done } = start(server, ["--", node, "-e", `require("fs").writeFileSync(${JSON.stringify(marker)}, "x")`], { json: true });
    expect(await done).toBe(EXIT.BLOCKED);
    expect(existsSync(marker)).toBe(false);
    expect(JSON.parse(captured.stdout())).toMatchObject({ exitCode: 4, outcome: "already running", operationId: OP_ID, command: null });
  });

  it("does not run the command when the operation is blocked, exit 4", async () => {
    const server = new FakeInterlock();
    server.endBeforeStart = { state: "FAILED", result: "BLOCKED_BY_GATE", reason: "Cooldown not satisfied: 12s < 300s" };
    const { captured, done } = start(server, ["--", node, "-e", "process.exit(9)"]);
    expect(await done).toBe(EXIT.BLOCKED);
    expect(server.steps).toEqual([]);
    expect(captured.stderr()).toContain("Not run: FAILED (BLOCKED_BY_GATE)");
  });

  it("cancels the operation on Ctrl-C while it waits, exit 130", async () => {
    const server = new FakeInterlock();
    server.waitPolls = 1000;
    const { captured, done } = start(server, ["--", node, "-e", "process.exit(9)"]);
    await until(() => captured.stderr().includes("Waiting in line"));
    captured.signal("SIGINT");
    expect(await done).toBe(EXIT.SIGINT);
    expect(server.cancelled).toEqual({ reason: "interrupted: the interlock CLI received SIGINT" });
    expect(server.steps).toEqual([]);
  });

  it.each([
    ["SIGINT", EXIT.SIGINT],
    ["SIGTERM", EXIT.SIGTERM],
  ] as const)("on %s while the command runs: stops it, reports FAILED, exits %i", async (signal, code) => {
    const server = new FakeInterlock();
    const { captured, done } = start(server, ["--", node, "-e", "console.log('pid ' + process.pid); setInterval(() => {}, 1000)"]);
    await until(() => /pid \d+/.test(captured.stdout()));
    captured.signal(signal);
    expect(await done).toBe(code);
    expect(server.completed).toMatchObject({ status: "FAILED", summary: `interrupted: the interlock CLI received ${signal}`, detail: { exitCode: null, signal: "SIGTERM" } });
    const pid = Number(/pid (\d+)/.exec(captured.stdout())![1]);
    expect(["Z", null]).toContain(procState(pid));
  });

  it("stops the command at --timeout, reports FAILED and exits 5", async () => {
    const server = new FakeInterlock();
    const captured = captureIo({ fetch: server.fetch });
    const code = await run(["run", "--service", "tax-service", "--type", "MAINTENANCE", "--lease", "10", "--timeout", "2s", "--", node, "-e", "setInterval(() => {}, 1000)"], captured.io, { heartbeatTimers: fast });
    expect(code).toBe(EXIT.TIMED_OUT);
    expect(server.completed).toMatchObject({ status: "FAILED", summary: "timed out: interlock run gave up after --timeout 2s" });
  });

  it("with --json: the command's output goes to stderr and stdout holds one document", async () => {
    const server = new FakeInterlock();
    const { captured, done } = start(server, ["--", node, "-e", "console.log('from the command')"], { json: true });
    expect(await done).toBe(EXIT.OK);
    expect(captured.stderr()).toBe("from the command\n");
    const doc = JSON.parse(captured.stdout());
    expect(doc).toMatchObject({ exitCode: 0, outcome: "completed", operationId: OP_ID, command: { argv: [node, "-e", "console.log('from the command')"], exitCode: 0, signal: null }, lease: { fencingToken: "9007199254740993", leaseSeconds: 10, lost: null }, operation: { state: "COMPLETED" } });
  });
});
