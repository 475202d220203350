import { AppError } from "../errors";
import type { JsonValue } from "../audit/types";
import type { OperationState } from "./types";

/**
 * The transition table of docs/specification.md#state-machine (the original specification's, unchanged). Two consequences worth knowing:
 * an operation cannot pause before it holds its locks (INIT → PAUSED is not
 * allowed), so a conflict that calls for review is recorded at INIT and the
 * pause happens at SAFETY_CHECK; and IN_PROGRESS cannot be cancelled, only
 * completed, failed, rolled back or paused.
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<OperationState, readonly OperationState[]>> = {
  INIT: ["LOCKED", "FAILED", "CANCELLED"],
  LOCKED: ["SAFETY_CHECK", "FAILED", "CANCELLED"],
  SAFETY_CHECK: ["IN_PROGRESS", "PAUSED_FOR_HUMAN_REVIEW", "FAILED", "CANCELLED"],
  IN_PROGRESS: ["COMPLETED", "PAUSED_FOR_HUMAN_REVIEW", "FAILED", "ROLLED_BACK"],
  PAUSED_FOR_HUMAN_REVIEW: ["IN_PROGRESS", "FAILED", "CANCELLED"],
  COMPLETED: [],
  FAILED: ["ROLLED_BACK"],
  ROLLED_BACK: [],
  CANCELLED: [],
};

/**
 * States in which the operation's work is over. FAILED is included although
 * the table lets it move on to ROLLED_BACK: a failed operation holds nothing
 * and no worker drives it; the later rollback is a record, not a resumption.
 */
export const FINISHED_STATES: readonly OperationState[] = ["COMPLETED", "FAILED", "ROLLED_BACK", "CANCELLED"];

/** States a worker drives; PAUSED_FOR_HUMAN_REVIEW waits for a person instead. */
export const ACTIVE_STATES: readonly OperationState[] = ["INIT", "LOCKED", "SAFETY_CHECK", "IN_PROGRESS"];

export function isFinished(state: OperationState): boolean {
  return FINISHED_STATES.includes(state);
}

export function canTransition(from: OperationState, to: OperationState): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

/** One move of the state machine, as stored (operation_transitions) and audited. */
export interface Transition {
  from: OperationState;
  to: OperationState;
  /** The operation's version after this move; the store accepts it only over `version - 1`. */
  version: number;
  actor: string;
  at: Date;
  metadata: { [key: string]: JsonValue };
}

/**
 * Validates a move from the operation's current state and version and returns
 * the transition to store. Pure: the store's `WHERE version = $seen` is what
 * makes two concurrent writers unable to both win; this refuses the moves the
 * table does not allow, naming both states.
 */
export function planTransition(
  current: { id: string; state: OperationState; version: number },
  to: OperationState,
  by: { actor: string; at: Date; metadata?: { [key: string]: JsonValue } },
): Transition {
  if (!canTransition(current.state, to)) {
    const allowed = ALLOWED_TRANSITIONS[current.state];
    throw new AppError(
      "INVALID_TRANSITION",
      `Operation ${current.id} is ${current.state} and cannot move to ${to}` + (allowed.length ? ` (from ${current.state} it may move to ${allowed.join(", ")})` : ` (${current.state} is final)`),
      { operationId: current.id, from: current.state, to, allowed: [...allowed] },
    );
  }
  return { from: current.state, to, version: current.version + 1, actor: by.actor, at: by.at, metadata: by.metadata ?? {} };
}
