import "server-only";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { LineCounter, parseDocument, type Document, type Node } from "yaml";

import type { JsonValue } from "../../core/audit/types";
import { AppError, isAppError } from "../../core/errors";
import type { ExecutorRegistry } from "../../core/executors/executor-registry";
import type { ExecutionContext, ExecutionOutcome, ExecutionStep, OperationExecutor, WithdrawOutcome } from "../../core/executors/ports";
import type { OperationType } from "../../core/operations/types";
import { describeRunbookPath, runbooksFromDocument, runbookTypes, type DocumentPath, type Runbook, type RunbookStep } from "../../core/runbooks/runbook-document";
import { selectRunbook } from "../../core/runbooks/select-runbook";
import { renderArgv, renderEnvironment, type TemplateValues } from "../../core/runbooks/templates";
import { validateRunbookParams } from "../../core/runbooks/validate-params";

// Runbooks (docs/runbooks.md): an admin's file maps operation types (and
// services) to commands, and this executor runs them on the server in place
// of the type's default executor. Every command is started without a shell
// (argv as written, parameters filled in element by element), in its own
// process group so a timeout or a pause stops everything it started, with a
// minimal environment so the server's own secrets never reach it.

/** How much of a step's output is kept and recorded: the last 16 KiB, stdout and stderr as they arrived. */
export const OUTPUT_TAIL_BYTES = 16 * 1024;

/**
 * The only variables taken from the server's own environment. The rest of it
 * holds DATABASE_URL, AUTH_SECRET and the like, which a runbook's command has
 * no business seeing (docs/runbooks.md#security).
 */
const INHERITED_VARIABLES = ["PATH", "HOME", "LANG"] as const;
const FALLBACK_PATH = "/usr/local/bin:/usr/bin:/bin";

/** How long to wait for a step's output pipes to close once its processes are gone (a process that left the group may hold them). */
const PIPE_CLOSE_WAIT_MS = 2_000;
/** How long to wait for the kernel to carry out a SIGKILL. */
const SIGKILL_WAIT_MS = 5_000;
const POLL_MS = 25;

// ── the file ───────────────────────────────────────────────────────

export interface RunbookFileProblem {
  /** 1-based; null when the problem has no place in the text (an empty file). */
  line: number | null;
  column: number | null;
  /** `runbooks[0] (restart-payment).steps[1] (scale).argv[0]`. */
  entry: string;
  problem: string;
}

export class RunbooksFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: RunbookFileProblem[],
  ) {
    super(`Invalid runbooks file ${file} (INTERLOCK_RUNBOOKS_FILE):\n${problems.map((p) => `  ${file}${p.line === null ? "" : `:${p.line}:${p.column}`} ${p.entry}: ${p.problem}`).join("\n")}`);
    this.name = "RunbooksFileError";
  }
}

/**
 * The runbooks in `text` (YAML; JSON reads too), or a RunbooksFileError
 * naming the file, the line and column and the path of every problem.
 * `file` only names the source in messages.
 */
export function parseRunbooksText(text: string, file: string): Runbook[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new RunbooksFileError(
      file,
      doc.errors.map((error) => {
        const at = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
        return { line: at.line, column: at.col, entry: "(syntax)", problem: error.message.split("\n")[0]! };
      }),
    );
  }
  const value: unknown = doc.toJS();
  const result = runbooksFromDocument(value);
  if (result.ok) return result.runbooks;
  const problems = result.problems.map(({ path, problem }): RunbookFileProblem => {
    const offset = offsetOf(doc, path);
    const at = offset === null ? null : lineCounter.linePos(offset);
    return { line: at?.line ?? null, column: at?.col ?? null, entry: describeRunbookPath(value, path), problem };
  });
  // In the order they appear in the file, as a person reads it.
  throw new RunbooksFileError(file, problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0)));
}

