import type { AuditEventInput, JsonValue } from "../audit/types";
import { describeMember, goesFirst, lineMemberOf, placeInLine, type LinePlacement } from "../conflicts/service-line";
import type { Conflict, ConflictCheck } from "../conflicts/types";
import { AppError, isAppError } from "../errors";
import type { ExecutionContext, ExecutionOutcome } from "../executors/ports";
import { assessGates } from "../gates/assess-gates";
import { assessFreeze, type FreezeAssessment } from "../freezes/assess-freeze";
import { FREEZE_HORIZON_MS } from "../freezes/evaluate-freeze";
import type { Lease } from "../locks/lease";
import { LOCK_PRIORITIES, type LockPriority } from "../locks/priority";
import { lockAcquiredEvent, lockReleasedEvent, operationEvent, outcomeCategory, SEVERITY_OF_CONFLICT, transitionEvent } from "./audit-events";
import { checkConflictsNow, estimatedImpactPct } from "./check-conflicts-now";
import { claimOwnerOf, lockHolderOf } from "./holders";
import type { OrchestratorDeps } from "./orchestrator-deps";
import type { OperationChanges, OperationControl, OperationRecord, TransitionWrite } from "./ports";
import { preemptOperation, sendBackInLine } from "./preempt-operation";
import { refreshReviewEvidence } from "./refresh-review-evidence";
import { buildReview, pausedByPerson, pauseReasonOf, reviewRequestedIn, type PauseReason } from "./review-evidence";
import { planTransition } from "./state-machine";
import { supersedeOperation } from "./supersede-operation";
import type { OperationResult, OperationState } from "./types";

export { claimOwnerOf, lockHolderOf };

interface MoveOptions {
  actor?: string;
  metadata?: { [key: string]: JsonValue };
  changes?: OperationChanges;
  events?: AuditEventInput[];
  gateResults?: TransitionWrite["gateResults"];
  review?: TransitionWrite["review"];
  conflicts?: Conflict[];
}

/** Another writer moved the operation on (a cancel, a preemption, a worker that took over): stop without writing. */
class Superseded extends Error {
  constructor(cause: unknown) {
    super("superseded", { cause });
  }
}

/** The abort reason of a run whose executor a person's control stopped (pause or abort). */
class ControlRequested extends Error {
  constructor(readonly control: OperationControl) {
    super(`${control.action.toLowerCase()} requested by ${control.by}`);
  }
}

const priorityName = (n: number): LockPriority => (Object.entries(LOCK_PRIORITIES).find(([, v]) => v === n)?.[0] as LockPriority | undefined) ?? "NORMAL";

const BEFORE_EXECUTION: readonly OperationState[] = ["INIT", "LOCKED", "SAFETY_CHECK"];

/**
 * Drives one claimed operation from where its record says it is to its next
 * resting state (finished, paused for a person, waiting in line, or delayed),
 * writing state after every step: register → conflicts → its turn in line
 * for the service → ordered locks → gates → execute → release, each state
 * change committed with its audit events (docs/lifecycle.md#how-the-orchestrator-drives-an-operation). A worker that
 * died mid-way left the record at the last committed step; this picks up from
 * there (a resumed execution gets the steps its predecessor recorded). A
 * person's control request (pause, abort) is carried out at the executor's
 * next safe point.
 */
export class OperationRun {
  private op: OperationRecord;
  private readonly holder: string;
  private leases: Lease[] = [];
  /** Audit events about locks taken, written with the next transition (or on their own at the end). */
  private pendingEvents: AuditEventInput[] = [];
  private readonly claim = new AbortController();
  /** Aborted when a person's pause or abort reaches the running executor. */
  private readonly control = new AbortController();
  /** The claim as the store records it: this worker and this attempt, so a run of an earlier claim cannot write. */
  readonly owner: string;
  private releaseReason = "operation finished";
  /** It came to rest (a final state): a ROLLBACK then refreshes the evidence of what is paused on its service. */
  private cameToRest = false;
  private executing = false;
  private pendingConflicts: Conflict[] = [];
  private pendingChanges: OperationChanges = {};
  private line: LinePlacement | null = null;

  constructor(
    private readonly deps: OrchestratorDeps,
    operation: OperationRecord,
    private readonly workerId: string,
  ) {
    this.op = operation;
    this.owner = claimOwnerOf(workerId, operation.attempt);
    this.holder = lockHolderOf(operation.id, operation.attempt);
  }

  get operationId(): string {
    return this.op.id;
  }

  /** Whether the executor is running (a control request can reach it). */
  get isExecuting(): boolean {
    return this.executing;
  }

  /** The worker lost its claim (it could not renew in time): stop before acting again. */
  claimLost(): void {
    this.claim.abort(new AppError("LOCK_LOST", `Worker ${this.workerId} lost its claim on operation ${this.op.id}`));
  }

  /** A person asked to pause or abort: the running executor stops at its next safe point, and the run carries the request out. */
  controlRequested(control: OperationControl): void {
    if (!this.executing || this.control.signal.aborted) return;
    if (control.action !== "PAUSE" && control.action !== "ABORT") return;
    this.control.abort(new ControlRequested(control));
  }

