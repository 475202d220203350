// interlock run: runs a command of the caller's as an operation under every
// control Interlock has (docs/cli.md#interlock-run). It submits the operation
// with `execution: "external"`, waits while Interlock checks conflicts,
// takes the locks, runs the gates and perhaps asks a person, and once the
// operation is IN_PROGRESS with an ACTIVE lease runs the command, keeps the
// lease with heartbeats (HOLD stops the command, CONTINUE resumes it; a
// lost lease stops it for good), reports how it ended, and exits with the
// operation's final code.
import { Command, Option } from "commander";
import { ApiError, isTransient, type ApiClient, type CompleteBody, type Lease, type OperationDetail } from "../api-client";
import type { CliContext } from "../context";
import { UsageError } from "../context";
import { EXIT, isFinal, verdictOf, type ExitCode } from "../exit-codes";
import { heartbeatIntervalMs, LeaseKeeper, realTimers, type LeaseLoss, type Timers } from "../heartbeat";
import { formatDuration, parseDuration, parseLease } from "../options";
import { blockingDetails, describeFinal, type Progress } from "../output";
import { pollOperation, Watcher } from "../poll";
import { startCommand, type CommandExit, type RunningCommand, type StartCommandOptions } from "../run-command";
import { addOperationFlags, operationBody, type OperationFlags, type Runner } from "./shared";
import { DEFAULT_TIMEOUT } from "./wait";

export const DEFAULT_LEASE_SECONDS = 60;

export interface RunFlags extends OperationFlags {
  lease: number;
  timeout: number | null;
}

export interface RunDeps {
  startCommand?: (argv: readonly string[], options: StartCommandOptions) => RunningCommand;
  /** The heartbeats' clock (tests run it faster). */
  heartbeatTimers?: Timers;
}

/** `argv` is the whole command line, to tell whether the command came after `--`. */
export function runCommand(run: Runner, argv: readonly string[], deps: RunDeps = {}): Command {
  const command = new Command("run")
    .description("run a command as an operation: wait for Interlock's go-ahead, run it under a lease with heartbeats, report how it ended")
    .argument("<command...>", "the command and its arguments, after --");
  addOperationFlags(command, { submission: true });
  command
    .option("--lease <seconds>", "the lease: how long Interlock waits for a heartbeat before it takes the work back (10..3600)", parseLease, DEFAULT_LEASE_SECONDS)
    .addOption(new Option("--timeout <duration>", "give up after this long in all, waiting and running (90s, 30m, 2h; 0: never)").argParser(parseDuration).default(parseDuration(DEFAULT_TIMEOUT), DEFAULT_TIMEOUT))
    .usage("[options] -- <command...>");
  return command.action(async (words: string[], flags: RunFlags) =>
    run(command, async (ctx) => {
      if (!argv.includes("--")) throw new UsageError(`put the command after --, as in: interlock run --service ${flags.service} --type ${flags.type} -- ${words.join(" ")}`);
      return new RunSession(ctx, flags, words, deps).run();
    }),
  );
}

type Ending = { kind: "exited"; exit: CommandExit } | { kind: "lost"; loss: LeaseLoss } | { kind: "interrupted" } | { kind: "timeout" };

interface Report {
  exitCode: number;
  outcome: string;
  operationId: string | null;
  command: { argv: string[]; exitCode: number | null; signal: string | null; durationMs: number; spawnError: string | null } | null;
  lease: { fencingToken: string; leaseSeconds: number; lost: LeaseLoss | null } | null;
  operation: OperationDetail["operation"] | null;
  message: string | null;
}

class RunSession {
  private readonly api: ApiClient;
  private readonly progress: Progress;
  private readonly startedAt: number;
  private readonly deadline: number | null;
  private readonly interrupt = new AbortController();
  private signal: "SIGINT" | "SIGTERM" | null = null;
  private command: RunningCommand | null = null;
  private readonly timers: Timers;
  private readonly report: Report;
  private id = "";

  constructor(
    private readonly ctx: CliContext,
    private readonly flags: RunFlags,
    private readonly argv: string[],
    private readonly deps: RunDeps,
  ) {
    this.api = ctx.api();
    this.progress = ctx.progress();
    this.timers = deps.heartbeatTimers ?? { ...realTimers, now: () => ctx.now() };
    this.startedAt = ctx.now();
    this.deadline = flags.timeout === null ? null : this.startedAt + flags.timeout;
    this.report = { exitCode: EXIT.OK, outcome: "", operationId: null, command: null, lease: null, operation: null, message: null };
  }

