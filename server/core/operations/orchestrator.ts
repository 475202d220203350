import { abortOperation } from "./abort-operation";
import { cancelOperation } from "./cancel-operation";
import { pauseOperation } from "./pause-operation";
import { planOperation, type OperationPlan } from "./plan-operation";
import { refreshReviewEvidence, type EvidenceRefresh } from "./refresh-review-evidence";
import { decideReview, type ReviewDecision } from "./decide-review";
import type { Role } from "../identity/roles";
import type { OperationEvent, OrchestratorDeps } from "./orchestrator-deps";
import { OperationWorker } from "./operation-worker";
import type { ExecutionStep, OperationExecutor } from "../executors/ports";
import { completeExecution, type CompletionAnswer } from "../execution/complete-execution";
import { ExternalExecutor } from "../execution/external-executor";
import { heartbeatExecution, type HeartbeatAnswer } from "../execution/heartbeat-execution";
import type { ExecutionLease } from "../execution/lease";
import { reportExecutionStep } from "../execution/report-execution-step";
import type { ExecutionReportDeps } from "../execution/report-under-lease";
import type { ExecutionMode, OperationType } from "./types";
import type { OperationRecord, ReviewRecord, TransitionRecord } from "./ports";
import { OperationSubmitter, type SubmitOutcome } from "./submit-operation";
import { NeighbourhoodLoader } from "./neighbourhood-loader";
import { TransitionCommitter } from "./transition-committer";

export type OrchestratorParts = Omit<OrchestratorDeps, "committer" | "neighbourhood" | "publish" | "executorFor"> & {
  /** Interlock's own executor for a type (simulated, webhook, runbook); external executions are the orchestrator's own. */
  executorFor: (type: OperationType) => OperationExecutor;
};

/** How often an external execution reads its lease back (docs/execution.md#the-lease). */
const EXTERNAL_POLL_MS = 500;

/** Which executor carries an operation out: the submitter's lease for an external execution, else the one configured for its type. */
export function executorsOf(parts: OrchestratorParts): OrchestratorDeps["executorFor"] {
  const external = new ExternalExecutor({ leases: parts.leases, store: parts.store, audit: parts.audit, clock: parts.clock, pollMs: EXTERNAL_POLL_MS });
  return (op: { type: OperationType; execution: ExecutionMode }): OperationExecutor => (op.execution === "external" ? external : parts.executorFor(op.type));
}

/**
 * The orchestrator (docs/lifecycle.md): the entry point for submissions, decisions and
 * cancellations, and this process's worker. Use cases live in their own
 * files; this wires them to one set of dependencies. What it is built from
 * and its worker stay private: callers (the API, the demo, tests) use the
 * methods below, each a use case or a read through a port.
 */
export class Orchestrator {
  private readonly deps: OrchestratorDeps;
  private readonly worker: OperationWorker;
  private readonly submitter: OperationSubmitter;
  private readonly listeners = new Set<(event: OperationEvent) => void>();
  private readonly reports: ExecutionReportDeps;
  private announceScheduled = false;

  constructor(parts: OrchestratorParts, workerId: string) {
    const committer = new TransitionCommitter(parts.store, parts.audit, parts.config.maxBatch);
    const executorFor = executorsOf(parts);
    this.deps = { ...parts, executorFor, committer, neighbourhood: new NeighbourhoodLoader(parts.store), publish: (event) => this.publish(event) };
    this.reports = { store: parts.store, leases: parts.leases, audit: parts.audit, clock: parts.clock };
    this.worker = new OperationWorker(this.deps, workerId);
    this.submitter = new OperationSubmitter(
      { store: parts.store, audit: parts.audit, clock: parts.clock, newId: parts.newId, onSubmitted: () => this.announce(), validate: (op) => executorFor(op).validate?.(op) },
      parts.config.maxBatch,
    );
  }

  /** Persists the operation and returns at once (or returns the one already running). */
  submit(input: unknown): Promise<SubmitOutcome> {
    return this.submitter.submit(input);
  }