/** Reads and checks INTERLOCK_RUNBOOKS_FILE at start: a bad file stops the server with a message naming the file and the path in it. */
export async function loadRunbooksFile(file: string): Promise<Runbook[]> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, "utf8");
  } catch (error) {
    throw new Error(`Cannot read the runbooks file ${file} (INTERLOCK_RUNBOOKS_FILE): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return parseRunbooksText(text, file);
}

/** Where the entry at `path` starts; a missing key points at the nearest entry that exists. */
function offsetOf(doc: Document, path: DocumentPath): number | null {
  for (let n = path.length; n >= 0; n--) {
    const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as Node | null | undefined;
    if (node && typeof node === "object" && "range" in node && node.range) return node.range[0];
  }
  return null;
}

/**
 * `registry` with every operation type that has a runbook handled by a
 * RunbookExecutor, whose fallback is the type's executor until now (for the
 * operations no runbook of the type matches).
 */
export function withRunbooks(registry: ExecutorRegistry, runbooks: readonly Runbook[]): ExecutorRegistry {
  return runbookTypes(runbooks).reduce(
    (current, type: OperationType) => current.with(type, new RunbookExecutor({ runbooks: runbooks.filter((r) => r.type === type), fallback: current.has(type) ? current.forType(type) : undefined })),
    registry,
  );
}

// ── the executor ───────────────────────────────────────────────────

export interface RunbookExecutorOptions {
  runbooks: readonly Runbook[];
  /** Runs (and holds, withdraws, validates) the operations no runbook matches: the type's default executor. */
  fallback?: OperationExecutor;
  /** Where PATH, HOME and LANG are taken from; nothing else of it is passed on. Default: process.env. */
  baseEnvironment?: { readonly [name: string]: string | undefined };
}

/** One step's process, as it ended. */
interface ProcessRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
  outputTail: string;
  truncatedBytes: number;
  /** Why Interlock stopped it, if it did. */
  stoppedBy: "timeout" | "abort" | null;
  /** Set when the program could not be started (not found, not executable). */
  startError: string | null;
  /** Processes it left running in its group after it exited, which were stopped. */
  strayProcessesStopped: boolean;
}

export class RunbookExecutor implements OperationExecutor {
  readonly name = "runbook";
  private readonly runbooks: readonly Runbook[];
  private readonly fallback: OperationExecutor | undefined;
  private readonly baseEnvironment: { readonly [name: string]: string | undefined };

  constructor(options: RunbookExecutorOptions) {
    this.runbooks = options.runbooks;
    this.fallback = options.fallback;
    this.baseEnvironment = options.baseEnvironment ?? process.env;
  }

  validate(operation: { type: OperationType; service: string; params: { [key: string]: JsonValue } }): void {
    const runbook = selectRunbook(this.runbooks, operation);
    if (runbook) validateRunbookParams(runbook, operation.params);
    else this.fallback?.validate?.(operation);
  }

  async execute(context: ExecutionContext): Promise<ExecutionOutcome> {
    const { operation } = context;
    const runbook = selectRunbook(this.runbooks, operation);
    if (!runbook) return this.requireFallback(operation.type).execute(context);

    // Checked again here, not only at submission: the file may have changed since.
    let params: ReturnType<typeof validateRunbookParams>;
    try {
      params = validateRunbookParams(runbook, operation.params);
    } catch (error) {
      if (isAppError(error) && error.code === "VALIDATION_FAILED") {
        return { status: "FAILED", summary: `${error.message}; nothing was run.`, detail: { runbook: runbook.name, code: error.code, ...(error.details as { [key: string]: JsonValue }) } };
      }
      throw error;
    }
    const fence = context.fences.find((f) => f.key.scope === "SERVICE" && f.key.resource === operation.service);
    if (!fence) {
      return { status: "FAILED", summary: `Runbook ${runbook.name} did not run: the operation holds no SERVICE lock on ${operation.service}, so its commands could not be fenced.`, detail: { runbook: runbook.name } };
    }
    if (runbook.workingDirectory !== undefined && !isDirectory(runbook.workingDirectory)) {
      return { status: "FAILED", summary: `Runbook ${runbook.name} did not run: its working directory ${runbook.workingDirectory} is not a directory on this server.`, detail: { runbook: runbook.name, workingDirectory: runbook.workingDirectory } };
    }
    const values: TemplateValues = { service: operation.service, operationId: operation.id, operationType: operation.type, fencingToken: fence.fencingToken.toString(), params };
    const baseEnvironment = {
      ...Object.fromEntries(INHERITED_VARIABLES.flatMap((name) => (this.baseEnvironment[name] === undefined ? [] : [[name, this.baseEnvironment[name]!]]))),
      PATH: this.baseEnvironment.PATH ?? FALLBACK_PATH,
      ...renderEnvironment(runbook.environment, values),
      // Last, so nothing in the file can change them (the loader refuses INTERLOCK_* names too).
      INTERLOCK_OPERATION_ID: operation.id,
      INTERLOCK_OPERATION_TYPE: operation.type,
      INTERLOCK_SERVICE: operation.service,
      INTERLOCK_ATTEMPT: String(context.attempt),
      INTERLOCK_RUNBOOK: runbook.name,
      INTERLOCK_FENCING_TOKEN: fence.fencingToken.toString(),
      // bigint is not JSON; a string keeps every digit, as the webhook sends it.
      INTERLOCK_FENCES: JSON.stringify(context.fences.map((f) => ({ scope: f.key.scope, resource: f.key.resource, fencingToken: f.fencingToken.toString() }))),
    };

    // Measured in real time, like the processes, whatever context.clock's time scale is.
    const deadline = performance.now() + runbook.timeoutSeconds * 1000;
    const alreadyPassed = new Set(context.previousSteps.filter((s) => s.outcome === "PASSED").map((s) => s.name));
    const ran: string[] = [];
    const skipped: string[] = [];
    for (const step of runbook.steps) {
      const stepName = recordedName(runbook, step);
      // A resumed attempt (a worker took over, or a person resumed a pause) does not repeat finished steps.
      if (alreadyPassed.has(stepName)) {
        skipped.push(step.name);
        continue;
      }
      if (context.signal.aborted) throw context.signal.reason;
      const remainingMs = deadline - performance.now();
      if (remainingMs <= 0) {
        return { status: "FAILED", summary: `Runbook ${runbook.name} timed out after ${runbook.timeoutSeconds} s before step "${step.name}" started.`, detail: { runbook: runbook.name, step: step.name, timedOut: true, ran, skipped } };
      }
      const stepLimitMs = step.timeoutSeconds === undefined ? Infinity : step.timeoutSeconds * 1000;
      const limitedByStep = stepLimitMs <= remainingMs;
      const argv = renderArgv(step.argv, values);
      // Immediately before the action on production, as the port asks.
      context.assertFenced();
      const startedAt = context.clock.now().toISOString();
      const run = await runProcess({
        argv,
        cwd: runbook.workingDirectory,
        env: { ...baseEnvironment, INTERLOCK_STEP: step.name },
        timeoutMs: Math.min(stepLimitMs, remainingMs),
        killGraceMs: runbook.killGraceSeconds * 1000,
        signal: context.signal,
      });
      const passed = run.exitCode === 0 && run.stoppedBy === null && run.startError === null;
      const timedOutAfter = run.stoppedBy === "timeout" ? (limitedByStep ? step.timeoutSeconds! : runbook.timeoutSeconds) : null;
      const recorded: ExecutionStep = {
        name: stepName,
        startedAt,
        endedAt: context.clock.now().toISOString(),
        outcome: passed ? "PASSED" : "FAILED",
        detail: {
          runbook: runbook.name,
          step: step.name,
          argv,
          exitCode: run.exitCode,
          signal: run.signal,
          durationMs: Math.round(run.durationMs),
          outputTail: run.outputTail,
          truncatedBytes: run.truncatedBytes,
          ...(run.startError ? { startError: run.startError } : {}),
          ...(timedOutAfter !== null ? { timedOut: true, timeoutSeconds: timedOutAfter, limit: limitedByStep ? "step" : "runbook" } : {}),
          ...(run.stoppedBy === "abort" ? { interrupted: describeReason(context.signal.reason) } : {}),
          ...(run.strayProcessesStopped ? { strayProcessesStopped: true } : {}),
        },
      };
      if (run.stoppedBy === "abort" || context.signal.aborted) {
        // The orchestrator acts on the signal's reason (pause, abort, a lost lease); a record
        // that could not be written changes nothing, since a FAILED step is run again on resume.
        await context.recordStep(recorded).catch(() => {});
        throw context.signal.reason;
      }
      await context.recordStep(recorded);
      if (!passed) {
        const why =
          timedOutAfter !== null
            ? `it timed out after ${timedOutAfter} s${limitedByStep ? "" : " (the runbook's limit)"} and its processes were stopped`
            : run.startError !== null
              ? `its command could not start (${run.startError})`
              : run.exitCode !== null
                ? `it exited with status ${run.exitCode}`
                : `it was killed by ${run.signal ?? "a signal"}`;
        return {
          status: "FAILED",
          summary: `Runbook ${runbook.name} failed at step "${step.name}": ${why}.`,
          detail: { runbook: runbook.name, step: step.name, exitCode: run.exitCode, signal: run.signal, ...(timedOutAfter !== null ? { timedOut: true } : {}), ran, skipped },
        };
      }
      ran.push(step.name);
    }
    const earlier = skipped.length ? ` (${skipped.length} already done by an earlier attempt)` : "";
    return {
      status: "SUCCEEDED",
      summary: `Runbook ${runbook.name} ran ${ran.length} step${ran.length === 1 ? "" : "s"} for ${operation.service}${earlier}; every one exited 0.`,
      detail: { runbook: runbook.name, ran, skipped },
    };
  }

  /**
   * A person paused the operation (docs/lifecycle.md "Stop and hold running
   * work"): execute() has already stopped the running step's processes, so a
   * runbook has nothing more to hold; a resumed run starts again at that step.
   */
  async hold(context: ExecutionContext, why: string): Promise<void> {
    if (selectRunbook(this.runbooks, context.operation)) return;
    await this.fallback?.hold?.(context, why);
  }

  /** A person aborted the operation: what a runbook's finished steps did stays done; the summary says so. */
  async withdraw(context: ExecutionContext, why: string): Promise<WithdrawOutcome> {
    const runbook = selectRunbook(this.runbooks, context.operation);
    if (!runbook) {
      if (this.fallback?.withdraw) return this.fallback.withdraw(context, why);
      return { undone: false, summary: `${this.fallback?.name ?? "The executor"} changes nothing it could take back.`, detail: {} };
    }
    const done = runbook.steps.filter((step) => context.previousSteps.some((s) => s.outcome === "PASSED" && s.name === recordedName(runbook, step))).map((s) => s.name);
    const finished = done.length ? `its finished steps (${done.join(", ")}) stay done: check what they changed and submit a ROLLBACK if it must be reverted` : "no step of it had finished";
    return {
      undone: false,
      summary: `a runbook's commands cannot be undone by Interlock; runbook ${runbook.name} was stopped (${why}) and ${finished}.`,
      detail: { runbook: runbook.name, finishedSteps: done },
    };
  }

  private requireFallback(type: OperationType): OperationExecutor {
    if (!this.fallback) throw new AppError("VALIDATION_FAILED", `No runbook matches this ${type} operation and no other executor is configured for ${type} operations`, { operationType: type });
    return this.fallback;
  }
}