  async run(): Promise<number> {
    const off = this.ctx.io.onSignal((s) => this.onSignal(s));
    try {
      const code = await this.submitAndRun();
      return this.finish(code);
    } catch (error) {
      this.progress.done();
      throw error;
    } finally {
      off();
    }
  }

  private onSignal(signal: "SIGINT" | "SIGTERM"): void {
    if (this.signal) {
      // Asked twice: no more waiting for the command to stop politely.
      this.command?.kill();
      return;
    }
    this.signal = signal;
    this.interrupt.abort();
  }

  private get interruptCode(): ExitCode {
    return this.signal === "SIGTERM" ? EXIT.SIGTERM : EXIT.SIGINT;
  }

  private finish(code: number): number {
    this.progress.done();
    this.report.exitCode = code;
    if (this.ctx.json) this.ctx.printJson(this.report);
    return code;
  }

  private conclude(code: ExitCode, outcome: string, message: string | null): ExitCode {
    this.report.outcome = outcome;
    this.report.message = message;
    if (message) this.progress.line(message);
    return code;
  }

  private async submitAndRun(): Promise<ExitCode> {
    const body = { ...operationBody(this.flags), execution: "external" as const, leaseSeconds: this.flags.lease };
    const { body: submitted } = await this.api.submit(body, this.flags.idempotencyKey);
    const op = submitted.operation;
    this.id = op.id;
    this.report.operationId = op.id;
    this.report.operation = op;
    if (submitted.result === "ALREADY_RUNNING") {
      // The same work is in flight (the same idempotency key, or the same service, type and params): running it twice is what Interlock is for preventing.
      return this.conclude(EXIT.BLOCKED, "already running", `Refused: the same work is already in flight as operation ${op.id} (${op.state}, by ${op.actor}); not running the command. ${this.api.consoleUrl(op.id)}`);
    }
    this.progress.line(`Submitted ${op.type} ${op.service}: operation ${op.id}`);
    this.progress.line(`  ${this.api.consoleUrl(op.id)}`);

    // 1. Wait for the go-ahead: IN_PROGRESS with an ACTIVE lease, or the end.
    const watcher = new Watcher(this.progress, this.api.consoleUrl(op.id));
    const waited = await pollOperation({
      get: () => this.api.getOperation(op.id),
      until: (d) => isFinal(d.operation.state) || (d.operation.state === "IN_PROGRESS" && d.lease?.state === "ACTIVE"),
      onUpdate: (d) => watcher.observe(d),
      onRetry: (error, attempt) => this.progress.status(`server unreachable (attempt ${attempt}): ${(error as Error).message}`),
      deadline: this.deadline,
      signal: this.interrupt.signal,
      now: () => this.ctx.now(),
      sleep: (ms, s) => this.ctx.sleep(ms, s),
    });
    if (waited.detail) this.report.operation = waited.detail.operation;
    if (waited.kind === "aborted") return this.cancelBeforeStart(`interrupted: the interlock CLI received ${this.signal}`, this.interruptCode, "interrupted");
    if (waited.kind === "timeout") return this.cancelBeforeStart(`timed out: interlock run gave up after --timeout ${formatDuration(this.flags.timeout ?? 0)} before the command started`, EXIT.TIMED_OUT, "timed out");
    const detail = waited.detail;
    if (isFinal(detail.operation.state)) return this.ended(detail);

    // 2. Run the command under the lease.
    return this.runUnderLease(detail, detail.lease!);
  }

