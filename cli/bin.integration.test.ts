// The real `interlock` bin (node bin/interlock.mjs, a process of its own)
// against the real API in-process (server/testing/api.ts), reached over HTTP
// through a small bridge: the scenarios of e2e/cli.spec.ts that need the CLI
// to be a separate process — killed with SIGKILL, interrupted with SIGINT —
// and two runs on one service that must not overlap. Skipped until the
// server accepts `execution: "external"`.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiHarness, type ApiHarness } from "../server/testing/api";

const root = path.resolve(import.meta.dirname, "..");
const BIN = path.join(root, "bin", "interlock.mjs");
const RECORDER = `
const fs = require("node:fs");
const [file, seconds] = process.argv.slice(2);
const write = (record) => fs.appendFileSync(file, JSON.stringify(record) + "\\n");
write({ event: "start", at: Date.now(), pid: process.pid, operationId: process.env.INTERLOCK_OPERATION_ID, fencingToken: process.env.INTERLOCK_FENCING_TOKEN });
process.on("SIGTERM", () => { write({ event: "terminated", at: Date.now() }); process.exit(143); });
setTimeout(() => { write({ event: "end", at: Date.now() }); process.exit(0); }, Number(seconds) * 1000);
`;

let api: ApiHarness;
let bridge: Server;
let url = "";
let token = "";
let supportsExternal = false;
const dir = mkdtempSync(path.join(tmpdir(), "interlock-bin-"));
const recorder = path.join(dir, "recorder.cjs");

interface Recorded {
  event: string;
  at: number;
  pid: number;
  operationId: string;
  fencingToken: string;
}

function records(file: string): Recorded[] {
  return existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Recorded)
    : [];
}

function alive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