  async run(): Promise<void> {
    try {
      if (this.op.attempt - this.op.resumes > this.deps.config.maxAttempts) {
        await this.fail("FAILED", `Abandoned after ${this.op.attempt - this.op.resumes - 1} attempts that did not finish (their workers stopped, or the store or a dependency kept failing); see the audit trail of each attempt`);
        return;
      }
      const control = this.op.control;
      if (control?.action === "ABORT" && (this.op.state === "IN_PROGRESS" || this.op.state === "PAUSED_FOR_HUMAN_REVIEW")) {
        await this.lock();
        await this.abort(control);
        return;
      }
      if (control?.action === "PAUSE" && this.op.state === "IN_PROGRESS") {
        // Its worker stopped before it could carry the pause out: hold it now, before executing again.
        await this.pauseByPerson(control);
        return;
      }
      if (this.op.state === "INIT" && !(await this.checkConflicts())) return;
      if ((BEFORE_EXECUTION.includes(this.op.state) || this.op.state === "PAUSED_FOR_HUMAN_REVIEW") && !(await this.checkFreeze())) return;
      if ((BEFORE_EXECUTION.includes(this.op.state) || this.op.state === "PAUSED_FOR_HUMAN_REVIEW") && !(await this.awaitTurn())) return;
      await this.lock();
      if (this.op.state === "INIT") {
        await this.moveThrough([
          ["LOCKED", { metadata: { locks: this.leases.map((l) => ({ scope: l.key.scope, resource: l.key.resource, fencingToken: l.fencingToken.toString() })) } }],
          ["SAFETY_CHECK", {}],
        ]);
      }
      if (this.op.state === "LOCKED") await this.move("SAFETY_CHECK", {});
      if (this.op.state === "SAFETY_CHECK" && !(await this.checkGates())) return;
      if (this.op.state === "PAUSED_FOR_HUMAN_REVIEW") await this.resumeAfterApproval();
      if (this.op.state === "IN_PROGRESS") await this.execute();
    } catch (error) {
      await this.onError(error);
    } finally {
      await this.releaseLocks();
      // The line for the service was woken in the transaction that let go of it (OperationStore.applyTransitions).
      if (this.cameToRest && goesFirst(this.op) && ["COMPLETED", "FAILED", "ROLLED_BACK"].includes(this.op.state)) await this.refreshPausedOnService();
    }
  }

  /**
   * A ROLLBACK changed the service under the operations paused on it: their
   * evidence is re-evaluated now, so the reviewer sees the service as it is
   * (an approval would re-evaluate it anyway, docs/lifecycle.md#fresh-evidence-at-decision-time).
   */
  private async refreshPausedOnService(): Promise<void> {
    try {
      const { inFlight } = await this.deps.neighbourhood.load(this.op, [this.op.service], this.deps.clock.now());
      for (const o of inFlight) {
        if (o.service !== this.op.service || o.state !== "PAUSED_FOR_HUMAN_REVIEW") continue;
        await refreshReviewEvidence(this.deps, { operationId: o.id, actor: "system" }).catch((error: unknown) => {
          if (!isAppError(error) || (error.code !== "CONFLICT" && error.code !== "VERSION_CONFLICT")) throw error;
        });
      }
    } catch (error) {
      this.deps.onBackgroundError(error, `refreshing the evidence of operations paused on ${this.op.service}`);
    }
  }

  // ── INIT: conflicts ──────────────────────────────────────────────

  private async checkConflicts(): Promise<boolean> {
    const now = this.deps.clock.now();
    const { check } = await checkConflictsNow(this.deps, this.op, now);
    const conflictEvents = check.conflicts.map((c) =>
      operationEvent(this.op, "CONFLICT_DETECTION", SEVERITY_OF_CONFLICT[c.severity], "conflict.detected", {
        type: c.type,
        severity: c.severity,
        action: c.action,
        conflictingOperations: c.conflictingOperationIds,
        explanation: c.explanation,
        recommendation: c.recommendation,
      }),
    );
    const summary = conflictSummary(check);
    const { action } = check.decision;

    if (action === "BLOCK" || check.line.verdict === "BLOCK") {
      const blocking = check.conflicts.filter((c) => c.action === "BLOCK");
      await this.finish("FAILED", "BLOCKED_BY_CONFLICT", blocking.map((c) => c.explanation).join(" "), { conflicts: check.conflicts, events: conflictEvents, changes: { conflictCheck: summary } });
      return false;
    }
    // A timing window is waited out first, even when another conflict will pause the operation
    // for review: the gates then run once its effects have settled (the cooldown would refuse it sooner).
    const delaying = check.conflicts.filter((c) => c.action === "DELAY");
    if (action === "DELAY" || (action === "PAUSE_FOR_REVIEW" && delaying.length > 0)) {
      const ends = delaying.flatMap((c) => (c.evidence.notBefore ? [c.evidence.notBefore] : [])).sort();
      const notBefore = ends.length > 0 ? new Date(ends.at(-1)!) : new Date(now.getTime() + 5_000);
      // Measured from when it could first have started: its arrival, or its turn in line.
      const since = this.op.queuedAt ? now : this.op.createdAt;
      if (notBefore.getTime() - since.getTime() > this.deps.config.maxDelayMs) {
        await this.finish("FAILED", "BLOCKED_BY_CONFLICT", `Delayed past the ${Math.round(this.deps.config.maxDelayMs / 60_000)} min limit: ${check.conflicts.map((c) => c.explanation).join(" ")}`, {
          conflicts: check.conflicts,
          events: conflictEvents,
          changes: { conflictCheck: summary },
        });
        return false;
      }
      // No state changes (INIT waits in INIT); the delay is recorded so the wait is explained,
      // and it does not count as an attempt (attempts bound workers that died, not waits).
      await this.deps.audit.appendMany([...conflictEvents, operationEvent(this.op, "CONFLICT_DETECTION", "INFO", "operation.delayed", { notBefore: notBefore.toISOString() })]);
      await this.deps.store.releaseClaim(this.owner, this.op.id, notBefore, `Waiting until ${notBefore.toISOString()}: ${delaying.map((c) => c.explanation).join(" ")}`, { refundAttempt: true });
      return false;
    }
    // PROCEED, WARN, QUEUE/SUPERSEDE (the line decides below) or PAUSE_FOR_REVIEW
    // (the state table pauses only from SAFETY_CHECK onwards, so a conflict that
    // needs a person is kept and the pause happens at the gates, with the
    // conflicts in the evidence).
    this.line = check.line;
    this.pendingConflicts = check.conflicts;
    this.pendingChanges = { conflictCheck: summary };
    // Conflict events are recorded once, when the operation leaves INIT, not at every look while it waits in line.
    this.pendingEvents.push(...conflictEvents);
    return true;
  }

