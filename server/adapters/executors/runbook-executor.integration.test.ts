// The runbook executor with real processes: /bin/sh, sleep, printf. Nothing
// under test is mocked; the execution context is built by hand as the
// orchestrator builds it (server/core/operations/drive-operation.ts).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { AppError } from "../../core/errors";
import { ExecutorRegistry } from "../../core/executors/executor-registry";
import type { ExecutionContext, ExecutionOutcome, ExecutionStep, OperationExecutor } from "../../core/executors/ports";
import type { OperationSnapshot, OperationType } from "../../core/operations/types";
import { loadRunbooksFile, OUTPUT_TAIL_BYTES, parseRunbooksText, RunbookExecutor, RunbooksFileError, withRunbooks } from "./runbook-executor";

const SERVICE_TOKEN = 9_007_199_254_740_993n;
const FAKE_DATABASE_URL = "postgresql://interlock:not-a-real-password-3f9a@db.internal:5432/interlock";
const FAKE_AUTH_SECRET = "fake-auth-secret-for-the-runbook-test-0123456789";

let dir: string;
const saved: Record<string, string | undefined> = {};

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-runbooks-"));
  // The server's secrets, as they sit in its environment: no command may see them.
  for (const [name, value] of [["DATABASE_URL", FAKE_DATABASE_URL], ["AUTH_SECRET", FAKE_AUTH_SECRET]] as const) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
});

afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh file path in the test's directory. */
let counter = 0;
const file = (name: string) => path.join(dir, `${++counter}-${name}`);

/** Runbooks through the loader, as the server reads them (JSON is YAML). */
function load(runbooks: unknown[]) {
  return parseRunbooksText(JSON.stringify({ runbooks }), "test-runbooks.yaml");
}

function operation(overrides: Partial<OperationSnapshot> = {}): OperationSnapshot {
  return {
    id: "0b7e4c52-1111-4000-8000-00000000abcd",
    type: "REMEDIATION",
    service: "payment-service",
    actor: "auto-healing-system",
    actorKind: "AUTOMATION",
    correlationId: "INC-2026-001",
    params: {},
    state: "IN_PROGRESS",
    version: 3,
    createdAt: new Date("2026-01-01T00:00:00.000Z"),
    ...overrides,
  };
}

function context(op: OperationSnapshot, options: { signal?: AbortSignal; previousSteps?: ExecutionStep[]; attempt?: number } = {}) {
  const recorded: ExecutionStep[] = [];
  let fenceChecks = 0;
  const ctx: ExecutionContext = {
    operation: op,
    attempt: options.attempt ?? 1,
    previousSteps: options.previousSteps ?? [],
    fences: [
      { key: { scope: "SERVICE", resource: op.service }, fencingToken: SERVICE_TOKEN },
      { key: { scope: "INCIDENT", resource: "INC-2026-001" }, fencingToken: 4n },
    ],
    signal: options.signal ?? new AbortController().signal,
    clock: new ManualClock(),
    assertFenced: () => {
      fenceChecks += 1;
    },
    recordStep: async (step) => {
      recorded.push(step);
    },
    sleep: async () => {},
  };
  return { ctx, recorded, fenceChecks: () => fenceChecks };
}