  /** Interrupted or out of time before the command started: the operation is withdrawn. */
  private async cancelBeforeStart(reason: string, code: ExitCode, outcome: string): Promise<ExitCode> {
    this.progress.done();
    try {
      const op = await this.api.cancel(this.id, reason);
      this.report.operation = op;
      return this.conclude(code, outcome, `${reason}; operation ${this.id} cancelled`);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 409) {
        return this.conclude(code, outcome, `${reason}; cancelling operation ${this.id} failed: ${(error as Error).message}`);
      }
      // 409: it moved on meanwhile. If its lease was granted, the run is ours to end.
      const detail = await this.api.getOperation(this.id).catch(() => null);
      if (detail?.lease?.state === "ACTIVE") {
        const completed = await this.complete(detail.lease, { status: "FAILED", summary: `${reason} (before the command started)`, detail: { exitCode: null, signal: null, durationMs: 0, outputTail: "" } });
        return this.conclude(code, outcome, `${reason}; ${completed ? "reported the run as FAILED" : "could not report the run"} (operation ${this.id})`);
      }
      return this.conclude(code, outcome, `${reason}; operation ${this.id} could not be cancelled: ${error.message}`);
    }
  }

  /** The operation ended without the command: blocked, rejected, cancelled, timed out. */
  private ended(detail: OperationDetail): ExitCode {
    this.report.operation = detail.operation;
    this.progress.done();
    const verdict = verdictOf(detail)!;
    for (const line of blockingDetails(detail)) this.progress.line(line);
    return this.conclude(verdict.code, verdict.label, `Not run: ${describeFinal(detail.operation)}`);
  }

  private async runUnderLease(detail: OperationDetail, lease: Lease): Promise<ExitCode> {
    const fencingToken = lease.fencingToken;
    this.report.lease = { fencingToken, leaseSeconds: lease.leaseSeconds, lost: null };
    // No later than the grant: the poll that saw it was sent at most one interval after the previous one.
    const grantedAt = this.ctx.now() - 1000;
    this.progress.done();
    this.progress.line(`Lease granted: fencing token ${fencingToken}, ${lease.leaseSeconds} s, heartbeat every ${formatDuration(heartbeatIntervalMs(lease.leaseSeconds))}`);

    const startedIso = new Date(this.ctx.now()).toISOString();
    try {
      await this.api.reportStep(this.id, { fencingToken, name: "command started", outcome: "INFO", detail: { argv: this.argv }, startedAt: startedIso, endedAt: startedIso }, 10_000);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) return this.leaseLost({ kind: "ended", status: 409, code: error.code, message: error.message, details: error.details }, null);
      this.progress.line(`warning: the step "command started" was not recorded: ${(error as Error).message}`);
    }
    if (this.interrupt.signal.aborted) {
      await this.complete(lease, { status: "FAILED", summary: `interrupted: the interlock CLI received ${this.signal} before the command started`, detail: { exitCode: null, signal: null, durationMs: 0, outputTail: "" } });
      return this.conclude(this.interruptCode, "interrupted", `interrupted (${this.signal}) before the command started; operation ${this.id} reported FAILED`);
    }

    this.progress.line(`Running: ${this.argv.join(" ")}`);
    this.progress.suspend();
    const env: Record<string, string | undefined> = {
      ...this.ctx.io.env,
      INTERLOCK_OPERATION_ID: this.id,
      INTERLOCK_FENCING_TOKEN: fencingToken,
      INTERLOCK_FENCES: JSON.stringify(lease.fences ?? []),
    };
    const out = this.ctx.io.stdout;
    const err = this.ctx.io.stderr;
    const command = (this.deps.startCommand ?? startCommand)(this.argv, {
      env,
      // With --json, stdout carries only the JSON document: the command's output goes to stderr.
      onOutput: (stream, chunk) => (stream === "stdout" && !this.ctx.json ? out : err).write(chunk),
    });
    this.command = command;

    let keeper: LeaseKeeper | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    // Once the command is being stopped, a HOLD must not stop (SIGSTOP) it mid-way: it would sit stopped until SIGKILL.
    let stopping = false;
    const ending = await new Promise<Ending>((resolve) => {
      void command.exited.then((exit) => resolve({ kind: "exited", exit }));
      keeper = new LeaseKeeper({
        leaseSeconds: lease.leaseSeconds,
        fencingToken,
        timers: this.timers,
        send: (token, timeoutMs) => this.api.heartbeat(this.id, token, timeoutMs),
        onHold: (reason) => {
          if (stopping) return;
          command.pause();
          this.progress.line(`Held: ${reason ?? "a person paused the operation"}. The command is stopped (SIGSTOP) until the operation is resumed; heartbeats go on.`);
        },
        onContinue: (reason) => {
          if (stopping) return;
          command.resume();
          this.progress.line(`Continuing${reason ? `: ${reason}` : ""} (SIGCONT)`);
        },
        onRetry: (error, attempt, delayMs) => this.progress.line(`heartbeat failed (${(error as Error).message}); retry ${attempt} in ${Math.round(delayMs / 100) / 10} s`),
        onLost: (loss) => resolve({ kind: "lost", loss }),
      });
      keeper.start(grantedAt, { beatNow: true });
      if (this.interrupt.signal.aborted) resolve({ kind: "interrupted" });
      else this.interrupt.signal.addEventListener("abort", () => resolve({ kind: "interrupted" }), { once: true });
      if (this.deadline !== null) timer = setTimeout(() => resolve({ kind: "timeout" }), Math.max(0, this.deadline - this.ctx.now()));
    });
    if (timer !== null) clearTimeout(timer);
    const keeperNow = keeper as LeaseKeeper | null;

    if (ending.kind === "lost") {
      this.progress.resume();
      return this.leaseLost(ending.loss, command);
    }
    if (ending.kind === "interrupted" || ending.kind === "timeout") {
      // Heartbeats go on while the command stops, so the lease is still ours when the outcome is reported.
      this.progress.resume();
      const why = ending.kind === "interrupted" ? `interrupted: the interlock CLI received ${this.signal}` : `timed out: interlock run gave up after --timeout ${formatDuration(this.flags.timeout ?? 0)}`;
      this.progress.line(`${why}; stopping the command (SIGTERM, then SIGKILL after 10 s)`);
      stopping = true;
      const exit = await command.stop();
      keeperNow?.stop();
      this.recordExit(exit);
      if (keeperNow?.state === "LOST") return this.conclude(ending.kind === "interrupted" ? this.interruptCode : EXIT.TIMED_OUT, ending.kind === "interrupted" ? "interrupted" : "timed out", `${why}; the lease was lost meanwhile`);
      const completed = await this.complete(lease, { status: "FAILED", summary: why, detail: this.exitDetail(exit) }, keeperNow?.deadline);
      const code = ending.kind === "interrupted" ? this.interruptCode : EXIT.TIMED_OUT;
      return this.conclude(code, ending.kind === "interrupted" ? "interrupted" : "timed out", `${why}; ${completed ? "reported FAILED" : "the outcome could not be reported"} for operation ${this.id}`);
    }

    // The command exited by itself.
    keeperNow?.stop();
    this.progress.resume();
    const exit = ending.exit;
    this.recordExit(exit);
    const summary = summaryOf(this.argv[0]!, exit);
    const status = exit.exitCode === 0 ? "SUCCEEDED" : "FAILED";
    this.progress.line(`${summary} after ${formatDuration(exit.durationMs)}; reporting ${status}`);
    try {
      await this.completeOrThrow(lease, { status, summary, detail: this.exitDetail(exit) }, keeperNow?.deadline);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) return this.leaseLost({ kind: "ended", status: 409, code: error.code, message: error.message, details: error.details }, null);
      throw error;
    }
    return this.awaitFinal(status === "SUCCEEDED" ? EXIT.OK : EXIT.FAILED);
  }

  /** After the outcome was reported: the operation's final state decides the exit code. */
  private async awaitFinal(fallback: ExitCode): Promise<ExitCode> {
    const watcher = new Watcher(this.progress, this.api.consoleUrl(this.id));
    // Even past --timeout, the operation gets a minute to record what was reported.
    const deadline = Math.max(this.deadline ?? Number.POSITIVE_INFINITY, this.ctx.now() + 60_000);
    const outcome = await pollOperation({
      get: () => this.api.getOperation(this.id),
      until: (d) => isFinal(d.operation.state),
      onUpdate: (d) => watcher.observe(d),
      deadline: Number.isFinite(deadline) ? deadline : null,
      signal: this.interrupt.signal,
      now: () => this.ctx.now(),
      sleep: (ms, s) => this.ctx.sleep(ms, s),
    });
    this.progress.done();
    if (outcome.detail) this.report.operation = outcome.detail.operation;
    if (outcome.kind === "aborted") return this.conclude(this.interruptCode, "interrupted", `interrupted (${this.signal}) after the outcome was reported; operation ${this.id} finishes on its own`);
    if (outcome.kind === "timeout") {
      return this.conclude(EXIT.TIMED_OUT, "timed out", `gave up waiting for operation ${this.id} to finish (still ${outcome.detail?.operation.state ?? "unknown"}); the command had ${fallback === EXIT.OK ? "succeeded" : "failed"}`);
    }
    const verdict = verdictOf(outcome.detail)!;
    for (const line of blockingDetails(outcome.detail)) this.progress.line(line);
    return this.conclude(verdict.code, verdict.label, describeFinal(outcome.detail.operation));
  }

  /** The lease is gone: the command is stopped, and the operation says why. */
  private async leaseLost(loss: LeaseLoss, command: RunningCommand | null): Promise<ExitCode> {
    if (this.report.lease) this.report.lease.lost = loss;
    const what = loss.kind === "unreachable" ? loss.message : `${loss.code} (${loss.status}): ${loss.message}`;
    this.progress.done();
    this.progress.line(`Lease lost: ${what}`);
    if (command) {
      this.progress.line("Stopping the command (SIGTERM, then SIGKILL after 10 s)");
      this.recordExit(await command.stop());
    }
    // What ended it is on the operation: an abort, a preemption, an expiry. Give it a moment to get there.
    const outcome = await pollOperation({
      get: () => this.api.getOperation(this.id),
      until: (d) => isFinal(d.operation.state),
      deadline: this.ctx.now() + 15_000,
      signal: this.interrupt.signal,
      now: () => this.ctx.now(),
      sleep: (ms, s) => this.ctx.sleep(ms, s),
    }).catch(() => null);
    const detail = outcome?.detail ?? null;
    if (detail) this.report.operation = detail.operation;
    const verdict = outcome?.kind === "done" ? verdictOf(outcome.detail) : null;
    if (verdict && verdict.code !== EXIT.FAILED) return this.conclude(verdict.code, verdict.label, describeFinal(outcome!.detail!.operation));
    const code = lostCode(loss, detail?.lease ?? null);
    return this.conclude(code, code === EXIT.TIMED_OUT ? "lease expired" : code === EXIT.API ? "refused" : "lease ended", detail ? describeFinal(detail.operation) : `operation ${this.id}: ${what}`);
  }

  private recordExit(exit: CommandExit): void {
    this.report.command = { argv: this.argv, exitCode: exit.exitCode, signal: exit.signal, durationMs: exit.durationMs, spawnError: exit.spawnError };
  }

  private exitDetail(exit: CommandExit): NonNullable<CompleteBody["detail"]> {
    return { exitCode: exit.exitCode, signal: exit.signal, durationMs: exit.durationMs, outputTail: exit.outputTail, ...(exit.spawnError ? { spawnError: exit.spawnError } : {}) };
  }

  /** Reports the outcome; false (having said why) when it could not be. */
  private async complete(lease: Lease, body: Omit<CompleteBody, "fencingToken">, until?: number): Promise<boolean> {
    try {
      await this.completeOrThrow(lease, body, until);
      return true;
    } catch (error) {
      this.progress.line(`reporting the outcome failed: ${(error as Error).message}`);
      return false;
    }
  }

  /** POST …/complete, retried on transient failures until the lease's deadline (after it the server has taken the work back anyway). */
  private async completeOrThrow(lease: Lease, body: Omit<CompleteBody, "fencingToken">, until?: number): Promise<void> {
    const limit = until ?? this.ctx.now() + lease.leaseSeconds * 1000;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.api.complete(this.id, { fencingToken: lease.fencingToken, ...body }, 10_000);
        return;
      } catch (error) {
        const wait = Math.min(500 * 2 ** (attempt - 1), 5000);
        if (!isTransient(error) || this.ctx.now() + wait >= limit) throw error;
        this.progress.line(`reporting the outcome failed (${(error as Error).message}); retry ${attempt} in ${wait / 1000} s`);
        await this.ctx.sleep(wait);
      }
    }
  }
}

/** "deploy.sh exited with status 3", "deploy.sh was killed by SIGKILL". */
export function summaryOf(argv0: string, exit: Pick<CommandExit, "exitCode" | "signal" | "spawnError">): string {
  if (exit.spawnError) return exit.spawnError;
  if (exit.exitCode !== null) return `${argv0} exited with status ${exit.exitCode}`;
  return `${argv0} was killed by ${exit.signal ?? "a signal"}`;
}

/** When the operation does not say (not final yet, or unreadable): the loss itself decides. */
export function lostCode(loss: LeaseLoss, lease: Lease | null): ExitCode {
  if (lease?.state === "EXPIRED") return EXIT.TIMED_OUT;
  if (lease?.state === "REVOKED") return EXIT.CANCELLED;
  if (loss.kind === "unreachable") return EXIT.TIMED_OUT;
  if (loss.kind === "refused") return EXIT.API;
  const state = (loss.details["leaseState"] ?? loss.details["state"]) as string | undefined;
  if (state === "EXPIRED" || /expire/i.test(loss.message)) return EXIT.TIMED_OUT;
  return EXIT.CANCELLED;
}