  // ── freeze windows and halts ─────────────────────────────────────

  /**
   * The FREEZE gate before its turn in line and before any lock
   * (docs/freezes.md#what-a-freeze-does): nothing waits for a window while
   * holding a lock. BLOCK fails it; QUEUE gives it back until the freeze ends;
   * PAUSE goes on to the gates, which read the freeze again and pause there
   * (the state table pauses only from SAFETY_CHECK). Work that has started
   * (a person paused it part-way) is never held: running changes finish.
   */
  private async checkFreeze(): Promise<boolean> {
    if (!this.deps.freezes || this.op.startedAt !== null) return true;
    const now = this.deps.clock.now();
    const freeze = await assessFreeze(this.deps.freezes, this.op, now);
    const { decision } = freeze.verdict;
    if (decision === "PASS") return true;
    if (decision === "BLOCK" && this.op.state !== "PAUSED_FOR_HUMAN_REVIEW") {
      await this.finish("FAILED", "BLOCKED_BY_GATE", freeze.verdict.reason, { gateResults: [freeze.result], events: [this.freezeEvent(freeze)] });
      return false;
    }
    // An approved review resumes from PAUSED, which cannot pause or block again: it waits instead.
    if (decision === "PAUSE" && this.op.state !== "PAUSED_FOR_HUMAN_REVIEW") return true;
    await this.waitOutFreeze(freeze, now);
    return false;
  }

  /**
   * Gives the operation back until the freeze may have ended: the end of the
   * deny occurrence or the next opening of an allow window, looked at again at
   * least every minute (a window changed or deleted, a break-glass); a halt
   * has no end and is looked at every 10 s. Not a place in line: the line's
   * wait limit does not count it, the horizon does (docs/freezes.md#queued-waits).
   */
  private async waitOutFreeze(freeze: FreezeAssessment, now: Date): Promise<void> {
    const { verdict } = freeze;
    const halted = verdict.holds.some((h) => h.kind === "HALT");
    const neverOpens = verdict.holds.some((h) => h.kind !== "HALT" && h.until === null);
    if (neverOpens || (verdict.until !== null && verdict.until.getTime() - now.getTime() > FREEZE_HORIZON_MS)) {
      const reason = `${verdict.reason} It would wait past the ${Math.round(FREEZE_HORIZON_MS / 86_400_000)}-day horizon a freeze wait may last`;
      await this.finish("FAILED", "BLOCKED_BY_GATE", reason, { gateResults: [freeze.result], events: [this.freezeEvent(freeze)] });
      return;
    }
    const recheck = halted || verdict.until === null ? 10_000 : Math.min(Math.max(verdict.until.getTime() - now.getTime(), 0), 60_000);
    const notBefore = new Date(now.getTime() + recheck);
    if (verdict.reason !== this.op.reason) {
      // Once per distinct reason, with the conflict events of this look (as a wait in line records them).
      await this.deps.audit.appendMany([...this.pendingEvents.splice(0), this.freezeEvent(freeze)]);
    }
    this.pendingEvents = [];
    this.releaseReason = "frozen";
    // The line's clock restarts when the freeze ends: time frozen is not time waited behind other work.
    if (this.op.queuedAt !== null) await this.deps.store.leaveLine(this.op.id);
    await this.deps.store.releaseClaim(this.owner, this.op.id, notBefore, verdict.reason, { refundAttempt: true });
    this.deps.publish({ operationId: this.op.id, service: this.op.service, type: this.op.type, state: this.op.state, kind: "frozen", at: now });
  }

  private freezeEvent(freeze: FreezeAssessment): AuditEventInput {
    const { verdict } = freeze;
    return operationEvent(this.op, "SAFETY_GATES", verdict.decision === "BLOCK" ? "ERROR" : "WARNING", "operation.frozen", {
      decision: verdict.decision,
      until: verdict.until?.toISOString() ?? null,
      reason: verdict.reason,
      breakGlassRole: verdict.breakGlassRole,
      holds: verdict.holds.map((h) => ({ kind: h.kind, ids: h.ids, name: h.name, reason: h.reason, by: h.by, since: h.since.toISOString(), until: h.until?.toISOString() ?? null, timeZone: h.timeZone, action: h.action, effect: h.effect })),
    });
  }

  // ── its turn for the service ─────────────────────────────────────