/** Running: kill(pid, 0) finds it and it is not a zombie waiting for init to reap it. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0]!);
  } catch {
    return false;
  }
}

/** Gone entirely: kill(pid, 0) fails with ESRCH (init has reaped whatever was orphaned). */
function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** Live (not zombie) processes whose process group is `pgid`, from /proc. */
function liveGroupMembers(pgid: number): number[] {
  return fs
    .readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e))
    .flatMap((e) => {
      try {
        const stat = fs.readFileSync(`/proc/${e}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return Number(fields[2]) === pgid && !/^[ZX]$/.test(fields[0]!) ? [Number(e)] : [];
      } catch {
        return [];
      }
    });
}

async function waitFor(condition: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

const readPid = (pidFile: string) => Number(fs.readFileSync(pidFile, "utf8").trim());

/** Stand-in default executor for the types' other operations; not what is under test. */
class RecordingExecutor implements OperationExecutor {
  readonly name = "default";
  executed: string[] = [];
  held: string[] = [];
  async execute(ctx: ExecutionContext): Promise<ExecutionOutcome> {
    this.executed.push(ctx.operation.service);
    return { status: "SUCCEEDED", summary: "the default executor ran", detail: {} };
  }
  async hold(ctx: ExecutionContext): Promise<void> {
    this.held.push(ctx.operation.service);
  }
  validate(op: { params: Record<string, unknown> }): void {
    if ("forbidden" in op.params) throw new AppError("VALIDATION_FAILED", "the default executor refuses params.forbidden");
  }
}

describe("RunbookExecutor: arguments", () => {
  it("passes a parameter full of shell syntax to the command as one plain argument, and runs nothing else", async () => {
    const out = file("out.txt");
    const markers = ["marker-dollar", "marker-semicolon", "marker-backtick", "marker-and"].map((m) => path.join(dir, m));
    const text = `$(touch ${markers[0]}); touch ${markers[1]}; \`touch ${markers[2]}\` 'single' "double" \\ back\nsecond line && touch ${markers[3]} | cat > /dev/null * ?`;
    const runbooks = load([
      {
        name: "echo-text",
        type: "REMEDIATION",
        params: { text: { type: "string" } },
        environment: { OUT: out },
        steps: [{ name: "write", argv: ["/bin/sh", "-c", 'printf "%s" "$1" > "$OUT"', "sh", "{{params.text}}"] }],
      },
    ]);
    const { ctx, recorded } = context(operation({ params: { text } }));
    const outcome = await new RunbookExecutor({ runbooks }).execute(ctx);
    expect(outcome.status).toBe("SUCCEEDED");
    expect(fs.readFileSync(out, "utf8")).toBe(text);
    for (const marker of markers) expect(fs.existsSync(marker)).toBe(false);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ name: "runbook echo-text: write", outcome: "PASSED", detail: { exitCode: 0, signal: null, argv: ["/bin/sh", "-c", 'printf "%s" "$1" > "$OUT"', "sh", text] } });
  });

  it("fills {{service}}, {{operation.id}}, {{operation.type}} and {{fencingToken}} element by element, and runs in the working directory", async () => {
    const out = file("args.txt");
    const runbooks = load([
      {
        name: "args",
        type: "REMEDIATION",
        workingDirectory: dir,
        environment: { OUT: out },
        steps: [{ name: "print", argv: ["/bin/sh", "-c", 'pwd > "$OUT"; for a in "$@"; do printf "[%s]\\n" "$a" >> "$OUT"; done', "sh", "deployment/{{service}}", "{{operation.id}} {{operation.type}}", "--token={{fencingToken}}"] }],
      },
    ]);
    const { ctx } = context(operation());
    expect((await new RunbookExecutor({ runbooks }).execute(ctx)).status).toBe("SUCCEEDED");
    expect(fs.readFileSync(out, "utf8").split("\n")).toEqual([fs.realpathSync(dir), "[deployment/payment-service]", "[0b7e4c52-1111-4000-8000-00000000abcd REMEDIATION]", "[--token=9007199254740993]", ""]);
  });
});

