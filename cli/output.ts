// What the CLI prints (docs/cli.md#output): the formatting of plans,
// operations and waiting states as plain text, and the progress display —
// on a terminal one status line rewritten in place (spinner, elapsed time,
// state, reason); elsewhere (CI logs, files) plain timestamped lines, one
// per change. `--json` bypasses all of it: one JSON document on stdout.
import type { Lease, OperationDetail, OperationPlan, OperationSummary } from "./api-client";
import { formatDuration } from "./options";

export interface Stream {
  write(text: string | Uint8Array): unknown;
  isTTY?: boolean;
  columns?: number;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * The live display of one command. On a TTY: `status()` replaces the one
 * line at the bottom; `line()` prints a permanent line above it. Otherwise
 * `status()` prints a timestamped line only when the text changes, so a CI
 * log reads as a history.
 */
export class Progress {
  private current = "";
  private shown = false;
  private frame = 0;
  private ticker: ReturnType<typeof setInterval> | null = null;
  private readonly startedAt: number;
  private lastPlain = "";
  private suspended = false;

  constructor(
    private readonly stream: Stream,
    private readonly options: { tty: boolean; now?: () => number; clock?: () => Date } = { tty: false },
  ) {
    this.startedAt = this.now();
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  get tty(): boolean {
    return this.options.tty;
  }

  /** The waiting state now: rewritten in place on a TTY, a new line otherwise when it changed. */
  status(text: string): void {
    this.current = text;
    if (this.options.tty) {
      if (!this.suspended) this.draw();
      if (!this.ticker && !this.suspended) {
        this.ticker = setInterval(() => this.draw(), 100);
        this.ticker.unref();
      }
      return;
    }
    if (text !== this.lastPlain) {
      this.lastPlain = text;
      this.stream.write(`${this.stamp()}  ${text}\n`);
    }
  }

  /** A permanent line (an event: submitted, paused, started, finished). */
  line(text: string): void {
    if (this.options.tty) {
      this.erase();
      this.stream.write(`${text}\n`);
      if (this.current && !this.suspended) this.draw();
      return;
    }
    this.stream.write(`${this.stamp()}  ${text}\n`);
  }

  /** While the command writes to the terminal, no status line is drawn under it. */
  suspend(): void {
    this.erase();
    this.suspended = true;
    this.stopTicker();
  }

  resume(): void {
    this.suspended = false;
  }

  /** Removes the status line and stops the spinner; lines printed after it stay. */
  done(): void {
    this.erase();
    this.stopTicker();
    this.current = "";
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }

  private draw(): void {
    const elapsed = formatClock(this.now() - this.startedAt);
    const spinner = SPINNER[this.frame++ % SPINNER.length];
    let text = `${spinner} ${elapsed}  ${this.current}`;
    const width = this.stream.columns ?? 0;
    if (width > 10 && text.length > width - 1) text = `${text.slice(0, width - 2)}…`;
    this.stream.write(`\r\x1b[2K${text}`);
    this.shown = true;
  }

  private erase(): void {
    if (this.options.tty && this.shown) {
      this.stream.write("\r\x1b[2K");
      this.shown = false;
    }
  }

  private stamp(): string {
    return (this.options.clock?.() ?? new Date(this.now())).toISOString();
  }
}

/** Elapsed time on the status line: 0:07, 12:34, 1:02:03. */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/**
 * One line saying what the operation waits for, from its record: its state
 * and the server's own reason ("Waiting in line for payment-service:
 * position 2 …"), a person's pending pause or abort, the review it waits on.
 */
export function describeWaiting(detail: Pick<OperationDetail, "operation"> & Partial<Pick<OperationDetail, "review" | "lease">>): string {
  const op = detail.operation;
  const parts: string[] = [op.state];
  if (op.state === "PAUSED_FOR_HUMAN_REVIEW") {
    parts.push(`waiting for a reviewer: ${detail.review?.status === "PENDING" ? detail.review.reason : (op.reason ?? "paused")}`);
  } else if (op.state === "IN_PROGRESS" && detail.lease && detail.lease.state !== "ACTIVE") {
    parts.push(`lease ${detail.lease.state}${op.reason ? `: ${op.reason}` : ""}`);
  } else if (op.reason) {
    parts.push(op.reason);
  } else if (op.state === "INIT") {
    parts.push(op.queuedAt ? "waiting in line for its service" : "waiting for a worker");
  } else if (op.state === "LOCKED") {
    parts.push("holding its locks");
  } else if (op.state === "SAFETY_CHECK") {
    parts.push("running the safety gates");
  } else if (op.state === "IN_PROGRESS") {
    parts.push(detail.lease === null ? "waiting for the lease" : "running");
  }
  if (op.control) parts.push(`(${op.control.action.toLowerCase()} requested by ${op.control.by}: ${op.control.reason})`);
  return parts.join("  ");
}

/** The result line of a finished operation: "COMPLETED (SUCCESS) in 1m02s" or "FAILED (BLOCKED_BY_GATE): why". */
export function describeFinal(op: OperationSummary): string {
  const result = op.result ? ` (${op.result})` : "";
  const took = op.finishedAt ? ` in ${formatDuration(Date.parse(op.finishedAt) - Date.parse(op.createdAt))}` : "";
  const why = op.state === "COMPLETED" ? "" : op.reason ? `: ${op.reason}` : op.error ? `: ${op.error}` : "";
  return `${op.state}${result}${took}${why}`;
}

/** What stopped it, when a gate or a conflict did: one line each, for the moment it ends blocked. */
export function blockingDetails(detail: Pick<OperationDetail, "operation" | "gateResults" | "conflicts">): string[] {
  const lines: string[] = [];
  if (detail.operation.result === "BLOCKED_BY_GATE") {
    for (const g of detail.gateResults) if (!g.passed && !g.skipped) lines.push(`  ✗ ${g.gate}: ${g.reason}${g.source ? ` [${g.source}]` : ""}`);
  }
  if (detail.operation.result === "BLOCKED_BY_CONFLICT") {
    for (const c of detail.conflicts) if (c.action === "BLOCK" || c.action === "DELAY") lines.push(`  ✗ ${c.type} (${c.severity}): ${c.explanation}`);
  }
  return lines;
}

export function formatLease(lease: Lease): string {
  const parts = [`${lease.state}`, `fencing token ${lease.fencingToken}`, `${lease.leaseSeconds} s`];
  if (lease.deadline) parts.push(`deadline ${lease.deadline}`);
  if (lease.lastHeartbeatAt) parts.push(`last heartbeat ${lease.lastHeartbeatAt}`);
  if (lease.endReason) parts.push(`ended: ${lease.endReason}`);
  return parts.join(", ");
}

/** `interlock status`: the operation, what it waits for or how it ended, and where to look further. */
export function formatOperation(detail: OperationDetail, consoleUrl: string): string {
  const op = detail.operation;
  const out: string[] = [];
  out.push(`${op.type} ${op.service}  ${op.id}`);
  out.push(`  state     ${op.state}${op.result ? `  result ${op.result}` : ""}`);
  if (op.reason) out.push(`  reason    ${op.reason}`);
  if (op.error && op.error !== op.reason) out.push(`  error     ${op.error}`);
  out.push(`  actor     ${op.actor} (${op.source}), priority ${op.priority}, attempt ${op.attempt}`);
  const params = Object.keys(op.params).length ? JSON.stringify(op.params) : "";
  if (params) out.push(`  params    ${params}`);
  out.push(`  created   ${op.createdAt}${op.startedAt ? `, started ${op.startedAt}` : ""}${op.finishedAt ? `, finished ${op.finishedAt}` : ""}`);
  if (op.queuedAt) out.push(`  queued    since ${op.queuedAt}`);
  if (op.control) out.push(`  control   ${op.control.action} requested by ${op.control.by} at ${op.control.at}: ${op.control.reason}`);
  if (op.execution === "external") out.push(`  execution external${op.leaseSeconds ? `, lease ${op.leaseSeconds} s` : ""}`);
  if (detail.lease) out.push(`  lease     ${formatLease(detail.lease)}`);
  if (detail.review) out.push(`  review    ${detail.review.status}: ${detail.review.reason}${detail.review.decidedBy ? ` (decided by ${detail.review.decidedBy})` : ""}`);
  const gates = detail.gateResults.filter((g) => !g.skipped);
  if (gates.length) {
    out.push("  gates");
    for (const g of gates) out.push(`    ${g.passed ? "✓" : "✗"} ${g.gate}: ${g.reason}`);
  }
  if (detail.conflicts.length) {
    out.push("  conflicts");
    for (const c of detail.conflicts) out.push(`    ${c.type} ${c.severity} → ${c.action}: ${c.explanation}`);
  }
  if (detail.steps.length) {
    out.push("  steps");
    for (const s of detail.steps.slice(-10)) out.push(`    ${s.endedAt}  ${s.outcome.padEnd(6)} ${s.name}`);
  }
  const held = detail.locks.filter((l) => l.releasedAt === null);
  if (held.length) {
    out.push("  locks");
    for (const l of held) out.push(`    ${l.scope} ${l.resource}  fencing token ${l.fencingToken}${l.expiresAt ? `, expires ${l.expiresAt}` : ""}`);
  }
  out.push(`  console   ${consoleUrl}`);
  return `${out.join("\n")}\n`;
}

/** `interlock plan`: the verdict first, then why. */
export function formatPlan(plan: OperationPlan): string {
  const out: string[] = [];
  out.push(`${plan.type} ${plan.service} (priority ${plan.priority}), evaluated ${plan.evaluatedAt}`);
  out.push(`verdict  ${plan.verdict}: ${plan.summary}`);
  if (plan.alreadyRunning) out.push(`already running  ${plan.alreadyRunning.id} (${plan.alreadyRunning.state})`);
  if (plan.blockReasons.length) {
    out.push("would be blocked");
    for (const r of plan.blockReasons) out.push(`  ✗ ${r}`);
  }
  if (plan.pauseCauses.length) {
    out.push("would pause for review");
    for (const r of plan.pauseCauses) out.push(`  ! ${r}`);
  }
  if (plan.notBefore) out.push(`not before  ${plan.notBefore}`);
  out.push(`conflicts (${plan.conflicts.length})`);
  for (const c of plan.conflicts) {
    out.push(`  ${c.type} ${c.severity} → ${c.action}: ${c.explanation}`);
    if (c.recommendation) out.push(`      ${c.recommendation}`);
  }
  if (plan.gatesEvaluated) {
    out.push("gates");
    for (const g of plan.gates) out.push(`  ${g.skipped ? "-" : g.passed ? "✓" : "✗"} ${g.gate}: ${g.reason} [${g.source}]`);
  } else {
    out.push("gates  not evaluated (they run when it starts)");
  }
  const b = plan.blastRadius;
  out.push(`blast radius  ${b.estimatedImpactPct} % estimated impact; ${b.affectedCount} of ${b.totalServices} services within ${b.depth} hops (${b.percentage} %)`);
  for (const [name, list] of [["direct", b.direct], ["shared resource", b.sharedResource], ["downstream", b.downstream], ["upstream", b.upstream]] as const) {
    if (list.length) out.push(`  ${name}: ${list.join(", ")}`);
  }
  if (plan.queue) {
    out.push(`queue  position ${plan.queue.position}`);
    for (const a of plan.queue.ahead) out.push(`  ahead: ${a.type} ${a.id} (${a.state}, by ${a.actor})`);
  }
  for (const p of plan.preempts) out.push(`would preempt  ${p.type} ${p.id} (${p.state}, by ${p.actor})`);
  for (const s of plan.supersedes) out.push(`would supersede  ${s.type} ${s.id} (${s.state}, by ${s.actor})`);
  if (plan.locks.length) {
    out.push("locks");
    for (const l of plan.locks) {
      const holders = l.holders.length ? `held by ${l.holders.map((h) => h.operationId ?? h.holderId).join(", ")}` : "free";
      out.push(`  ${l.scope} ${l.resource} ${l.mode}: ${holders}${l.waiting ? `, ${l.waiting} waiting` : ""}`);
    }
  }
  return `${out.join("\n")}\n`;
}

/** One JSON document, as `--json` promises. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