  /**
   * Waits for its turn in the line for its service (docs/lifecycle.md "One
   * change at a time per service"). Going first, it preempts what it must and
   * sends back lock holders that have not started; SUPERSEDE replaces older
   * deployments. True when it may take its locks now; false when it gave the
   * operation back to wait (or failed it past the wait limit).
   */
  private async awaitTurn(): Promise<boolean> {
    const now = this.deps.clock.now();
    const line = this.line ?? (await this.currentLine(now));
    this.line = null;
    for (const m of line.supersede) await supersedeOperation(this.deps, m.id, this.op);
    for (const m of line.preempt) await preemptOperation(this.deps, m.id, this.op);
    for (const m of line.sendBack) await sendBackInLine(this.deps, m, this.op);
    if (line.verdict !== "WAIT") {
      // Its turn: newcomers now see it on its way to the service, not waiting.
      if (this.op.queuedAt !== null) await this.deps.store.leaveLine(this.op.id);
      return true;
    }

    const since = this.op.queuedAt ?? now;
    const waitedMs = now.getTime() - since.getTime();
    const behind = line.ahead.map(describeMember).join(", ");
    if (waitedMs > this.deps.config.queueWaitMs) {
      const minutes = Math.round(this.deps.config.queueWaitMs / 60_000);
      await this.finish(this.op.state === "PAUSED_FOR_HUMAN_REVIEW" ? "FAILED" : "FAILED", "LOCK_TIMEOUT", `Waited ${Math.round(waitedMs / 1000)} s in line for ${this.op.service}, past the ${minutes} min limit, behind ${behind}`, {
        changes: { error: `Waited past the ${minutes} min limit in line for ${this.op.service}` },
        events: this.pendingEvents.splice(0),
      });
      return false;
    }
    const reason = `Waiting in line for ${this.op.service}: position ${line.position}, behind ${behind}`;
    if (reason !== this.op.reason) {
      await this.deps.audit.appendMany([
        ...this.pendingEvents.splice(0),
        operationEvent(this.op, "CONFLICT_DETECTION", "INFO", "operation.queued", { position: line.position, ahead: line.ahead.map((m) => ({ id: m.id, type: m.type, state: m.state })), queuedSince: since.toISOString() }),
      ]);
    }
    this.pendingEvents = [];
    const notBefore = new Date(now.getTime() + this.deps.config.queueRecheckMs);
    await this.deps.store.releaseClaim(this.owner, this.op.id, notBefore, reason, { refundAttempt: true, queued: true });
    this.deps.publish({ operationId: this.op.id, service: this.op.service, type: this.op.type, state: this.op.state, kind: "queued", at: now });
    return false;
  }

  /** The line for this operation's service as the store has it now (a run resumed past INIT, or approved). */
  private async currentLine(now: Date): Promise<LinePlacement> {
    const policy = await this.deps.conflictPolicy();
    const { inFlight } = await this.deps.neighbourhood.load(this.op, [this.op.service], now);
    const self = lineMemberOf({ ...this.op, started: this.op.startedAt !== null, queued: this.op.queuedAt !== null }, true);
    return placeInLine(self, inFlight.filter((o) => o.service === this.op.service).map((o) => lineMemberOf(o, false)), policy.rules.DIRECT);
  }

  // ── locks ────────────────────────────────────────────────────────

  private async lock(): Promise<void> {
    if (this.op.attempt > 1) await this.takeBackEarlierAttempts();
    const deadline = this.deps.clock.now().getTime() + this.deps.config.lockWaitMs;
    for (const key of this.op.lockKeys) {
      const options = (waitTimeoutMs: number) => ({ mode: key.mode, ttlMs: this.deps.config.lockTtlMs, waitTimeoutMs, priority: priorityName(this.op.priority), signal: this.claim.signal });
      const remaining = () => Math.max(0, deadline - this.deps.clock.now().getTime());
      const target = { scope: key.scope, resource: key.resource };
      let lease: Lease;
      if (goesFirst(this.op) && key.scope === "SERVICE" && key.resource === this.op.service) {
        // Going first: whoever took the service lock after this one's turn was decided
        // (it raced in) is sent back or preempted too, rather than waited for.
        lease = await this.deps.locks.acquire(this.holder, target, options(Math.min(remaining(), 2_000))).catch(async (error: unknown) => {
          if (!isAppError(error) || error.code !== "LOCK_TIMEOUT") throw error;
          const line = await this.currentLine(this.deps.clock.now());
          for (const m of line.preempt) await preemptOperation(this.deps, m.id, this.op);
          for (const m of line.sendBack) await sendBackInLine(this.deps, m, this.op);
          return this.deps.locks.acquire(this.holder, target, options(remaining()));
        });
      } else {
        lease = await this.deps.locks.acquire(this.holder, target, options(remaining()));
      }
      this.leases.push(lease);
      this.pendingEvents.push(lockAcquiredEvent(this.op, lease));
    }
  }

  /**
   * A dead worker's attempt may still hold this operation's locks until their
   * TTL: take them back, recorded, so the resumed attempt need not wait. Its
   * writes, should it be merely stalled, carry lower fencing tokens and a claim
   * it no longer has, and are refused.
   */
  private async takeBackEarlierAttempts(): Promise<void> {
    const released: AuditEventInput[] = [];
    for (const key of this.op.lockKeys) {
      for (let attempt = 1; attempt < this.op.attempt; attempt++) {
        const holderId = lockHolderOf(this.op.id, attempt);
        // Its place in a lock queue too, or the new attempt would wait behind its own predecessor.
        await this.deps.lockStore.cancelWait({ scope: key.scope, resource: key.resource }, holderId);
        const removed = await this.deps.lockStore.forceRelease({ scope: key.scope, resource: key.resource }, holderId, `attempt ${this.op.attempt} of ${this.op.id} takes over`);
        for (const h of removed) {
          released.push(
            operationEvent(this.op, "LOCK_OPERATION", "WARNING", "lock.recovered", { scope: key.scope, resource: key.resource, holderId, fencingToken: h.fencingToken.toString(), reason: `attempt ${attempt} stopped without releasing; attempt ${this.op.attempt} takes over` }),
          );
        }
      }
    }
    if (released.length > 0) this.pendingEvents.push(...released);
  }

  /** Before the change starts: a lease taken away meanwhile (a ROLLBACK went first) must not start it. */
  private assertLeasesValid(): void {
    for (const lease of this.leases) lease.assertValid();
  }