describe("RunbookExecutor: parameters", () => {
  const marker = () => file("ran");
  const runbookWith = (ranMarker: string) =>
    load([
      {
        name: "scale",
        type: "REMEDIATION",
        services: ["payment-service"],
        params: { replicas: { type: "integer", minimum: 1, maximum: 50, required: true }, reason: { type: "string", pattern: "[A-Za-z0-9 .,:_-]{1,200}" } },
        environment: { MARKER: ranMarker },
        steps: [{ name: "touch", argv: ["/bin/sh", "-c", 'touch "$MARKER"'] }],
      },
    ]);

  it("validate refuses a parameter outside its schema, naming it", () => {
    const executor = new RunbookExecutor({ runbooks: runbookWith(marker()) });
    const refuse = (params: Record<string, string | number>) => {
      try {
        executor.validate({ type: "REMEDIATION", service: "payment-service", params });
      } catch (error) {
        expect(error).toBeInstanceOf(AppError);
        return error as AppError;
      }
      throw new Error("expected a refusal");
    };
    const tooMany = refuse({ replicas: 80 });
    expect(tooMany.code).toBe("VALIDATION_FAILED");
    expect(tooMany.message).toContain("params.replicas must be at most 50");
    expect(tooMany.details).toMatchObject({ runbook: "scale", parameters: ["replicas"] });
    expect(refuse({ replicas: 2, reason: "ok; rm -rf /tmp/nothing" }).message).toContain("params.reason must match");
    expect(refuse({ replicas: 2, namespace: "prod" }).message).toContain("params.namespace is not a parameter of this runbook");
    expect(() => executor.validate({ type: "REMEDIATION", service: "payment-service", params: { replicas: 2, reason: "OOM on pod 3" } })).not.toThrow();
  });

  it("execute refuses it too, before anything runs: no step recorded, the command never started", async () => {
    const ran = marker();
    const { ctx, recorded, fenceChecks } = context(operation({ params: { replicas: 0 } }));
    const outcome = await new RunbookExecutor({ runbooks: runbookWith(ran) }).execute(ctx);
    expect(outcome.status).toBe("FAILED");
    expect(outcome.summary).toContain("params.replicas must be at least 1");
    expect(outcome.detail).toMatchObject({ runbook: "scale", code: "VALIDATION_FAILED", parameters: ["replicas"] });
    expect(recorded).toEqual([]);
    expect(fenceChecks()).toBe(0);
    expect(fs.existsSync(ran)).toBe(false);
  });

  it("a service the runbook does not list goes to the fallback, which validates and runs it", async () => {
    const fallback = new RecordingExecutor();
    const executor = new RunbookExecutor({ runbooks: runbookWith(marker()), fallback });
    // The runbook's schema does not apply to another service; the fallback's does.
    expect(() => executor.validate({ type: "REMEDIATION", service: "order-service", params: { replicas: 500 } })).not.toThrow();
    expect(() => executor.validate({ type: "REMEDIATION", service: "order-service", params: { forbidden: 1 } })).toThrow("the default executor refuses");
    const { ctx } = context(operation({ service: "order-service", params: { anything: true } }));
    expect(await executor.execute(ctx)).toMatchObject({ status: "SUCCEEDED", summary: "the default executor ran" });
    await executor.hold(ctx, "paused");
    expect(fallback.executed).toEqual(["order-service"]);
    expect(fallback.held).toEqual(["order-service"]);
  });
});