/** How a step is named in the recorded steps: what a resumed attempt looks for. */
function recordedName(runbook: Runbook, step: RunbookStep): string {
  return `runbook ${runbook.name}: ${step.name}`;
}

/** The signal's reason in a sentence: "pause requested by alice", "LOCK_LOST: …". */
function describeReason(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

function isDirectory(path: string): boolean {
  try {
    return fs.statSync(path).isDirectory();
  } catch {
    return false;
  }
}

// ── one process group ──────────────────────────────────────────────

/** The last `limit` bytes written, in the order they arrived, and how many came before them. */
class OutputTail {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private total = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    this.chunks.push(chunk);
    this.kept += chunk.length;
    while (this.chunks.length > 1 && this.kept - this.chunks[0]!.length >= this.limit) this.kept -= this.chunks.shift()!.length;
  }

  result(): { text: string; truncatedBytes: number } {
    let bytes = Buffer.concat(this.chunks);
    if (bytes.length > this.limit) bytes = bytes.subarray(bytes.length - this.limit);
    // Cut at a character boundary: skip UTF-8 continuation bytes the cut left at the start.
    let start = 0;
    if (bytes.length < this.total) while (start < Math.min(3, bytes.length) && (bytes[start]! & 0xc0) === 0x80) start++;
    bytes = bytes.subarray(start);
    return { text: bytes.toString("utf8"), truncatedBytes: this.total - bytes.length };
  }
}