  private async releaseLocks(): Promise<void> {
    const leases = this.leases.reverse();
    this.leases = [];
    const events: AuditEventInput[] = [...this.pendingEvents];
    this.pendingEvents = [];
    for (const lease of leases) {
      const released = await lease.release().catch(() => false);
      events.push(lockReleasedEvent(this.op, lease, this.releaseReason, released, this.deps.clock.now()));
    }
    // With the next batch of transitions: one chain-lock hold for both.
    if (events.length > 0) await this.deps.committer.appendEvents(events).catch((error) => this.deps.onBackgroundError(error, `audit of lock release for ${this.op.id}`));
  }

  // ── SAFETY_CHECK: gates ─────────────────────────────────────────

  private async checkGates(): Promise<boolean> {
    const now = this.deps.clock.now();
    const blast = (this.op.conflictCheck?.blastRadius ?? null) as { score?: number; totalServices?: number } | null;
    const assessed = await assessGates(
      { gateConfig: this.deps.gateConfig, signals: this.deps.signals, history: this.deps.gateHistory },
      { id: this.op.id, type: this.op.type, service: this.op.service, blastRadiusPct: estimatedImpactPct(blast) },
      now,
    );
    // The freeze again: one may have begun while it took its locks (docs/freezes.md#the-freeze-gate).
    const freeze = this.deps.freezes ? await assessFreeze(this.deps.freezes, this.op, now) : null;
    if (freeze?.verdict.decision === "QUEUE") {
      // Waiting must not hold locks: they are let go (run's finally) and it waits in SAFETY_CHECK, then takes them again.
      this.releaseReason = "frozen before the change started";
      await this.waitOutFreeze(freeze, now);
      return false;
    }
    const evaluation = freeze ? withFreeze(assessed, freeze) : assessed;
    const gateEvent = operationEvent(this.op, "SAFETY_GATES", evaluation.decision === "PASS" ? "INFO" : evaluation.decision === "BLOCK" ? "ERROR" : "WARNING", "safety_gates.checked", {
      allPassed: evaluation.failed.length === 0,
      decision: evaluation.decision,
      failedGates: evaluation.failed,
      results: evaluation.results.map((r) => ({ gate: r.gate, passed: r.passed, skipped: r.skipped, observed: r.observed, threshold: r.threshold, unit: r.unit, reason: r.reason, source: r.source ?? null })),
    });

    if (evaluation.decision === "BLOCK") {
      const reasons = evaluation.results.filter((r) => evaluation.blockBy.includes(r.gate)).map((r) => r.reason);
      await this.finish("FAILED", "BLOCKED_BY_GATE", reasons.join(" "), { gateResults: evaluation.results, events: [gateEvent] });
      return false;
    }
    const conflicts = this.op.conflictCheck?.conflicts ?? [];
    const pausingConflicts = conflicts.filter((c) => c.action === "PAUSE_FOR_REVIEW");
    const pausingGates = evaluation.results.filter((r) => evaluation.pauseFor.includes(r.gate));
    const requested = reviewRequestedIn(this.op.params);
    if (pausingConflicts.length > 0 || pausingGates.length > 0 || requested) {
      const pause = pauseReasonOf(conflicts, pausingGates, requested);
      this.releaseReason = "paused for human review";
      await this.pause(pause, conflicts, evaluation.results, [gateEvent], "system");
      return false;
    }
    this.assertLeasesValid();
    await this.move("IN_PROGRESS", { changes: { started: true, clearResult: true }, gateResults: evaluation.results, events: [gateEvent] });
    return true;
  }

  /** Moves to PAUSED_FOR_HUMAN_REVIEW with a review of this evidence; the worker lets go of the operation. */
  private async pause(pause: PauseReason, conflicts: Conflict[], gates: NonNullable<TransitionWrite["gateResults"]>, events: AuditEventInput[], actor: string, extra: OperationChanges = {}): Promise<void> {
    const now = this.deps.clock.now();
    const review = buildReview({
      id: this.deps.newId(),
      operation: this.op,
      conflicts,
      gates,
      blastRadius: (this.op.conflictCheck?.blastRadius ?? null) as JsonValue,
      pause,
      now,
      escalationMinutes: this.deps.config.escalationMinutes,
      timeoutMs: this.deps.config.reviewTimeoutMs,
    });
    await this.move("PAUSED_FOR_HUMAN_REVIEW", {
      actor,
      metadata: { reason: pause.reason, severity: pause.severity, reviewId: review.id, pausedBy: actor },
      changes: { result: "PAUSED_FOR_REVIEW", reason: pause.reason, releaseClaim: true, ...extra },
      gateResults: gates,
      review,
      events: [
        ...events,
        operationEvent(this.op, "MANUAL_INTERVENTION", pause.severity === "CRITICAL" ? "CRITICAL" : "WARNING", "review.requested", {
          reviewId: review.id,
          reason: pause.reason,
          severity: pause.severity,
          causes: pause.causes.map((c) => ({ kind: c.kind, text: c.text })),
          evidenceHash: review.evidenceHash,
          escalationPlan: review.escalationPlan,
          timeoutAt: review.timeoutAt?.toISOString() ?? null,
        }),
      ],
    });
  }

  // ── PAUSED → IN_PROGRESS ─────────────────────────────────────────