  get(id: string): Promise<OperationRecord | null> {
    return this.deps.store.get(id);
  }

  /** The operation's executor steps, oldest first. */
  listSteps(id: string): Promise<ExecutionStep[]> {
    return this.deps.store.listSteps(id);
  }

  /** The operation's recorded transitions, oldest first. */
  listTransitions(id: string): Promise<TransitionRecord[]> {
    return this.deps.store.listTransitions(id);
  }

  /** The operation's open review, if it waits for one. */
  pendingReview(id: string): Promise<ReviewRecord | null> {
    return this.deps.store.pendingReview(id);
  }

  /**
   * Resolves once this process's worker no longer drives the operation (its
   * run came to rest and released its locks); at once when another process
   * drives it or nobody does.
   */
  settled(id: string): Promise<void> {
    return this.worker.settled(id);
  }

  /** Resolves once the audit events written so far are committed. */
  settleAudit(): Promise<void> {
    return this.deps.audit.settle();
  }

  decide(input: unknown): Promise<ReviewDecision> {
    return decideReview(this.deps, input);
  }

  cancel(input: unknown): Promise<OperationRecord> {
    return cancelOperation(this.deps, input);
  }

  /** What would happen if `input` were submitted now; writes nothing. */
  plan(input: unknown): Promise<OperationPlan> {
    return planOperation(this.deps, input);
  }

  /** A person holds a running operation at its next safe point. */
  pause(input: unknown): Promise<OperationRecord> {
    return pauseOperation(this.deps, input);
  }

  /** A person lets a paused operation go on: an approval of its review, on fresh evidence. */
  async resume(input: { operationId: string; actor: string; reason: string; role?: Role }): Promise<ReviewDecision> {
    return decideReview(this.deps, { operationId: input.operationId, actor: input.actor, decision: "APPROVE", notes: input.reason, ...(input.role ? { role: input.role } : {}) });
  }

  /** A person stops a running or paused operation for good; what it changed is withdrawn. */
  abort(input: unknown): Promise<OperationRecord> {
    return abortOperation(this.deps, input);
  }

  /** Re-evaluates a pending review's evidence now. */
  refreshEvidence(input: { operationId: string; actor: string }): Promise<EvidenceRefresh> {
    return refreshReviewEvidence(this.deps, input);
  }

  /** The submitter of an external execution is still at work; the answer says whether to go on or hold. */
  heartbeat(input: unknown): Promise<HeartbeatAnswer> {
    return heartbeatExecution(this.reports, input);
  }

  /** The submitter records a step of its work. */
  reportStep(input: unknown): Promise<ExecutionStep> {
    return reportExecutionStep(this.reports, input);
  }

  /** The submitter reports how its work ended; the worker ends the operation with it. */
  complete(input: unknown): Promise<CompletionAnswer> {
    return completeExecution(this.reports, input);
  }

  /** The newest operation on a service whose parameters include these (a rollout gate's operation for a revision). */
  latestWithParams(service: string, params: { [key: string]: string }): Promise<OperationRecord | null> {
    return this.deps.store.latestWithParams(service, params);
  }

  /** The execution lease of an operation its submitter carries out, if one was granted. */
  lease(id: string): Promise<ExecutionLease | null> {
    return this.deps.leases.get(id);
  }

  start(): Promise<void> {
    return this.worker.start();
  }

  stop(graceMs?: number): Promise<void> {
    return this.worker.stop(graceMs);
  }

  /** Calls `listener` after each committed change; returns the unsubscribe function. */
  onEvent(listener: (event: OperationEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private publish(event: OperationEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.deps.onBackgroundError(error, "operation event listener");
      }
    }
  }

  /** Wakes this process's worker now and the others' once per tick (one NOTIFY for a burst of submissions). */
  private announce(): void {
    this.worker.poke();
    if (this.announceScheduled) return;
    this.announceScheduled = true;
    setImmediate(() => {
      this.announceScheduled = false;
      this.deps.store.announceWork().catch((error) => this.deps.onBackgroundError(error, "announcing work"));
    });
  }
}
