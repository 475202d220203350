// How the orchestrator waits, retries and escalates. Every wait has a bound:
// an SRE must never find an operation stuck with no deadline.

export type ReviewTimeoutOutcome = "REJECT" | "KEEP_WAITING" | "ESCALATE_ONLY";

export interface OrchestratorConfig {
  /** Operations one worker drives at once. */
  concurrency: number;
  /** How long a worker's claim on an operation lasts without renewal; a dead worker's operations are taken up after it. */
  claimLeaseMs: number;
  /** Insurance re-check for work when no notification arrived. */
  pollMs: number;
  /** How often a worker looks for timed-out reviews. */
  sweepMs: number;
  /** Lock lease TTL for an operation's locks (renewed while it runs). */
  lockTtlMs: number;
  /** How long an operation waits for its locks before it fails with LOCK_TIMEOUT. */
  lockWaitMs: number;
  /** How long an executor may run before it is aborted and the operation fails. */
  executorTimeoutMs: number;
  /** How long a DELAY decision may keep an operation waiting before it fails. */
  maxDelayMs: number;
  /** How long an operation may wait in line for its service (QUEUE) before it fails with LOCK_TIMEOUT. */
  queueWaitMs: number;
  /** How often an operation waiting in line looks again when nothing woke it (a finish on its service wakes it at once). */
  queueRecheckMs: number;
  /** An operation taken up more often than this (its workers keep dying) fails instead of running again. */
  maxAttempts: number;
  /** The review's escalation levels (docs/notifications.md#throttling-and-escalation): minutes after the pause at which each level is due. */
  escalationMinutes: number[];
  /** When an unanswered review times out, and what happens then. */
  reviewTimeoutMs: number;
  reviewTimeoutOutcome: ReviewTimeoutOutcome;
  /** Divides simulated waits (canary bake times): 1 is real time, 60 turns minutes into seconds. */
  timeScale: number;
  /** Largest group commit of transitions or submissions. */
  maxBatch: number;
}

export const DEFAULT_ORCHESTRATOR_CONFIG: OrchestratorConfig = {
  concurrency: 64,
  claimLeaseMs: 30_000,
  pollMs: 1_000,
  sweepMs: 15_000,
  lockTtlMs: 300_000,
  lockWaitMs: 30_000,
  executorTimeoutMs: 30 * 60_000,
  maxDelayMs: 30 * 60_000,
  queueWaitMs: 30 * 60_000,
  queueRecheckMs: 5_000,
  maxAttempts: 5,
  escalationMinutes: [15, 30, 60],
  reviewTimeoutMs: 4 * 60 * 60_000,
  reviewTimeoutOutcome: "REJECT",
  timeScale: 1,
  maxBatch: 256,
};
