import type { AuditEventInput, JsonValue } from "../audit/types";
import { detectConflicts } from "../conflicts/detect-conflicts";
import { relatedServices } from "../conflicts/related-services";
import type { Conflict, ConflictCheck } from "../conflicts/types";
import { AppError, isAppError } from "../errors";
import type { ExecutionContext, ExecutionOutcome } from "../executors/ports";
import { evaluateGates } from "../gates/evaluate-gates";
import type { ServiceSignals } from "../gates/ports";
import type { Lease } from "../locks/lease";
import { LOCK_PRIORITIES, type LockPriority } from "../locks/priority";
import { lockAcquiredEvent, lockReleasedEvent, operationEvent, outcomeCategory, SEVERITY_OF_CONFLICT, transitionEvent } from "./audit-events";
import type { OrchestratorDeps } from "./orchestrator-deps";
import type { OperationChanges, OperationRecord, TransitionWrite } from "./ports";
import { buildReview, pauseReasonOf, reviewRequestedIn } from "./review-evidence";
import { planTransition } from "./state-machine";
import type { OperationResult, OperationState } from "./types";

interface MoveOptions {
  actor?: string;
  metadata?: { [key: string]: JsonValue };
  changes?: OperationChanges;
  events?: AuditEventInput[];
  gateResults?: TransitionWrite["gateResults"];
  review?: TransitionWrite["review"];
  conflicts?: Conflict[];
}

/** Another writer moved the operation on (a cancel, a worker that took over): stop without writing. */
class Superseded extends Error {
  constructor(cause: unknown) {
    super("superseded", { cause });
  }
}

const priorityName = (n: number): LockPriority => (Object.entries(LOCK_PRIORITIES).find(([, v]) => v === n)?.[0] as LockPriority | undefined) ?? "NORMAL";

/** The claim owner the store records for one attempt (see OperationStore.claim). */
export const claimOwnerOf = (workerId: string, attempt: number) => `${workerId}#${attempt}`;

/** The holder id of one attempt's locks: a resumed attempt's tokens are higher than a dead one's. */
export const lockHolderOf = (operationId: string, attempt: number) => `op:${operationId}#${attempt}`;

/**
 * Drives one claimed operation from where its record says it is to its next
 * resting state (finished, paused for a person, or delayed), writing state
 * after every step: register → conflicts → ordered locks → gates → execute
 * → release, each state change committed with its audit events. A worker
 * that died mid-way left the record at the last committed step; this picks
 * up from there (a resumed execution gets the steps its predecessor
 * recorded).
 */
export class OperationRun {
  private op: OperationRecord;
  private readonly holder: string;
  private leases: Lease[] = [];
  /** Audit events about locks taken, written with the next transition (or on their own at the end). */
  private pendingEvents: AuditEventInput[] = [];
  private readonly claim = new AbortController();
  /** The claim as the store records it: this worker and this attempt, so a run of an earlier claim cannot write. */
  readonly owner: string;
  private releaseReason = "operation finished";

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

  /**
   * The failure-injection matrix's "orchestrator crash": the run stops as a
   * killed process stops. Nothing more is written and nothing is released:
   * its leases stay in the lock store and its claim in the operation store
   * until they lapse, and recovery (a worker taking the operation up again,
   * taking back this attempt's locks) is what a real crash would need.
   */
  simulateCrash(): void {
    this.crashed = true;
    for (const lease of this.leases) lease.markLost("the worker process was killed (simulated)");
    this.claim.abort(new AppError("LOCK_LOST", `Worker ${this.workerId} was killed while driving operation ${this.op.id} (simulated crash)`));
  }

  private crashed = false;

  /** The worker lost its claim (it could not renew in time): stop before acting again. */
  claimLost(): void {
    this.claim.abort(new AppError("LOCK_LOST", `Worker ${this.workerId} lost its claim on operation ${this.op.id}`));
  }

