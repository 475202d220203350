// `interlock run` (docs/cli.md) against the built server on Postgres, as a
// CI job would use it: the real bin (node bin/interlock.mjs) with an
// operator's API token, running a real command that records what it was
// given and when it ran. Covered: one run, with its fencing token; two runs
// on one service that must not overlap; the CLI killed with SIGKILL, after
// which the lease expires, the operation fails and the service's lock is
// free; and Ctrl-C, which stops the command and ends the operation.
//
// Only on the postgres project: the runs take real time (a 10 s lease must
// run out), once is enough. Each test uses a service of its own with a small
// blast radius that no other browser test changes (tax-service 5.2 %,
// fulfillment-service 5.5 %, currency-service 9.5 %, email-service 8.8 %),
// so no conflict or gate of another journey interferes. The COOLDOWN gate
// (300 s since the service's last change, docs/gates.md) would block the
// second of two runs on one service, so it is turned off for this file and
// put back as it was after.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, request, test, type APIRequestContext, type TestInfo } from "@playwright/test";

const root = path.resolve(import.meta.dirname, "..");
const BIN = path.join(root, "bin", "interlock.mjs");

// What the command under the lease does: appends a JSON line when it starts
// (with what Interlock gave it) and when it ends, after `seconds`.
const RECORDER = `
const fs = require("node:fs");
const [file, seconds] = process.argv.slice(2);
const write = (record) => fs.appendFileSync(file, JSON.stringify(record) + "\\n");
write({ event: "start", at: Date.now(), pid: process.pid, operationId: process.env.INTERLOCK_OPERATION_ID, fencingToken: process.env.INTERLOCK_FENCING_TOKEN, fences: JSON.parse(process.env.INTERLOCK_FENCES || "[]") });
process.on("SIGTERM", () => { write({ event: "terminated", at: Date.now() }); process.exit(143); });
setTimeout(() => { write({ event: "end", at: Date.now() }); process.exit(0); }, Number(seconds) * 1000);
`;

interface Recorded {
  event: "start" | "end" | "terminated";
  at: number;
  pid?: number;
  operationId?: string;
  fencingToken?: string;
  fences?: { scope: string; resource: string; fencingToken: string }[];
}

interface RunningCli {
  child: ChildProcess;
  output(): string;
  /** The exit code, or 128 + the signal's number when killed, as a shell reports it. */
  exited: Promise<number>;
}

let baseURL = "";
let admin: APIRequestContext;
let api: APIRequestContext;
let token = "";
let savedGates: unknown = null;

function startCli(args: string[]): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: root,
    env: { ...process.env, INTERLOCK_URL: baseURL, INTERLOCK_TOKEN: token },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? 128 + (signal === "SIGKILL" ? 9 : signal === "SIGTERM" ? 15 : signal === "SIGINT" ? 2 : 0)));
  });
  return { child, output: () => output, exited };
}

function recorderFile(testInfo: TestInfo, name: string): { script: string; file: string } {
  const script = testInfo.outputPath("recorder.cjs");
  if (!existsSync(script)) writeFileSync(script, RECORDER);
  return { script, file: testInfo.outputPath(`${name}.jsonl`) };
}

function records(file: string): Recorded[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Recorded);
}

function alive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

async function operation(id: string) {
  const response = await api.get(`/api/v1/operations/${id}`);
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as {
    operation: { state: string; result: string | null; reason: string | null; execution: string; finishedAt: string | null };
    lease: { state: string; fencingToken: string; lastHeartbeatAt: string | null; grantedAt: string; endReason: string | null } | null;
    steps: { name: string; outcome: string }[];
  };
}

async function serviceLockHeld(service: string): Promise<boolean> {
  const response = await api.get("/api/v1/locks");
  expect(response.status()).toBe(200);
  const { locks } = (await response.json()) as { locks: { key: { scope: string; resource: string }; holders: unknown[] }[] };
  return locks.some((l) => l.key.scope === "SERVICE" && l.key.resource === service && l.holders.length > 0);
}