describe("RunbookExecutor: exit status, output and environment", () => {
  it("succeeds when every step exits 0, and fails at the first that does not, naming it and its status", async () => {
    const log = file("log");
    const runbooks = load([
      {
        name: "three",
        type: "MAINTENANCE",
        environment: { LOG: log },
        steps: [
          { name: "one", argv: ["/bin/sh", "-c", 'echo one >> "$LOG"'] },
          { name: "two", argv: ["/bin/sh", "-c", 'echo two >> "$LOG"; echo "disk full" >&2; exit 3'] },
          { name: "three", argv: ["/bin/sh", "-c", 'echo three >> "$LOG"'] },
        ],
      },
    ]);
    const { ctx, recorded, fenceChecks } = context(operation({ type: "MAINTENANCE" }));
    const outcome = await new RunbookExecutor({ runbooks }).execute(ctx);
    expect(outcome).toMatchObject({ status: "FAILED", summary: 'Runbook three failed at step "two": it exited with status 3.', detail: { step: "two", exitCode: 3, ran: ["one"] } });
    expect(fs.readFileSync(log, "utf8")).toBe("one\ntwo\n");
    expect(recorded.map((s) => [s.name, s.outcome])).toEqual([
      ["runbook three: one", "PASSED"],
      ["runbook three: two", "FAILED"],
    ]);
    expect(recorded[1]!.detail).toMatchObject({ exitCode: 3, signal: null, outputTail: "disk full\n", truncatedBytes: 0 });
    expect(typeof recorded[1]!.detail.durationMs).toBe("number");
    expect(fenceChecks()).toBe(2);
  });

  it("fails a step whose program does not exist, saying it could not start", async () => {
    const runbooks = load([{ name: "missing", type: "MAINTENANCE", steps: [{ name: "run", argv: ["/nonexistent/interlock-no-such-program", "x"] }] }]);
    const { ctx, recorded } = context(operation({ type: "MAINTENANCE" }));
    const outcome = await new RunbookExecutor({ runbooks }).execute(ctx);
    expect(outcome.status).toBe("FAILED");
    expect(outcome.summary).toContain('step "run": its command could not start (spawn /nonexistent/interlock-no-such-program ENOENT)');
    expect(recorded[0]).toMatchObject({ outcome: "FAILED", detail: { exitCode: null } });
  });

  it("keeps only the last 16 KiB of output, counting what it dropped", async () => {
    const runbooks = load([{ name: "noisy", type: "MAINTENANCE", steps: [{ name: "print", argv: ["/bin/sh", "-c", "echo start >&2; head -c 100000 /dev/zero | tr '\\0' a; echo; echo end >&2"] }] }]);
    const { ctx, recorded } = context(operation({ type: "MAINTENANCE" }));
    expect((await new RunbookExecutor({ runbooks }).execute(ctx)).status).toBe("SUCCEEDED");
    const { outputTail, truncatedBytes } = recorded[0]!.detail as { outputTail: string; truncatedBytes: number };
    const total = "start\n".length + 100_000 + 1 + "end\n".length;
    expect(Buffer.byteLength(outputTail)).toBe(OUTPUT_TAIL_BYTES);
    expect(truncatedBytes).toBe(total - OUTPUT_TAIL_BYTES);
    expect(outputTail).toContain("a".repeat(1000));
    expect(outputTail).not.toContain("start");
  });

  it("gives the command the fencing token, the operation and its fences, and none of the server's environment beyond PATH, HOME and LANG", async () => {
    const envFile = file("env");
    const runbooks = load([
      {
        name: "env",
        type: "REMEDIATION",
        environment: { ENV_FILE: envFile, KUBECONFIG: "/etc/kube/{{service}}.conf" },
        steps: [{ name: "dump", argv: ["/usr/bin/env", "-0"] }, { name: "save", argv: ["/bin/sh", "-c", 'env > "$ENV_FILE"'] }],
      },
    ]);
    const { ctx, recorded } = context(operation());
    expect((await new RunbookExecutor({ runbooks }).execute(ctx)).status).toBe("SUCCEEDED");
    const env = Object.fromEntries(
      (recorded[0]!.detail.outputTail as string)
        .split("\0")
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    expect(env).toMatchObject({
      INTERLOCK_FENCING_TOKEN: "9007199254740993",
      INTERLOCK_OPERATION_ID: "0b7e4c52-1111-4000-8000-00000000abcd",
      INTERLOCK_OPERATION_TYPE: "REMEDIATION",
      INTERLOCK_SERVICE: "payment-service",
      INTERLOCK_RUNBOOK: "env",
      INTERLOCK_STEP: "dump",
      INTERLOCK_ATTEMPT: "1",
      KUBECONFIG: "/etc/kube/payment-service.conf",
      PATH: process.env.PATH,
    });
    expect(JSON.parse(env.INTERLOCK_FENCES!)).toEqual([
      { scope: "SERVICE", resource: "payment-service", fencingToken: "9007199254740993" },
      { scope: "INCIDENT", resource: "INC-2026-001", fencingToken: "4" },
    ]);
    const allowed = new Set(["PATH", "HOME", "LANG", "ENV_FILE", "KUBECONFIG"]);
    expect(Object.keys(env).filter((name) => !allowed.has(name) && !name.startsWith("INTERLOCK_"))).toEqual([]);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.AUTH_SECRET).toBeUndefined();
    const saved = fs.readFileSync(envFile, "utf8");
    expect(saved).not.toContain(FAKE_DATABASE_URL);
    expect(saved).not.toContain(FAKE_AUTH_SECRET);
    expect(saved).toContain("INTERLOCK_FENCING_TOKEN=9007199254740993\n");
  });
});