  async run(): Promise<void> {
    try {
      if (this.op.attempt > this.deps.config.maxAttempts) {
        await this.fail("FAILED", `Abandoned after ${this.op.attempt - 1} attempts that did not finish (their workers stopped, or the store or a dependency kept failing); see the audit trail of each attempt`);
        return;
      }
      if (this.op.state === "INIT") {
        if (!(await this.checkConflicts())) return;
        await this.lock();
        await this.moveThrough([
          ["LOCKED", { metadata: { locks: this.leases.map((l) => ({ scope: l.key.scope, resource: l.key.resource, fencingToken: l.fencingToken.toString() })) } }],
          ["SAFETY_CHECK", {}],
        ]);
      } else {
        await this.lock();
      }
      if (this.op.state === "LOCKED") await this.move("SAFETY_CHECK", {});
      if (this.op.state === "SAFETY_CHECK" && !(await this.checkGates())) return;
      if (this.op.state === "PAUSED_FOR_HUMAN_REVIEW") await this.resumeAfterApproval();
      if (this.op.state === "IN_PROGRESS") await this.execute();
    } catch (error) {
      await this.onError(error);
    } finally {
      await this.releaseLocks();
    }
  }

  // ── INIT: conflicts ──────────────────────────────────────────────

  private async checkConflicts(): Promise<boolean> {
    const now = this.deps.clock.now();
    const policy = await this.deps.conflictPolicy();
    const graph = await this.deps.graph.current(now);
    // Only the neighbourhood's operations can conflict: load those, not every operation in flight.
    const related = relatedServices(graph, this.op.service, policy.depth);
    const { inFlight, recentlyFinished, lastChangeFinishedAt } = await this.deps.neighbourhood.load(this.op, related, new Date(now.getTime() - policy.timingWindowSeconds * 1000));
    // Read now for the cooldown gate: a change to this service finishing before the gates run would have been in flight now, a DIRECT conflict.
    this.lastChangeFinishedAt = lastChangeFinishedAt;
    const check = detectConflicts({
      candidate: { id: this.op.id, type: this.op.type, service: this.op.service, actor: this.op.actor, createdAt: this.op.createdAt, params: this.op.params, correlationId: this.op.correlationId },
      inFlight,
      recentlyFinished: recentlyFinished.filter((f) => f.id !== this.op.id),
      graph,
      policy,
      now,
    });
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

    if (action === "BLOCK") {
      const blocking = check.conflicts.filter((c) => c.action === "BLOCK");
      await this.finish("FAILED", "BLOCKED_BY_CONFLICT", blocking.map((c) => c.explanation).join(" "), { conflicts: check.conflicts, events: conflictEvents, changes: { conflictCheck: summary } });
      return false;
    }
    if (action === "DELAY") {
      const notBefore = check.decision.notBefore ? new Date(check.decision.notBefore) : new Date(now.getTime() + 5_000);
      if (notBefore.getTime() - this.op.createdAt.getTime() > this.deps.config.maxDelayMs) {
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
      await this.deps.store.releaseClaim(this.owner, this.op.id, notBefore, `Waiting until ${notBefore.toISOString()}: ${check.conflicts.filter((c) => c.action === "DELAY").map((c) => c.explanation).join(" ")}`, { refundAttempt: true });
      return false;
    }
    // PROCEED, WARN, or PAUSE_FOR_REVIEW (the seed's table pauses only from
    // SAFETY_CHECK onwards, so a conflict that needs a person is kept and the
    // pause happens at the gates, with the conflicts in the evidence).
    this.pendingConflicts = check.conflicts;
    this.pendingEvents.push(...conflictEvents);
    this.pendingChanges = { conflictCheck: summary };
    return true;
  }

  /** Read with the neighbourhood at INIT; undefined for a run resumed past INIT (read at the gates then). */
  private lastChangeFinishedAt: Date | null | undefined = undefined;
  private pendingConflicts: Conflict[] = [];
  private pendingChanges: OperationChanges = {};

  // ── locks ────────────────────────────────────────────────────────

  private async lock(): Promise<void> {
    if (this.op.attempt > 1) await this.takeBackEarlierAttempts();
    const deadline = this.deps.clock.now().getTime() + this.deps.config.lockWaitMs;
    for (const key of this.op.lockKeys) {
      const waitTimeoutMs = Math.max(0, deadline - this.deps.clock.now().getTime());
      const lease = await this.deps.locks.acquire(this.holder, { scope: key.scope, resource: key.resource }, {
        mode: key.mode,
        ttlMs: this.deps.config.lockTtlMs,
        waitTimeoutMs,
        priority: priorityName(this.op.priority),
        signal: this.claim.signal,
      });
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
        const removed = await this.deps.lockStore.forceRelease({ scope: key.scope, resource: key.resource }, holderId);
        for (const h of removed) {
          released.push(
            operationEvent(this.op, "LOCK_OPERATION", "WARNING", "lock.recovered", { scope: key.scope, resource: key.resource, holderId, fencingToken: h.fencingToken.toString(), reason: `attempt ${attempt} stopped without releasing; attempt ${this.op.attempt} takes over` }),
          );
        }
      }
    }
    if (released.length > 0) this.pendingEvents.push(...released);
  }

