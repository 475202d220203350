// The execution lease of an operation its submitter carries out
// (docs/execution.md#the-lease), and the rules every report against it is held
// to. Pure: the store reads the lease and the operation, these decide, the use
// cases write what they decide.
import type { JsonValue } from "../audit/types";
import type { ErrorCode } from "../errors";
import type { ExecutionStatus } from "../executors/ports";
import type { LockScope } from "../locks/types";
import type { ExecutionMode, OperationState } from "../operations/types";

/**
 * ACTIVE: the submitter may work and must heartbeat before the deadline.
 * HELD: a person paused the operation; the submitter holds where it is (no deadline).
 * Then one of the ends: COMPLETED (the submitter reported its outcome),
 * EXPIRED (no heartbeat in time), REVOKED (aborted, preempted by a rollback,
 * or the operation ended otherwise).
 */
export const LEASE_STATES = ["ACTIVE", "HELD", "REVOKED", "EXPIRED", "COMPLETED"] as const;
export type LeaseState = (typeof LEASE_STATES)[number];

export const ENDED_LEASE_STATES: readonly LeaseState[] = ["REVOKED", "EXPIRED", "COMPLETED"];

export interface LeaseFence {
  scope: LockScope;
  resource: string;
  fencingToken: bigint;
}

/** What the submitter reported at the end: the same three outcomes as Interlock's own executors. */
export interface ReportedOutcome {
  status: ExecutionStatus;
  summary: string;
  detail: { [key: string]: JsonValue };
  reportedAt: string;
}

export interface ExecutionLease {
  operationId: string;
  /** The token the submitter proves itself with: the SERVICE lock's fencing token when the lease was first granted. */
  fencingToken: bigint;
  fences: LeaseFence[];
  state: LeaseState;
  leaseSeconds: number;
  /** When an ACTIVE lease runs out without a heartbeat; null while HELD or ended. */
  deadline: Date | null;
  grantedAt: Date;
  lastHeartbeatAt: Date | null;
  heartbeats: number;
  holdReason: string | null;
  endedAt: Date | null;
  endReason: string | null;
  outcome: ReportedOutcome | null;
}

/** What a report is checked against: the operation as the store has it now. */
export interface LeasedOperation {
  id: string;
  actor: string;
  state: OperationState;
  reason: string | null;
  execution: ExecutionMode;
  finishedAt: Date | null;
}

export type ReportKind = "heartbeat" | "step" | "complete";

export type ReportVerdict =
  | { ok: true; instruction: "CONTINUE" | "HOLD"; alreadyCompleted?: false }
  /** A /complete retried after it was recorded: answered again, written once. */
  | { ok: true; instruction: "CONTINUE"; alreadyCompleted: true }
  | {
      ok: false;
      code: Extract<ErrorCode, "FORBIDDEN" | "CONFLICT" | "STALE_FENCING_TOKEN" | "LEASE_ENDED">;
      message: string;
      details: Record<string, unknown>;
      /** The lease ends now, and why (written with the refusal, so the next reader sees it ended). */
      end?: { state: "EXPIRED" | "REVOKED"; reason: string };
    };

/** Why an ACTIVE lease has run out at `now`, or null while it holds. */
export function expiryOf(lease: ExecutionLease, now: Date): string | null {
  if (lease.state !== "ACTIVE" || lease.deadline === null || lease.deadline.getTime() > now.getTime()) return null;
  const last = lease.lastHeartbeatAt ? `its last heartbeat was at ${lease.lastHeartbeatAt.toISOString()}` : `no heartbeat came after the grant at ${lease.grantedAt.toISOString()}`;
  return `The submitter stopped heartbeating: ${last}, and the ${lease.leaseSeconds} s lease ran out at ${lease.deadline.toISOString()}`;
}

/**
 * Whether a heartbeat, a step or the outcome from `actor` with `fencingToken`
 * is taken (docs/execution.md#reports). Checked in this order: the operation
 * is external; the caller is its submitter; a lease was granted; the token is
 * the lease's; the lease has not ended (and does not end now: the operation
 * finished otherwise, or the deadline passed).
 */
export function checkReport(op: LeasedOperation, lease: ExecutionLease | null, report: { kind: ReportKind; actor: string; fencingToken: string; status?: ExecutionStatus }, now: Date): ReportVerdict {
  if (op.execution !== "external") {
    return { ok: false, code: "CONFLICT", message: `Operation ${op.id} is carried out by Interlock's own executor (execution "internal"); only an operation submitted with execution "external" takes reports from its submitter`, details: { operationId: op.id, execution: op.execution } };
  }
  if (report.actor !== op.actor) {
    return { ok: false, code: "FORBIDDEN", message: `Only the submitter of operation ${op.id} (${op.actor}) reports on its execution`, details: { operationId: op.id, submitter: op.actor } };
  }
  if (!lease) {
    const where = op.finishedAt ? `it ended ${op.state} before it started executing` : `it is ${op.state} and has not been granted its lease yet: wait until it is IN_PROGRESS`;
    return { ok: false, code: "CONFLICT", message: `Operation ${op.id} has no execution lease: ${where}${op.reason ? ` (${op.reason})` : ""}`, details: { operationId: op.id, state: op.state, reason: op.reason } };
  }
  if (!/^\d{1,20}$/.test(report.fencingToken) || BigInt(report.fencingToken) !== lease.fencingToken) {
    return { ok: false, code: "STALE_FENCING_TOKEN", message: `Fencing token ${report.fencingToken} is not the token of operation ${op.id}'s execution lease; a report from an earlier or another holder is refused`, details: { operationId: op.id, fencingToken: report.fencingToken } };
  }
  if (lease.state === "COMPLETED" && report.kind === "complete" && lease.outcome?.status === report.status) {
    return { ok: true, instruction: "CONTINUE", alreadyCompleted: true };
  }
  if (ENDED_LEASE_STATES.includes(lease.state)) {
    return ended(op, lease.state, lease.endReason ?? `the lease is ${lease.state}`);
  }
  if (op.finishedAt !== null) {
    const reason = `The operation ended ${op.state}${op.reason ? `: ${op.reason}` : ""}`;
    return { ...ended(op, "REVOKED", reason), end: { state: "REVOKED", reason } };
  }
  const expired = expiryOf(lease, now);
  if (expired) return { ...ended(op, "EXPIRED", expired), end: { state: "EXPIRED", reason: expired } };
  return { ok: true, instruction: lease.state === "HELD" ? "HOLD" : "CONTINUE" };
}

function ended(op: LeasedOperation, state: LeaseState, reason: string): Extract<ReportVerdict, { ok: false }> {
  return { ok: false, code: "LEASE_ENDED", message: `The execution lease of operation ${op.id} has ended (${state}): ${reason}. Stop: nothing more is taken under it`, details: { operationId: op.id, leaseState: state, reason } };
}

/** An ACTIVE lease's deadline after a heartbeat at `now`. */
export function deadlineAfter(lease: Pick<ExecutionLease, "leaseSeconds">, now: Date): Date {
  return new Date(now.getTime() + lease.leaseSeconds * 1000);
}