async function until<T>(read: () => T | Promise<T>, check: (v: T) => boolean, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (check(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met in time (last: ${JSON.stringify(v)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startCli(args: string[]): { child: ChildProcess; output(): string; exited: Promise<number> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: root, env: { ...process.env, INTERLOCK_URL: url, INTERLOCK_TOKEN: token }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (c) => (output += c));
  child.stderr!.on("data", (c) => (output += c));
  const exited = new Promise<number>((resolve) => child.on("exit", (code, signal) => resolve(code ?? 128 + ({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2 } as Record<string, number>)[signal ?? ""]!)));
  return { child, output: () => output, exited };
}

async function detail(id: string) {
  const response = await api.fetch(`/api/v1/operations/${id}`, { headers: { authorization: `Bearer ${token}` } });
  return (await response.json()) as { operation: { state: string; reason: string | null; finishedAt: string | null }; lease: { state: string; lastHeartbeatAt: string | null; grantedAt: string } | null };
}

async function lockHeld(service: string): Promise<boolean> {
  const response = await api.fetch("/api/v1/locks", { headers: { authorization: `Bearer ${token}` } });
  const { locks } = (await response.json()) as { locks: { key: { scope: string; resource: string }; holders: unknown[] }[] };
  return locks.some((l) => l.key.scope === "SERVICE" && l.key.resource === service && l.holders.length > 0);
}

beforeAll(async () => {
  api = await startApiHarness("cli_bin");
  writeFileSync(recorder, RECORDER);
  // HTTP in front of the in-process routes, for a CLI in another process.
  bridge = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
      const body = chunks.length ? Buffer.concat(chunks).toString("utf8") : undefined;
      api
        .fetch(req.url!, { method: req.method!, headers, ...(body !== undefined ? { body } : {}) })
        .then(async (response) => {
          res.writeHead(response.status, { "content-type": response.headers.get("content-type") ?? "application/json" });
          res.end(await response.text());
        })
        .catch((error: unknown) => {
          res.writeHead(500);
          res.end(String(error));
        });
    });
  });
  await new Promise<void>((r) => bridge.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(bridge.address() as AddressInfo).port}`;
  const admin = await api.as("ADMIN");
  const created = await api.fetch("/api/v1/tokens", { method: "POST", headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify({ name: "cli-bin", role: "OPERATOR" }) });
  token = ((await created.json()) as { token: string }).token;
  // The second of two runs on one service would be blocked by COOLDOWN (docs/gates.md).
  const changed = await api.fetch("/api/v1/settings/gates", { method: "PUT", headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify({ gates: { COOLDOWN: { enabled: false } } }) });
  expect(changed.status).toBe(200);
  supportsExternal = (await (await api.fetch("/api/v1/openapi.json")).text()).includes("leaseSeconds");
});

afterAll(async () => {
  await new Promise((r) => bridge?.close(r));
  await api?.close();
});

describe("the interlock bin on the real API", () => {
  it("prints its help through the launcher", async () => {
    const cli = startCli(["--help"]);
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toContain("Usage: interlock [options] [command]");
  });

  it("two runs on one service never overlap", async (ctx) => {
    if (!supportsExternal) ctx.skip("the server does not accept execution: \"external\" yet");
    const [fa, fb] = [path.join(dir, "a.jsonl"), path.join(dir, "b.jsonl")];
    const common = ["run", "--service", "fulfillment-service", "--type", "maintenance", "--correlation-id", "bin-pair", "--lease", "20", "--timeout", "60s"];
    const a = startCli([...common, "--param", "run=a", "--", process.execPath, recorder, fa, "2"]);
    const b = startCli([...common, "--param", "run=b", "--", process.execPath, recorder, fb, "2"]);
    const [ca, cb] = await Promise.all([a.exited, b.exited]);
    expect(ca, a.output()).toBe(0);
    expect(cb, b.output()).toBe(0);
    const runs = [records(fa), records(fb)].map((r) => ({ start: r.find((x) => x.event === "start")!, end: r.find((x) => x.event === "end")! }));
    const [earlier, later] = runs.sort((x, y) => x.start.at - y.start.at);
    expect(later!.start.at).toBeGreaterThanOrEqual(earlier!.end.at);
    expect(BigInt(later!.start.fencingToken)).toBeGreaterThan(BigInt(earlier!.start.fencingToken));
    expect(a.output() + b.output()).toContain("Waiting in line for fulfillment-service");
  }, 90_000);

  it("killed with SIGKILL: the lease expires, the operation fails, the lock is freed, the watchdog stops the command", async (ctx) => {
    if (!supportsExternal) ctx.skip("the server does not accept execution: \"external\" yet");
    const file = path.join(dir, "killed.jsonl");
    const cli = startCli(["run", "--service", "currency-service", "--type", "maintenance", "--lease", "10", "--timeout", "60s", "--", process.execPath, recorder, file, "120"]);
    const [start] = await until(() => records(file), (r) => r.length > 0, 30_000);
    expect(await lockHeld("currency-service")).toBe(true);
    await new Promise((r) => setTimeout(r, 4000));
    const killedAt = Date.now();
    cli.child.kill("SIGKILL");
    expect(await cli.exited).toBe(137);
    const failed = await until(() => detail(start!.operationId), (d) => d.operation.state === "FAILED", 20_000);
    expect(Date.now() - killedAt).toBeLessThanOrEqual(15_000);
    expect(failed.lease?.state).toBe("EXPIRED");
    expect(Date.parse(failed.operation.finishedAt!) - Date.parse(failed.lease!.lastHeartbeatAt ?? failed.lease!.grantedAt)).toBeLessThanOrEqual(12_000);
    await until(() => lockHeld("currency-service"), (held) => !held, 10_000);
    await until(() => alive(start!.pid), (a) => !a, 15_000);
    expect(records(file).some((r) => r.event === "end")).toBe(false);
  }, 90_000);

  it("SIGINT: the command gets SIGTERM, the operation ends FAILED with the reason, exit 130", async (ctx) => {
    if (!supportsExternal) ctx.skip("the server does not accept execution: \"external\" yet");
    const file = path.join(dir, "interrupted.jsonl");
    const cli = startCli(["run", "--service", "email-service", "--type", "maintenance", "--lease", "10", "--timeout", "60s", "--", process.execPath, recorder, file, "120"]);
    const [start] = await until(() => records(file), (r) => r.length > 0, 30_000);
    cli.child.kill("SIGINT");
    expect(await cli.exited, cli.output()).toBe(130);
    expect(records(file).map((r) => r.event)).toEqual(["start", "terminated"]);
    expect(alive(start!.pid)).toBe(false);
    const ended = await until(() => detail(start!.operationId), (d) => ["FAILED", "CANCELLED"].includes(d.operation.state), 15_000);
    expect(ended.operation.reason).toContain("interrupted: the interlock CLI received SIGINT");
    await until(() => lockHeld("email-service"), (held) => !held, 10_000);
  }, 90_000);
});