  private async resumeAfterApproval(): Promise<void> {
    const review = await this.deps.store.latestDecidedReview(this.op.id);
    if (!review || review.status !== "APPROVED") throw new AppError("INTERNAL", `Operation ${this.op.id} is marked approved but has no approved review`);
    this.assertLeasesValid();
    await this.move("IN_PROGRESS", {
      actor: review.decidedBy ?? "system",
      metadata: { approvalId: review.approvalId, reviewId: review.id, notes: review.notes, evidenceHash: review.evidenceHash },
      // Running again: the pause's result no longer describes it.
      changes: { resumeApproved: false, started: true, clearResult: true, clearControl: true },
    });
  }

  // ── IN_PROGRESS: execute ─────────────────────────────────────────

  private executionContext(signal: AbortSignal, previousSteps: ExecutionContext["previousSteps"]): ExecutionContext {
    const timeScale = this.deps.config.timeScale;
    return {
      operation: this.op,
      attempt: this.op.attempt,
      previousSteps,
      fences: this.leases.map((l) => ({ key: l.key, fencingToken: l.fencingToken })),
      signal,
      clock: this.deps.clock,
      assertFenced: () => {
        signal.throwIfAborted();
        for (const lease of this.leases) lease.assertValid();
      },
      recordStep: (step) => this.deps.store.recordStep(this.op.id, this.op.attempt, step),
      sleep: (ms) => sleep(ms / timeScale, signal),
    };
  }

  private async execute(): Promise<void> {
    const executor = this.deps.executorFor(this.op);
    const previousSteps = this.op.attempt > 1 ? await this.deps.store.listSteps(this.op.id) : [];
    const timeout = AbortSignal.timeout(this.deps.config.executorTimeoutMs);
    const signal = AbortSignal.any([this.claim.signal, timeout, this.control.signal, ...this.leases.map((l) => l.signal)]);
    const context = this.executionContext(signal, previousSteps);
    let outcome: ExecutionOutcome;
    this.executing = true;
    try {
      outcome = await executor.execute(context);
    } catch (error) {
      if (this.claim.signal.aborted) throw new Superseded(error);
      if (this.control.signal.aborted) {
        const { control } = this.control.signal.reason as ControlRequested;
        if (control.action === "PAUSE") {
          if (executor.hold) {
            const steps = await this.deps.store.listSteps(this.op.id);
            await executor.hold(this.executionContext(AbortSignal.any([this.claim.signal, ...this.leases.map((l) => l.signal)]), steps), control.reason).catch((e) => this.deps.onBackgroundError(e, `asking ${executor.name} to hold ${this.op.id}`));
          }
          await this.pauseByPerson(control);
        } else {
          await this.abort(control);
        }
        return;
      }
      if (timeout.aborted) {
        outcome = { status: "FAILED", summary: `${executor.name} did not finish within ${Math.round(this.deps.config.executorTimeoutMs / 1000)} s and was stopped`, detail: {} };
      } else {
        const message = error instanceof Error ? error.message : String(error);
        const current = isAppError(error) && error.code === "LOCK_LOST" ? await this.deps.store.get(this.op.id) : null;
        if (current?.preemptedBy) {
          // A ROLLBACK took the service: whatever carries this change out (the deploy system) is told to stop where it is.
          if (executor.hold) {
            const steps = await this.deps.store.listSteps(this.op.id);
            await executor.hold(this.executionContext(this.claim.signal, steps), `superseded by ${current.preemptedBy}`).catch((e) => this.deps.onBackgroundError(e, `asking ${executor.name} to stop ${this.op.id}`));
          }
          if (current.state !== "IN_PROGRESS") throw new Superseded(error); // the rollback already recorded its end
          // It took the service as this one was starting: this one changed nothing it would keep.
          await this.finish("FAILED", "SUPERSEDED", `Superseded by ${current.preemptedBy}, which took ${this.op.service} as this change started; it was stopped before it changed anything it would keep`, {
            changes: { error: message, preemptedBy: current.preemptedBy },
          });
          return;
        }
        outcome = { status: "FAILED", summary: `${executor.name} failed: ${message}`, detail: { error: message, code: isAppError(error) ? error.code : null } };
      }
    } finally {
      this.executing = false;
    }
    const to: OperationState = outcome.status === "SUCCEEDED" ? "COMPLETED" : outcome.status === "ROLLED_BACK" ? "ROLLED_BACK" : "FAILED";
    const result: OperationResult = outcome.status === "SUCCEEDED" ? "SUCCESS" : outcome.status === "ROLLED_BACK" ? "ROLLED_BACK" : "FAILED";
    const severity = outcome.status === "SUCCEEDED" ? "INFO" : outcome.status === "ROLLED_BACK" ? "WARNING" : "ERROR";
    const outcomeRecord = { executor: executor.name, status: outcome.status, summary: outcome.summary, detail: outcome.detail };
    await this.finish(to, result, outcome.status === "SUCCEEDED" ? undefined : outcome.summary, {
      changes: { outcome: outcomeRecord, ...(outcome.status === "FAILED" ? { error: outcome.summary } : {}) },
      events: [operationEvent(this.op, outcomeCategory(this.op.type), severity, `${this.op.type.toLowerCase()}.${outcome.status.toLowerCase()}`, { ...outcomeRecord, attempt: this.op.attempt, params: this.op.params })],
    });
  }

  // ── a person's control ───────────────────────────────────────────

