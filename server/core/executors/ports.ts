// Executors carry out an operation once it holds its locks and passed its
// gates (the execute step, docs/architecture.md#one-operation): a simulated canary deployment, a verification against
// signals, a rollback, or a webhook to the real deploy system.
import type { JsonValue } from "../audit/types";
import type { Clock } from "../clock";
import type { LockKey } from "../locks/types";
import type { OperationSnapshot, OperationType } from "../operations/types";

/** A lock the operation holds while the executor runs, with its fencing token. */
export interface HeldFence {
  key: LockKey;
  fencingToken: bigint;
}

/** One recorded step of an execution ("canary 10%", "webhook accepted"). */
export interface ExecutionStep {
  name: string;
  /** ISO-8601 times, recorded as the step ran. */
  startedAt: string;
  endedAt: string;
  outcome: "PASSED" | "FAILED" | "INFO";
  detail: { [key: string]: JsonValue };
}

export interface ExecutionContext {
  operation: OperationSnapshot;
  /** 1 on the first run; higher when a worker resumes an execution a dead worker started. */
  attempt: number;
  /** Steps already recorded by an earlier attempt (empty on the first): resume after the last one. */
  previousSteps: readonly ExecutionStep[];
  /** Every lock held for this operation and its token; protected resources reject lower tokens. */
  fences: readonly HeldFence[];
  /** Aborts when a lease is lost or the operation is cancelled: stop and return. */
  signal: AbortSignal;
  clock: Clock;
  /**
   * Throws LOCK_LOST if any lease is no longer valid. Call it immediately
   * before each action on production (each traffic shift, each webhook call).
   */
  assertFenced(): void;
  /** Durably records a finished step before the executor moves on (what a resumed attempt reads back). */
  recordStep(step: ExecutionStep): Promise<void>;
  /** Waits `ms` of simulated time (divided by the configured time scale); rejects when `signal` aborts. */
  sleep(ms: number): Promise<void>;
}

/**
 * SUCCEEDED: the change is live and verified. FAILED: it did not take effect
 * (nothing to undo, or the undo is left to a ROLLBACK operation). ROLLED_BACK:
 * it was applied, failed verification, and the executor restored the previous
 * state itself (a canary past its thresholds).
 */
export const EXECUTION_STATUSES = ["SUCCEEDED", "FAILED", "ROLLED_BACK"] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export interface ExecutionOutcome {
  status: ExecutionStatus;
  /** One sentence for the operator: what happened and why. */
  summary: string;
  detail: { [key: string]: JsonValue };
}

/** What an executor did to undo a partial change after an abort. */
export interface WithdrawOutcome {
  /** True when something had been changed and was taken back. */
  undone: boolean;
  summary: string;
  detail: { [key: string]: JsonValue };
}

export interface OperationExecutor {
  /** "simulated-deployment", "webhook", … recorded with the outcome. */
  readonly name: string;
  /**
   * After a person aborted the operation (docs/lifecycle.md "Stop and hold
   * running work"), while its locks are still held: take back whatever the
   * interrupted execution changed (a canary's traffic), recorded as a step.
   * Absent: there is nothing to undo (a verification only reads).
   */
  withdraw?(context: ExecutionContext, why: string): Promise<WithdrawOutcome>;
  /**
   * The operation was paused while this executor ran: tell whatever carries
   * the change out to hold where it is (the webhook's deploy system). The
   * simulated executors need nothing: they stop at their next safe point.
   */
  hold?(context: ExecutionContext, why: string): Promise<void>;
  /** Refuses parameters this executor cannot run, before anything is stored or run (a runbook's parameter schema). */
  validate?(operation: { type: OperationType; service: string; params: { [key: string]: JsonValue } }): void;
  /**
   * Runs the operation. Must be idempotent by operation id and attempt: a
   * resumed attempt continues after `previousSteps` rather than repeating them.
   * Throws only for an error it could not turn into an outcome.
   */
  execute(context: ExecutionContext): Promise<ExecutionOutcome>;
}

/** What is live on a service, as the deployment ledger recorded it. */
export interface DeployedVersion {
  service: string;
  version: string;
  previousVersion: string | null;
  operationId: string;
  fencingToken: bigint;
  recordedAt: Date;
}

/**
 * The record of which version runs where: the resource the SERVICE lock
 * protects in the simulated executors. A write carrying a fencing token lower
 * than the highest it has seen for the service is refused, so a holder whose
 * lease expired cannot overwrite the work of the holder after it.
 */
export interface DeploymentLedger {
  current(service: string): Promise<DeployedVersion | null>;
  record(entry: { service: string; version: string; operationId: string; fencingToken: bigint }): Promise<{ accepted: boolean; highestToken: bigint }>;
}