describe("RunbookExecutor: stopping the process group", () => {
  it("on timeout, kills the command and the children it started: neither survives", async () => {
    const bgPid = file("bg.pid");
    const leaderPid = file("leader.pid");
    const runbooks = load([
      {
        name: "hangs",
        type: "MAINTENANCE",
        killGraceSeconds: 2,
        environment: { BG: bgPid, LEADER: leaderPid },
        steps: [{ name: "sleep", timeoutSeconds: 1, argv: ["/bin/sh", "-c", 'echo $$ > "$LEADER"; sleep 300 & echo $! > "$BG"; sleep 300'] }],
      },
    ]);
    const { ctx, recorded } = context(operation({ type: "MAINTENANCE" }));
    const outcome = await new RunbookExecutor({ runbooks }).execute(ctx);
    expect(outcome.status).toBe("FAILED");
    expect(outcome.summary).toBe('Runbook hangs failed at step "sleep": it timed out after 1 s and its processes were stopped.');
    expect(recorded[0]).toMatchObject({ outcome: "FAILED", detail: { timedOut: true, timeoutSeconds: 1, limit: "step", exitCode: null, signal: "SIGTERM" } });
    const pids = [readPid(leaderPid), readPid(bgPid)];
    // Nothing of the group runs once execute returns...
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
    expect(liveGroupMembers(pids[0]!)).toEqual([]);
    // ...and the orphaned child, once init has reaped it, is gone altogether.
    for (const pid of pids) expect(await waitFor(() => isGone(pid), 15_000)).toBe(true);
  });

  it("escalates to SIGKILL when the group ignores SIGTERM", async () => {
    const bgPid = file("bg.pid");
    const leaderPid = file("leader.pid");
    const runbooks = load([
      {
        name: "stubborn",
        type: "MAINTENANCE",
        timeoutSeconds: 1,
        killGraceSeconds: 0.5,
        environment: { BG: bgPid, LEADER: leaderPid },
        steps: [{ name: "ignore-term", argv: ["/bin/sh", "-c", 'trap "" TERM; echo $$ > "$LEADER"; sleep 300 & echo $! > "$BG"; wait'] }],
      },
    ]);
    const { ctx, recorded } = context(operation({ type: "MAINTENANCE" }));
    const outcome = await new RunbookExecutor({ runbooks }).execute(ctx);
    expect(outcome.summary).toBe(`Runbook stubborn failed at step "ignore-term": it timed out after 1 s (the runbook's limit) and its processes were stopped.`);
    expect(recorded[0]!.detail).toMatchObject({ signal: "SIGKILL", limit: "runbook" });
    const pids = [readPid(leaderPid), readPid(bgPid)];
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
    for (const pid of pids) expect(await waitFor(() => isGone(pid), 15_000)).toBe(true);
  });

  it("stops what a step left running in its group after it exited", async () => {
    const bgPid = file("bg.pid");
    const runbooks = load([{ name: "leaves", type: "MAINTENANCE", killGraceSeconds: 1, environment: { BG: bgPid }, steps: [{ name: "background", argv: ["/bin/sh", "-c", 'sleep 300 & echo $! > "$BG"'] }] }]);
    const { ctx, recorded } = context(operation({ type: "MAINTENANCE" }));
    expect((await new RunbookExecutor({ runbooks }).execute(ctx)).status).toBe("SUCCEEDED");
    expect(recorded[0]).toMatchObject({ outcome: "PASSED", detail: { exitCode: 0, strayProcessesStopped: true } });
    expect(isRunning(readPid(bgPid))).toBe(false);
  });

  it("on abort, kills the group and rejects with the signal's reason", async () => {
    const bgPid = file("bg.pid");
    const leaderPid = file("leader.pid");
    const after = file("after");
    const runbooks = load([
      {
        name: "long",
        type: "REMEDIATION",
        killGraceSeconds: 2,
        environment: { BG: bgPid, LEADER: leaderPid, AFTER: after },
        steps: [
          { name: "wait", argv: ["/bin/sh", "-c", 'echo $$ > "$LEADER"; sleep 300 & echo $! > "$BG"; wait'] },
          { name: "after", argv: ["/bin/sh", "-c", 'touch "$AFTER"'] },
        ],
      },
    ]);
    const controller = new AbortController();
    const { ctx, recorded } = context(operation(), { signal: controller.signal });
    const running = new RunbookExecutor({ runbooks }).execute(ctx);
    expect(await waitFor(() => fs.existsSync(bgPid) && fs.readFileSync(bgPid, "utf8").endsWith("\n"), 10_000)).toBe(true);
    const reason = new Error("pause requested by approver@interlock.local");
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    const pids = [readPid(leaderPid), readPid(bgPid)];
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
    expect(liveGroupMembers(pids[0]!)).toEqual([]);
    expect(fs.existsSync(after)).toBe(false);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ name: "runbook long: wait", outcome: "FAILED", detail: { interrupted: "pause requested by approver@interlock.local", signal: "SIGTERM" } });
  });

  it("starts nothing when the signal has already aborted", async () => {
    const ran = file("ran");
    const runbooks = load([{ name: "never", type: "REMEDIATION", environment: { RAN: ran }, steps: [{ name: "touch", argv: ["/bin/sh", "-c", 'touch "$RAN"'] }] }]);
    const controller = new AbortController();
    const reason = new Error("abort requested by admin");
    controller.abort(reason);
    const { ctx, recorded } = context(operation(), { signal: controller.signal });
    await expect(new RunbookExecutor({ runbooks }).execute(ctx)).rejects.toBe(reason);
    expect(recorded).toEqual([]);
    expect(fs.existsSync(ran)).toBe(false);
  });
});