  /**
   * IN_PROGRESS → PAUSED_FOR_HUMAN_REVIEW at a person's request. What it
   * recorded stays: a resumed run continues after its last recorded step.
   * It keeps its place in line (it may be half rolled out), so nothing else
   * changes the service meanwhile, except a ROLLBACK.
   */
  private async pauseByPerson(control: OperationControl): Promise<void> {
    const now = this.deps.clock.now();
    const blast = (this.op.conflictCheck?.blastRadius ?? null) as { score?: number; totalServices?: number } | null;
    const gates = await assessGates(
      { gateConfig: this.deps.gateConfig, signals: this.deps.signals, history: this.deps.gateHistory },
      { id: this.op.id, type: this.op.type, service: this.op.service, blastRadiusPct: estimatedImpactPct(blast) },
      now,
    );
    const conflicts = this.op.conflictCheck?.conflicts ?? [];
    this.releaseReason = "paused by a person";
    await this.pause(pausedByPerson(control.by, control.reason), conflicts, gates.results, [
      operationEvent(this.op, "MANUAL_INTERVENTION", "WARNING", "operation.paused", { by: control.by, reason: control.reason, requestedAt: control.at }, control.by),
    ], control.by, { clearControl: true });
  }

  /**
   * A person aborted it: the executor was stopped; whatever it had changed
   * is taken back through the executor (a canary's traffic withdrawn) while
   * the locks are still held, and the operation ends FAILED → ROLLED_BACK
   * (FAILED alone when nothing had changed), both moves committed together.
   */
  private async abort(control: OperationControl): Promise<void> {
    const executor = this.deps.executorFor(this.op);
    const steps = await this.deps.store.listSteps(this.op.id);
    const why = `aborted by ${control.by}: ${control.reason}`;
    const started = this.op.startedAt !== null || steps.length > 0 || this.op.state === "IN_PROGRESS";
    const withdrawn = started && executor.withdraw ? await executor.withdraw(this.executionContext(AbortSignal.any([this.claim.signal, ...this.leases.map((l) => l.signal)]), steps), why) : null;
    const reason = `Aborted by ${control.by}: ${control.reason}`;
    const abortedEvent = operationEvent(this.op, "MANUAL_INTERVENTION", "WARNING", "operation.aborted", { by: control.by, reason: control.reason, requestedAt: control.at, withdrawn: withdrawn?.undone ?? false, summary: withdrawn?.summary ?? null }, control.by);
    const review = this.op.state === "PAUSED_FOR_HUMAN_REVIEW" ? await this.deps.store.pendingReview(this.op.id) : null;
    const now = this.deps.clock.now();
    const failed = planTransition(this.op, "FAILED", { actor: control.by, at: now, metadata: { result: "FAILED", reason, abortedBy: control.by } });
    const moves: TransitionWrite[] = [
      { operationId: this.op.id, expectedVersion: this.op.version, expectedOwner: this.owner, transition: failed, changes: { result: "FAILED", reason, error: reason, finished: true, releaseClaim: !withdrawn?.undone, clearControl: true } },
    ];
    const events: AuditEventInput[] = [...this.pendingEvents.splice(0), abortedEvent, transitionEvent(this.op, failed, "WARNING")];
    if (withdrawn?.undone) {
      const rolledBack = planTransition({ id: this.op.id, state: "FAILED", version: failed.version }, "ROLLED_BACK", { actor: "system", at: now, metadata: { result: "ROLLED_BACK", summary: withdrawn.summary } });
      const outcome = { executor: executor.name, status: "ROLLED_BACK", summary: withdrawn.summary, detail: withdrawn.detail };
      moves.push({ operationId: this.op.id, expectedVersion: failed.version, expectedOwner: null, transition: rolledBack, changes: { result: "ROLLED_BACK", reason: `${reason}; ${withdrawn.summary}`, finished: true, releaseClaim: true, outcome } });
      events.push(operationEvent(this.op, outcomeCategory(this.op.type), "WARNING", `${this.op.type.toLowerCase()}.rolled_back`, { ...outcome, aborted: true }), transitionEvent(this.op, rolledBack, "WARNING"));
    }
    this.releaseReason = "operation aborted";
    this.cameToRest = true;
    // One transaction: the review's close, both moves and their events, or none of it.
    const applied = await this.deps.store.transact(async (tx) => {
      if (review) await this.deps.store.decideReview(tx, { reviewId: review.id, status: "CANCELLED", decidedBy: control.by, decidedAt: now, approvalId: null, notes: reason });
      const ok = await this.deps.store.applyTransitions(tx, moves.slice(0, 1));
      if (!ok[0]) return false;
      if (moves.length > 1) await this.deps.store.applyTransitions(tx, moves.slice(1));
      await this.deps.audit.appendInTransaction(tx, events);
      return true;
    });
    if (!applied) throw new Superseded(new Error("moved on during the abort"));
    const last = moves.at(-1)!.transition;
    this.op = { ...this.op, state: last.to, version: last.version };
    for (const m of moves) this.deps.publish({ operationId: this.op.id, service: this.op.service, type: this.op.type, state: m.transition.to, kind: "transition", at: now });
  }

  // ── writing ─────────────────────────────────────────────────────

  private move(to: OperationState, opts: MoveOptions): Promise<void> {
    return this.moveThrough([[to, opts]]);
  }

