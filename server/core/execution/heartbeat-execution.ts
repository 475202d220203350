import { parseInput } from "../parse-input";
import type { OperationRecord } from "../operations/ports";
import { deadlineAfter, type ExecutionLease } from "./lease";
import { ZHeartbeatInput } from "./execution-schemas";
import { reportUnderLease, type ExecutionReportDeps } from "./report-under-lease";

export interface HeartbeatAnswer {
  lease: ExecutionLease;
  /** CONTINUE: carry on. HOLD: a person paused the operation; hold where you are and keep heartbeating. */
  instruction: "CONTINUE" | "HOLD";
  reason: string | null;
  operation: OperationRecord;
}

/**
 * The submitter says it is still at work (docs/execution.md#heartbeats): an
 * ACTIVE lease's deadline moves to now + its length; a HELD one only records
 * the heartbeat. Heartbeats are counted on the lease, not audited one by one
 * (a long run would bury its trail); the lease's grant, hold, resumption and
 * end are audited.
 */
export async function heartbeatExecution(deps: ExecutionReportDeps, input: unknown): Promise<HeartbeatAnswer> {
  const h = parseInput(ZHeartbeatInput, input, "heartbeat");
  return reportUnderLease(deps, { ...h, kind: "heartbeat" }, async (tx, op, lease, verdict, now) => {
    const deadline = lease.state === "ACTIVE" ? deadlineAfter(lease, now) : lease.deadline;
    await deps.leases.update(tx, op.id, { heartbeat: true, lastHeartbeatAt: now, deadline });
    return {
      lease: { ...lease, deadline, lastHeartbeatAt: now, heartbeats: lease.heartbeats + 1 },
      instruction: verdict.instruction,
      reason: verdict.instruction === "HOLD" ? lease.holdReason : null,
      operation: op,
    };
  });
}
