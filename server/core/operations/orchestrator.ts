import { cancelOperation } from "./cancel-operation";
import { decideReview, type ReviewDecision } from "./decide-review";
import type { OperationEvent, OrchestratorDeps } from "./orchestrator-deps";
import { OperationWorker } from "./operation-worker";
import type { OperationRecord } from "./ports";
import { OperationSubmitter, type SubmitOutcome } from "./submit-operation";
import { NeighbourhoodLoader } from "./neighbourhood-loader";
import { TransitionCommitter } from "./transition-committer";

export type OrchestratorParts = Omit<OrchestratorDeps, "committer" | "neighbourhood" | "publish">;

/**
 * The orchestrator (C1): the entry point for submissions, decisions and
 * cancellations, and this process's worker. Use cases live in their own
 * files; this wires them to one set of dependencies.
 */
export class Orchestrator {
  readonly deps: OrchestratorDeps;
  readonly worker: OperationWorker;
  private readonly submitter: OperationSubmitter;
  private readonly listeners = new Set<(event: OperationEvent) => void>();
  private announceScheduled = false;

  constructor(parts: OrchestratorParts, workerId: string) {
    const committer = new TransitionCommitter(parts.store, parts.audit, parts.config.maxBatch);
    this.deps = { ...parts, committer, neighbourhood: new NeighbourhoodLoader(parts.store), publish: (event) => this.publish(event) };
    this.worker = new OperationWorker(this.deps, workerId);
    this.submitter = new OperationSubmitter({ store: parts.store, audit: parts.audit, clock: parts.clock, newId: parts.newId, onSubmitted: () => this.announce() }, parts.config.maxBatch);
  }

  /** Persists the operation and returns at once (or returns the one already running). */
  submit(input: unknown): Promise<SubmitOutcome> {
    return this.submitter.submit(input);
  }

  get(id: string): Promise<OperationRecord | null> {
    return this.deps.store.get(id);
  }

  decide(input: unknown): Promise<ReviewDecision> {
    return decideReview(this.deps, input);
  }

  cancel(input: unknown): Promise<OperationRecord> {
    return cancelOperation(this.deps, input);
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