/**
 * Runs one command in its own process group and waits until nothing of it
 * is left: its exit, then any process it left behind in its group, then its
 * output pipes. On timeout or abort the whole group is stopped: SIGTERM, then
 * SIGKILL after the grace period.
 */
async function runProcess(options: { argv: string[]; cwd: string | undefined; env: { [name: string]: string }; timeoutMs: number; killGraceMs: number; signal: AbortSignal }): Promise<ProcessRun> {
  const started = performance.now();
  const output = new OutputTail(OUTPUT_TAIL_BYTES);
  const finish = (ended: { code: number | null; signal: NodeJS.Signals | null }, extra: Partial<ProcessRun>): ProcessRun => {
    const { text, truncatedBytes } = output.result();
    return { exitCode: ended.code, signal: ended.signal, durationMs: performance.now() - started, outputTail: text, truncatedBytes, stoppedBy: null, startError: null, strayProcessesStopped: false, ...extra };
  };

  let child: ChildProcess;
  try {
    // No shell: the program gets exactly these arguments. detached: its own process group,
    // so a stop reaches whatever it started (docs/runbooks.md#timeouts-and-cancellation).
    // The cast: Next's types declare NODE_ENV on every ProcessEnv, and this one has only what it is meant to.
    child = spawn(options.argv[0]!, options.argv.slice(1), { shell: false, detached: true, cwd: options.cwd, env: options.env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
  } catch (error) {
    return finish({ code: null, signal: null }, { startError: error instanceof Error ? error.message : String(error) });
  }
  let startError: string | null = null;
  child.on("error", (error) => {
    startError ??= error.message;
  });
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  // A program that cannot start emits 'error' and 'close', never 'exit'.
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    void closed.then(() => resolve());
  });

  const pgid = child.pid;
  if (pgid === undefined) {
    const ended = await closed;
    return finish({ code: null, signal: ended.signal }, { startError: startError ?? "the process did not start" });
  }

  const stop = await new Promise<"exit" | "timeout" | "abort">((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const settle = (why: "exit" | "timeout" | "abort") => {
      clearTimeout(timer);
      options.signal.removeEventListener("abort", onAbort);
      resolve(why);
    };
    const onAbort = () => settle("abort");
    if (Number.isFinite(options.timeoutMs)) timer = setTimeout(() => settle("timeout"), Math.max(0, options.timeoutMs));
    options.signal.addEventListener("abort", onAbort, { once: true });
    if (options.signal.aborted) onAbort();
    void exited.then(() => settle("exit"));
  });

  let strayProcessesStopped = false;
  if (stop !== "exit") {
    await stopGroup(pgid, options.killGraceMs);
  } else if (groupAlive(pgid)) {
    // It exited but left processes in its group (`cmd &`): none may outlive the step.
    strayProcessesStopped = true;
    await stopGroup(pgid, options.killGraceMs);
  }
  const ended = await closedWithin(child, closed, stop === "exit" && !strayProcessesStopped ? PIPE_CLOSE_WAIT_MS : PIPE_CLOSE_WAIT_MS + SIGKILL_WAIT_MS);
  return finish(ended, { stoppedBy: stop === "exit" ? null : stop, startError, strayProcessesStopped });
}

