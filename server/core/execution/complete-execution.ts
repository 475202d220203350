import type { JsonValue } from "../audit/types";
import type { OperationRecord } from "../operations/ports";
import { parseInput } from "../parse-input";
import { leaseEvent } from "./external-executor";
import type { ExecutionLease, ReportedOutcome } from "./lease";
import { ZCompleteInput } from "./execution-schemas";
import { assertBounded } from "./report-execution-step";
import { reportUnderLease, type ExecutionReportDeps } from "./report-under-lease";

export interface CompletionAnswer {
  lease: ExecutionLease;
  operation: OperationRecord;
  /** True when this outcome had already been recorded (a retried request): nothing was written again. */
  alreadyReported: boolean;
}

/**
 * The submitter reports how its work ended (docs/execution.md#reports):
 * SUCCEEDED, FAILED or ROLLED_BACK with a summary. The lease ends COMPLETED
 * with the outcome and its audit event in one transaction; the worker that
 * holds the operation's locks reads it back, ends the operation with that
 * outcome and releases the locks, as it does for its own executors. The same
 * outcome sent again (a retry after a lost answer) is answered again, not
 * recorded twice.
 */
export async function completeExecution(deps: ExecutionReportDeps, input: unknown): Promise<CompletionAnswer> {
  const c = parseInput(ZCompleteInput, input, "completion");
  assertBounded(c.detail);
  return reportUnderLease(deps, { ...c, kind: "complete" }, async (tx, op, lease, verdict, now) => {
    if (verdict.alreadyCompleted) return { lease, operation: op, alreadyReported: true };
    const outcome: ReportedOutcome = { status: c.status, summary: c.summary, detail: c.detail as { [key: string]: JsonValue }, reportedAt: now.toISOString() };
    await deps.leases.update(tx, op.id, { state: "COMPLETED", outcome, endedAt: now, endReason: `The submitter reported ${c.status}: ${c.summary}`, deadline: null });
    await deps.audit.appendInTransaction(tx, [
      leaseEvent(op, c.status === "SUCCEEDED" ? "INFO" : "WARNING", "execution.reported", { status: c.status, summary: c.summary, detail: outcome.detail, heartbeats: lease.heartbeats }, c.actor),
    ]);
    return { lease: { ...lease, state: "COMPLETED", outcome, endedAt: now, deadline: null }, operation: op, alreadyReported: false };
  });
}