  private async releaseLocks(): Promise<void> {
    if (this.crashed) return; // a killed process releases nothing
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
    const config = await this.deps.gateConfig();
    let signals: ServiceSignals | null = null;
    let signalError: string | undefined;
    try {
      signals = await this.deps.signals.serviceSignals(this.op.service);
    } catch (error) {
      signalError = error instanceof Error ? error.message : String(error);
    }
    const lastChangeFinishedAt = this.lastChangeFinishedAt !== undefined ? this.lastChangeFinishedAt : await this.deps.store.lastChangeFinishedAt(this.op.service, this.op.id);
    const blast = (this.op.conflictCheck?.blastRadius ?? null) as { score?: number; totalServices?: number } | null;
    const evaluation = evaluateGates({ operationType: this.op.type, signals, signalError, blastRadiusPct: estimatedImpactPct(blast), lastChangeFinishedAt, now }, config);
    const gateEvent = operationEvent(this.op, "SAFETY_GATES", evaluation.decision === "PASS" ? "INFO" : evaluation.decision === "BLOCK" ? "ERROR" : "WARNING", "safety_gates.checked", {
      allPassed: evaluation.failed.length === 0,
      decision: evaluation.decision,
      failedGates: evaluation.failed,
      results: evaluation.results.map((r) => ({ gate: r.gate, passed: r.passed, skipped: r.skipped, observed: r.observed, threshold: r.threshold, unit: r.unit, reason: r.reason })),
    });

    if (evaluation.decision === "BLOCK") {
      const reasons = evaluation.results.filter((r) => evaluation.blockBy.includes(r.gate)).map((r) => r.reason);
      await this.finish("FAILED", "BLOCKED_BY_GATE", reasons.join(" "), { gateResults: evaluation.results, events: [gateEvent] });
      return false;
    }
    const conflicts = (this.op.conflictCheck?.conflicts ?? []) as unknown as Conflict[];
    const pausingConflicts = conflicts.filter((c) => c.action === "PAUSE_FOR_REVIEW");
    const pausingGates = evaluation.results.filter((r) => evaluation.pauseFor.includes(r.gate));
    const requested = reviewRequestedIn(this.op.params);
    if (pausingConflicts.length > 0 || pausingGates.length > 0 || requested) {
      const pause = pauseReasonOf(conflicts, pausingGates, requested);
      const review = buildReview({
        id: this.deps.newId(),
        operation: this.op,
        conflicts,
        gates: evaluation.results,
        blastRadius: (this.op.conflictCheck?.blastRadius ?? null) as JsonValue,
        pause,
        now,
        escalationMinutes: this.deps.config.escalationMinutes,
        timeoutMs: this.deps.config.reviewTimeoutMs,
      });
      this.releaseReason = "paused for human review";
      await this.move("PAUSED_FOR_HUMAN_REVIEW", {
        metadata: { reason: pause.reason, severity: pause.severity, reviewId: review.id, pausedBy: "system" },
        changes: { result: "PAUSED_FOR_REVIEW", reason: pause.reason, releaseClaim: true },
        gateResults: evaluation.results,
        review,
        events: [
          gateEvent,
          operationEvent(this.op, "MANUAL_INTERVENTION", pause.severity === "CRITICAL" ? "CRITICAL" : "WARNING", "review.requested", {
            reviewId: review.id,
            reason: pause.reason,
            severity: pause.severity,
            evidenceHash: review.evidenceHash,
            escalationPlan: review.escalationPlan,
            timeoutAt: review.timeoutAt?.toISOString() ?? null,
          }),
        ],
      });
      return false;
    }
    await this.move("IN_PROGRESS", { changes: { started: true }, gateResults: evaluation.results, events: [gateEvent] });
    return true;
  }