/**
 * The 'close' event: the process exited and its output pipes closed. A
 * process that left the group (setsid) can hold the pipes open forever, so
 * after `ms` they are closed from this side.
 */
async function closedWithin(child: ChildProcess, closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), ms);
  });
  const first = await Promise.race([closed, late]);
  clearTimeout(timer);
  if (first !== "late") return first;
  child.stdout?.destroy();
  child.stderr?.destroy();
  return closed;
}

/** SIGTERM to the whole group; SIGKILL to whatever is left after `graceMs`; returns when nothing of it runs. */
async function stopGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pgid, "SIGTERM")) return;
  if (await waitUntil(() => !groupAlive(pgid), graceMs)) return;
  signalGroup(pgid, "SIGKILL");
  await waitUntil(() => !groupAlive(pgid), SIGKILL_WAIT_MS);
}

/** False when the group no longer exists. */
function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * Whether any process of the group still runs. kill(2) with signal 0 also
 * finds members that have exited but wait to be reaped by init (zombies: the
 * command's children, orphaned when it died); on Linux /proc tells them apart.
 */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  const live = liveMembers(pgid);
  return live === null || live > 0;
}

/** How many processes of the group are not zombies, from /proc; null where there is no /proc. */
function liveMembers(pgid: number): number | null {
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc");
  } catch {
    return null;
  }
  let count = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    // "pid (comm) state ppid pgrp …": comm may contain spaces and parentheses, so read after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid && fields[0] !== "Z" && fields[0] !== "X") count++;
  }
  return count;
}

async function waitUntil(condition: () => boolean, ms: number): Promise<boolean> {
  const until = performance.now() + ms;
  for (;;) {
    if (condition()) return true;
    if (performance.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, Math.max(1, until - performance.now()))));
  }
}