describe("RunbookExecutor: resuming and aborting", () => {
  const step = (name: string, outcome: ExecutionStep["outcome"]): ExecutionStep => ({ name, outcome, startedAt: "2026-01-01T00:00:00.000Z", endedAt: "2026-01-01T00:00:01.000Z", detail: {} });

  it("a resumed attempt skips the steps already recorded PASSED and runs again the one that was interrupted", async () => {
    const log = file("log");
    const runbooks = load([
      {
        name: "steps",
        type: "CONFIG_CHANGE",
        environment: { LOG: log },
        steps: ["one", "two", "three"].map((name) => ({ name, argv: ["/bin/sh", "-c", `echo ${name} >> "$LOG"`] })),
      },
    ]);
    const previousSteps = [step("runbook steps: one", "PASSED"), step("runbook steps: two", "FAILED"), step("runbook other: three", "PASSED")];
    const { ctx, recorded } = context(operation({ type: "CONFIG_CHANGE" }), { previousSteps, attempt: 2 });
    const outcome = await new RunbookExecutor({ runbooks }).execute(ctx);
    expect(outcome).toMatchObject({ status: "SUCCEEDED", summary: "Runbook steps ran 2 steps for payment-service (1 already done by an earlier attempt); every one exited 0.", detail: { ran: ["two", "three"], skipped: ["one"] } });
    expect(fs.readFileSync(log, "utf8")).toBe("two\nthree\n");
    expect(recorded.map((s) => s.name)).toEqual(["runbook steps: two", "runbook steps: three"]);
  });

  it("withdraw says a runbook's commands cannot be undone and names the finished steps", async () => {
    const runbooks = load([{ name: "r", type: "REMEDIATION", steps: [{ name: "a", argv: ["/bin/true"] }, { name: "b", argv: ["/bin/true"] }] }]);
    const { ctx } = context(operation(), { previousSteps: [step("runbook r: a", "PASSED"), step("runbook r: b", "FAILED")] });
    const withdrawn = await new RunbookExecutor({ runbooks }).withdraw(ctx, "aborted by admin: wrong service");
    expect(withdrawn.undone).toBe(false);
    expect(withdrawn.summary.startsWith("a runbook's commands cannot be undone by Interlock; ")).toBe(true);
    expect(withdrawn.summary).toContain("(a)");
    expect(withdrawn.detail).toEqual({ runbook: "r", finishedSteps: ["a"] });
  });
});