  // ── PAUSED → IN_PROGRESS ─────────────────────────────────────────

  private async resumeAfterApproval(): Promise<void> {
    const review = await this.deps.store.latestDecidedReview(this.op.id);
    if (!review || review.status !== "APPROVED") throw new AppError("INTERNAL", `Operation ${this.op.id} is marked approved but has no approved review`);
    await this.move("IN_PROGRESS", {
      actor: review.decidedBy ?? "system",
      metadata: { approvalId: review.approvalId, reviewId: review.id, notes: review.notes, evidenceHash: review.evidenceHash },
      changes: { resumeApproved: false, started: true },
    });
  }

  // ── IN_PROGRESS: execute ─────────────────────────────────────────

  private async execute(): Promise<void> {
    const executor = this.deps.executorFor(this.op.type);
    const previousSteps = this.op.attempt > 1 ? await this.deps.store.listSteps(this.op.id) : [];
    const timeout = AbortSignal.timeout(this.deps.config.executorTimeoutMs);
    const signal = AbortSignal.any([this.claim.signal, timeout, ...this.leases.map((l) => l.signal)]);
    const timeScale = this.deps.config.timeScale;
    const context: ExecutionContext = {
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
    let outcome: ExecutionOutcome;
    try {
      outcome = await executor.execute(context);
    } catch (error) {
      if (this.claim.signal.aborted) throw new Superseded(error);
      if (timeout.aborted) {
        outcome = { status: "FAILED", summary: `${executor.name} did not finish within ${Math.round(this.deps.config.executorTimeoutMs / 1000)} s and was stopped`, detail: {} };
      } else {
        const message = error instanceof Error ? error.message : String(error);
        outcome = { status: "FAILED", summary: `${executor.name} failed: ${message}`, detail: { error: message, code: isAppError(error) ? error.code : null } };
      }
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
      result: changes.result ?? this.op.result,
      conflictCheck: changes.conflictCheck ?? this.op.conflictCheck,
      resumeApproved: changes.resumeApproved ?? this.op.resumeApproved,
    };
    for (const { write } of items) {
      this.deps.publish({ operationId: this.op.id, service: this.op.service, type: this.op.type, state: write.transition.to, kind: "transition", at: write.transition.at });
    }
  }

  /** A move to a final state: the claim is given back and the in-flight key freed. */
  private finish(to: OperationState, result: OperationResult, reason: string | undefined, opts: { changes?: OperationChanges; events?: AuditEventInput[]; gateResults?: TransitionWrite["gateResults"]; conflicts?: Conflict[] }): Promise<void> {
    return this.move(to, {
      metadata: reason ? { result, reason } : { result },
      changes: { ...opts.changes, result, ...(reason ? { reason } : {}), finished: true, releaseClaim: true },
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
      if (code === "LOCK_TIMEOUT") await this.fail("LOCK_TIMEOUT", message);
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

/**
 * The BLAST_RADIUS gate reads seed 000's "estimated impact": the weighted
 * blast radius (direct 1.0, shared resource 0.8, downstream 0.5, upstream
 * 0.3) as a share of all services. The unweighted count of every service
 * within three hops is shown too, but through the gateways it reaches half an
 * estate for almost any change, and a gate on it would pause everything.
 */
function estimatedImpactPct(blast: { score?: number; totalServices?: number } | null): number {
  if (!blast?.totalServices || blast.score === undefined) return 0;
  return Math.round((blast.score / blast.totalServices) * 1000) / 10;
}

function conflictSummary(check: ConflictCheck): OperationChanges["conflictCheck"] {
  return JSON.parse(JSON.stringify({ checkedAt: check.checkedAt, decision: check.decision, blastRadius: check.blastRadius, conflicts: check.conflicts })) as OperationChanges["conflictCheck"];
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