  /**
   * Writes one or more successive transitions. Each is planned, stored and
   * audited on its own (its own version, row and event); consecutive ones
   * with no work between them (LOCKED then SAFETY_CHECK) commit together,
   * which saves a transaction per operation and loses nothing: either both
   * states are durable or neither is.
   */
  private async moveThrough(steps: [OperationState, MoveOptions][]): Promise<void> {
    let current: { id: string; state: OperationState; version: number } = this.op;
    const items: { write: TransitionWrite; events: AuditEventInput[] }[] = [];
    let changes: OperationChanges = {};
    steps.forEach(([to, opts], i) => {
      const transition = planTransition(current, to, { actor: opts.actor ?? "system", at: this.deps.clock.now(), metadata: opts.metadata });
      const first = i === 0;
      const stepChanges = { ...(first ? this.pendingChanges : {}), ...opts.changes };
      const conflicts = [...(first ? this.pendingConflicts : []), ...(opts.conflicts ?? [])];
      const events = [...(first ? this.pendingEvents : []), ...(opts.events ?? [])];
      const severity = to === "FAILED" ? "ERROR" : to === "ROLLED_BACK" || to === "PAUSED_FOR_HUMAN_REVIEW" ? "WARNING" : "INFO";
      items.push({
        write: { operationId: this.op.id, expectedVersion: current.version, expectedOwner: this.owner, transition, changes: stepChanges, gateResults: opts.gateResults, review: opts.review, conflicts },
        events: [...events, transitionEvent(this.op, transition, severity)],
      });
      changes = { ...changes, ...stepChanges };
      current = { id: this.op.id, state: to, version: transition.version };
    });
    try {
      await this.deps.committer.commitAll(items);
    } catch (error) {
      if (isAppError(error) && error.code === "VERSION_CONFLICT") throw new Superseded(error);
      throw error;
    }
    this.pendingEvents = [];
    this.pendingConflicts = [];
    this.pendingChanges = {};
    this.op = {
      ...this.op,
      state: current.state,
      version: current.version,
      result: changes.clearResult ? null : (changes.result ?? this.op.result),
      conflictCheck: changes.conflictCheck ?? this.op.conflictCheck,
      resumeApproved: changes.resumeApproved ?? this.op.resumeApproved,
      startedAt: changes.started ? (this.op.startedAt ?? this.deps.clock.now()) : this.op.startedAt,
      queuedAt: null,
    };
    for (const { write } of items) {
      this.deps.publish({ operationId: this.op.id, service: this.op.service, type: this.op.type, state: write.transition.to, kind: "transition", at: write.transition.at });
    }
  }

  /** A move to a final state: the claim is given back, the in-flight key freed, and (in the store) the line for the service woken. */
  private finish(to: OperationState, result: OperationResult, reason: string | undefined, opts: { changes?: OperationChanges; events?: AuditEventInput[]; gateResults?: TransitionWrite["gateResults"]; conflicts?: Conflict[] }): Promise<void> {
    this.cameToRest = true;
    return this.move(to, {
      metadata: reason ? { result, reason } : { result },
      changes: { ...opts.changes, result, ...(reason ? { reason } : {}), finished: true, releaseClaim: true, clearControl: true },
      events: opts.events,
      gateResults: opts.gateResults,
      conflicts: opts.conflicts,
    });
  }

  private fail(result: OperationResult, reason: string): Promise<void> {
    return this.finish("FAILED", result, reason, { changes: { error: reason } });
  }

  private async onError(error: unknown): Promise<void> {
    if (error instanceof Superseded || this.claim.signal.aborted) return; // someone else owns the next step
    const code = isAppError(error) ? error.code : null;
    const message = error instanceof Error ? error.message : String(error);
    this.releaseReason = "operation failed";
    try {
      if (code === "LOCK_LOST" && BEFORE_EXECUTION.includes(this.op.state)) {
        // Its lock was taken back before it started (a ROLLBACK went first): back into line, no attempt spent.
        this.releaseReason = "lock taken back before the change started";
        await this.deps.store.releaseClaim(this.owner, this.op.id, new Date(this.deps.clock.now().getTime() + 250), `Waiting in line again: ${message}`, { refundAttempt: true, queued: true });
      } else if (code === "LOCK_TIMEOUT") await this.fail("LOCK_TIMEOUT", message);
      else if (code === "DEADLOCK_DETECTED") await this.fail("FAILED", message);
      else if (code === "NOT_FOUND" || code === "VALIDATION_FAILED") await this.fail("FAILED", message);
      else {
        // A store or signal outage: give the operation back so a worker retries it (attempts are bounded).
        this.deps.onBackgroundError(error, `operation ${this.op.id} (${this.op.state})`);
        await this.deps.store.releaseClaim(this.owner, this.op.id, new Date(this.deps.clock.now().getTime() + 1_000), `Retrying after an error: ${message}`).catch(() => {});
      }
    } catch (writeError) {
      if (!(writeError instanceof Superseded)) this.deps.onBackgroundError(writeError, `recording the failure of operation ${this.op.id}`);
    }
  }
}

/** The six gates' evaluation with the FREEZE result beside them: a freeze that blocks blocks, one that pauses pauses. */
function withFreeze(evaluation: Awaited<ReturnType<typeof assessGates>>, freeze: FreezeAssessment): Awaited<ReturnType<typeof assessGates>> {
  const results = [...evaluation.results, freeze.result];
  const { decision } = freeze.verdict;
  if (decision === "PASS") return { ...evaluation, results };
  const failed = [...evaluation.failed, "FREEZE" as const];
  const blockBy = decision === "BLOCK" ? [...evaluation.blockBy, "FREEZE" as const] : evaluation.blockBy;
  const pauseFor = decision === "PAUSE" ? [...evaluation.pauseFor, "FREEZE" as const] : evaluation.pauseFor;
  return { results, failed, blockBy, pauseFor, decision: blockBy.length > 0 ? "BLOCK" : pauseFor.length > 0 ? "PAUSE_FOR_REVIEW" : "PASS" };
}

function conflictSummary(check: ConflictCheck): OperationChanges["conflictCheck"] {
  const { line, ...rest } = check;
  return JSON.parse(
    JSON.stringify(
      { ...rest, line: { verdict: line.verdict, position: line.position, ahead: line.ahead.map((m) => m.id), preempt: line.preempt.map((m) => m.id), supersede: line.supersede.map((m) => m.id) } },
      (_, value: unknown) => (typeof value === "bigint" ? value.toString() : value),
    ),
  ) as OperationChanges["conflictCheck"];
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