test.describe("the interlock CLI", () => {
  test.describe.configure({ mode: "serial" });

  test.beforeAll(async ({}, testInfo) => {
    test.skip(testInfo.project.name !== "postgres", "runs once, on the postgres project: its leases take real time");
    baseURL = testInfo.project.use.baseURL!;
    admin = await request.newContext({ baseURL });
    const { csrfToken } = (await (await admin.get("/api/auth/csrf")).json()) as { csrfToken: string };
    await admin.post("/api/auth/callback/credentials", { form: { csrfToken, email: "admin@interlock.local", password: "interlock-admin", json: "true" }, maxRedirects: 0 });
    // An operator's API token, as a CI job would have (docs/api.md#authentication).
    const created = await admin.post("/api/v1/tokens", { headers: { origin: baseURL }, data: { name: `e2e-cli-${Date.now()}`, role: "OPERATOR" } });
    expect(created.status(), await created.text()).toBe(201);
    token = ((await created.json()) as { token: string }).token;
    api = await request.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${token}` } });
    const gates = await admin.get("/api/v1/settings/gates");
    expect(gates.status()).toBe(200);
    savedGates = ((await gates.json()) as { config: unknown }).config;
    const changed = await admin.put("/api/v1/settings/gates", { headers: { origin: baseURL }, data: { gates: { ...(savedGates as { gates: object }).gates, COOLDOWN: { ...(savedGates as { gates: { COOLDOWN: object } }).gates.COOLDOWN, enabled: false } } } });
    expect(changed.status(), await changed.text()).toBe(200);
  });

  test.afterAll(async () => {
    if (savedGates) {
      const restored = await admin.put("/api/v1/settings/gates", { headers: { origin: baseURL }, data: savedGates });
      expect(restored.status(), await restored.text()).toBe(200);
    }
    await api?.dispose();
    await admin?.dispose();
  });

  test("runs a command under the lease: it gets the fencing token, the operation completes, exit 0", async ({}, testInfo) => {
    test.setTimeout(90_000);
    const { script, file } = recorderFile(testInfo, "single");
    const cli = startCli(["run", "--service", "tax-service", "--type", "maintenance", "--param", "window=e2e", "--lease", "30", "--timeout", "60s", "--", process.execPath, script, file, "2"]);
    const code = await cli.exited;
    expect(code, cli.output()).toBe(0);

    const [start, end] = records(file);
    expect(start).toMatchObject({ event: "start", fencingToken: expect.stringMatching(/^\d+$/), operationId: expect.any(String) });
    expect(end).toMatchObject({ event: "end" });
    expect(end!.at - start!.at).toBeGreaterThanOrEqual(2000);
    expect(start!.fences).toContainEqual({ scope: "SERVICE", resource: "tax-service", fencingToken: start!.fencingToken });

    const detail = await operation(start!.operationId!);
    expect(detail.operation).toMatchObject({ state: "COMPLETED", result: "SUCCESS", execution: "external" });
    expect(detail.lease).toMatchObject({ state: "COMPLETED", fencingToken: start!.fencingToken });
    expect(detail.steps.map((s) => s.name)).toContain("command started");
    expect(cli.output()).toContain(`Lease granted: fencing token ${start!.fencingToken}`);
    expect(cli.output()).toContain("COMPLETED (SUCCESS)");
    expect(await serviceLockHeld("tax-service")).toBe(false);
  });

  test("two runs on one service never overlap, and the second holds a newer fencing token", async ({}, testInfo) => {
    test.setTimeout(120_000);
    const a = recorderFile(testInfo, "first");
    const b = recorderFile(testInfo, "second");
    // Different params, or the second would be ALREADY_RUNNING; one correlation id, so the first's end starts no timing window for the second (docs/conflicts.md).
    const common = ["run", "--service", "fulfillment-service", "--type", "maintenance", "--correlation-id", `e2e-cli-${Date.now()}`, "--lease", "20", "--timeout", "90s"];
    const first = startCli([...common, "--param", "run=first", "--", process.execPath, a.script, a.file, "3"]);
    const second = startCli([...common, "--param", "run=second", "--", process.execPath, b.script, b.file, "3"]);
    const [codeA, codeB] = await Promise.all([first.exited, second.exited]);
    expect(codeA, first.output()).toBe(0);
    expect(codeB, second.output()).toBe(0);

    const runs = [records(a.file), records(b.file)].map((r) => ({ start: r.find((x) => x.event === "start")!, end: r.find((x) => x.event === "end")! }));
    for (const run of runs) {
      expect(run.start).toBeDefined();
      expect(run.end).toBeDefined();
    }
    const [earlier, later] = [...runs].sort((x, y) => x.start.at - y.start.at);
    // One after the other: the later one started only after the earlier one ended.
    expect(later!.start.at).toBeGreaterThanOrEqual(earlier!.end.at);
    expect(BigInt(later!.start.fencingToken!)).toBeGreaterThan(BigInt(earlier!.start.fencingToken!));
    // Whichever went second waited in line and said so.
    expect(first.output() + second.output()).toContain("Waiting in line for fulfillment-service");
  });

  test("a CLI killed with SIGKILL: the lease expires, the operation fails within the lease, the lock is freed, the command is stopped", async ({}, testInfo) => {
    test.setTimeout(120_000);
    const { script, file } = recorderFile(testInfo, "killed");
    const cli = startCli(["run", "--service", "currency-service", "--type", "maintenance", "--lease", "10", "--timeout", "90s", "--", process.execPath, script, file, "120"]);
    await expect.poll(() => records(file).length, { timeout: 60_000 }).toBeGreaterThan(0);
    const [start] = records(file);
    expect(await serviceLockHeld("currency-service")).toBe(true);
    // Let a heartbeat or two pass, then kill the CLI outright: no chance to report anything.
    await new Promise((r) => setTimeout(r, 4000));
    const killedAt = Date.now();
    cli.child.kill("SIGKILL");
    expect(await cli.exited).toBe(137);

    // The lease runs out 10 s after the last heartbeat; the worker notices within half a second (docs/execution.md).
    await expect.poll(async () => (await operation(start!.operationId!)).operation.state, { timeout: 20_000, intervals: [250] }).toBe("FAILED");
    const failedBy = Date.now();
    expect(failedBy - killedAt).toBeLessThanOrEqual(10_000 + 5_000);
    const detail = await operation(start!.operationId!);
    expect(detail.lease?.state).toBe("EXPIRED");
    const lastBeat = Date.parse(detail.lease!.lastHeartbeatAt ?? detail.lease!.grantedAt);
    expect(Date.parse(detail.operation.finishedAt!) - lastBeat).toBeLessThanOrEqual(10_000 + 2_000);
    await expect.poll(() => serviceLockHeld("currency-service"), { timeout: 10_000 }).toBe(false);

    // The CLI's watchdog stopped the command when the CLI died (docs/cli.md#if-the-cli-dies).
    await expect.poll(() => alive(start!.pid!), { timeout: 15_000 }).toBe(false);
    expect(records(file).some((r) => r.event === "end")).toBe(false);
  });

  test("Ctrl-C stops the command and ends the operation; the CLI exits 130", async ({}, testInfo) => {
    test.setTimeout(90_000);
    const { script, file } = recorderFile(testInfo, "interrupted");
    const cli = startCli(["run", "--service", "email-service", "--type", "maintenance", "--lease", "10", "--timeout", "60s", "--", process.execPath, script, file, "120"]);
    await expect.poll(() => records(file).length, { timeout: 60_000 }).toBeGreaterThan(0);
    const [start] = records(file);
    cli.child.kill("SIGINT");
    expect(await cli.exited, cli.output()).toBe(130);
    // The command got SIGTERM and stopped; it never reached its end.
    expect(records(file).map((r) => r.event)).toEqual(["start", "terminated"]);
    expect(alive(start!.pid!)).toBe(false);
    await expect.poll(async () => (await operation(start!.operationId!)).operation.state, { timeout: 15_000 }).toMatch(/^(FAILED|CANCELLED)$/);
    const detail = await operation(start!.operationId!);
    expect(detail.operation.reason).toContain("interrupted: the interlock CLI received SIGINT");
    expect(cli.output()).toContain("interrupted: the interlock CLI received SIGINT");
    await expect.poll(() => serviceLockHeld("email-service"), { timeout: 10_000 }).toBe(false);
  });
});