describe("the runbooks file", () => {
  const GOOD = `runbooks:
  - name: restart-payment
    type: REMEDIATION
    services: [payment-service]
    params:
      replicas: { type: integer, minimum: 1, maximum: 50, required: true }
      reason: { type: string, pattern: "^[A-Za-z0-9 .,:_-]{1,200}$" }
      mode: { type: string, enum: [fast, safe], default: safe }
    workingDirectory: /srv/runbooks
    environment: { KUBECONFIG: /etc/kube/config }
    timeoutSeconds: 600
    killGraceSeconds: 10
    steps:
      - name: scale
        argv: ["kubectl", "scale", "deployment/{{service}}", "--replicas={{params.replicas}}"]
        timeoutSeconds: 120
`;

  function problem(text: string): string {
    try {
      parseRunbooksText(text, "/etc/interlock/runbooks.yaml");
    } catch (error) {
      expect(error).toBeInstanceOf(RunbooksFileError);
      return (error as Error).message;
    }
    throw new Error("expected the file to be refused");
  }

  it("loads the documented example from disk", async () => {
    const path_ = file("runbooks.yaml");
    fs.writeFileSync(path_, GOOD);
    const runbooks = await loadRunbooksFile(path_);
    expect(runbooks.map((r) => [r.name, r.type, r.services])).toEqual([["restart-payment", "REMEDIATION", ["payment-service"]]]);
  });

  it("names a missing file", async () => {
    const missing = path.join(dir, "no-such-runbooks.yaml");
    await expect(loadRunbooksFile(missing)).rejects.toThrow(`Cannot read the runbooks file ${missing} (INTERLOCK_RUNBOOKS_FILE): ENOENT`);
  });

  it("names the file, the line and the path of an unknown placeholder", () => {
    expect(problem(GOOD.replace("deployment/{{service}}", "deployment/{{svc}}"))).toContain(
      "/etc/interlock/runbooks.yaml:15:36 runbooks[0] (restart-payment).steps[0] (scale).argv[2]: uses an unknown placeholder {{svc}}",
    );
  });

  it("names a template in argv[0]", () => {
    expect(problem(GOOD.replace('["kubectl",', '["{{params.mode}}",'))).toContain(
      "/etc/interlock/runbooks.yaml:15:16 runbooks[0] (restart-payment).steps[0] (scale).argv[0]: must be a literal program name: a template may only fill an argument",
    );
  });

  it("names duplicate runbook names", () => {
    const twice = `${GOOD}${GOOD.replace("runbooks:\n", "").replace("REMEDIATION", "MAINTENANCE")}`;
    expect(problem(twice)).toContain("/etc/interlock/runbooks.yaml:17:11 runbooks[1] (restart-payment).name: duplicates the name of runbooks[0]");
  });

  it("names an unknown type", () => {
    expect(problem(GOOD.replace("type: REMEDIATION", "type: RESTART"))).toContain(
      "/etc/interlock/runbooks.yaml:3:11 runbooks[0] (restart-payment).type: must be one of DEPLOYMENT, ROLLBACK, VERIFICATION, REMEDIATION, CONFIG_CHANGE, MAINTENANCE",
    );
  });

  it("names an unknown field, a YAML syntax error and an empty file", () => {
    expect(problem(GOOD.replace("    timeoutSeconds: 600\n", "    timeoutSeconds: 600\n    shell: true\n"))).toContain("runbooks.yaml:12:12 runbooks[0] (restart-payment).shell: is not a field here");
    expect(problem("runbooks: [\n")).toContain("/etc/interlock/runbooks.yaml:2:1 (syntax)");
    expect(problem("")).toContain("/etc/interlock/runbooks.yaml (file): is empty");
  });

  it("withRunbooks hands each type with a runbook to a RunbookExecutor that falls back to the type's executor", async () => {
    const fallback = new RecordingExecutor();
    const registry = new ExecutorRegistry({ REMEDIATION: fallback, DEPLOYMENT: fallback });
    const runbooks = load([{ name: "only-payment", type: "REMEDIATION", services: ["payment-service"], steps: [{ name: "ok", argv: ["/bin/true"] }] }, { name: "any-maintenance", type: "MAINTENANCE", steps: [{ name: "ok", argv: ["/bin/true"] }] }]);
    const wrapped = withRunbooks(registry, runbooks);
    const name = (type: OperationType) => wrapped.forType(type).name;
    expect([name("REMEDIATION"), name("MAINTENANCE"), name("DEPLOYMENT")]).toEqual(["runbook", "runbook", "default"]);
    expect(wrapped.has("ROLLBACK")).toBe(false);
    const { ctx } = context(operation({ service: "order-service" }));
    expect((await wrapped.forType("REMEDIATION").execute(ctx)).summary).toBe("the default executor ran");
    const payment = context(operation());
    expect((await wrapped.forType("REMEDIATION").execute(payment.ctx)).status).toBe("SUCCEEDED");
    expect(payment.recorded.map((s) => s.name)).toEqual(["runbook only-payment: ok"]);
  });
});
