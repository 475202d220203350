import type { StoreTransaction } from "../audit/ports";
import type { AuditLog } from "../audit/audit-log";
import type { Clock } from "../clock";
import { AppError } from "../errors";
import type { ExecutionStatus } from "../executors/ports";
import type { OperationRecord, OperationStore } from "../operations/ports";
import { leaseEvent } from "./external-executor";
import { checkReport, type ExecutionLease, type ReportKind, type ReportVerdict } from "./lease";
import type { ExecutionLeaseStore } from "./ports";

export interface ExecutionReportDeps {
  store: Pick<OperationStore, "get" | "transact">;
  leases: ExecutionLeaseStore;
  audit: AuditLog;
  clock: Clock;
}

export type AcceptedReport = Extract<ReportVerdict, { ok: true }>;

/**
 * The part every report shares (docs/execution.md#reports): the operation is
 * read, its lease locked, the report checked against both; a refusal that
 * ends the lease (the deadline passed, the operation finished otherwise)
 * commits that end with its audit event before the refusal is thrown. An
 * accepted report runs `write` in the same transaction.
 */
export async function reportUnderLease<T>(
  deps: ExecutionReportDeps,
  report: { operationId: string; actor: string; fencingToken: string; kind: ReportKind; status?: ExecutionStatus },
  write: (tx: StoreTransaction, op: OperationRecord, lease: ExecutionLease, verdict: AcceptedReport, now: Date) => Promise<T>,
): Promise<T> {
  const op = await deps.store.get(report.operationId);
  if (!op) throw new AppError("NOT_FOUND", `Operation ${report.operationId} does not exist`, { operationId: report.operationId });
  type Outcome = { refused: Extract<ReportVerdict, { ok: false }> } | { refused: null; value: T };
  const outcome = await deps.store.transact(async (tx): Promise<Outcome> => {
    const now = deps.clock.now();
    // The operation as read just before: nothing else is read outside this transaction while it is open
    // (the embedded store has one connection, and a read outside would wait for this transaction's end).
    // An operation that finishes meanwhile is seen by the next report.
    const current = op;
    const lease = await deps.leases.getForUpdate(tx, op.id);
    const verdict = checkReport(current, lease, report, now);
    if (!verdict.ok) {
      if (verdict.end && lease) {
        await deps.leases.update(tx, op.id, { state: verdict.end.state, endReason: verdict.end.reason, endedAt: now, deadline: null });
        await deps.audit.appendInTransaction(tx, [leaseEvent(current, verdict.end.state === "EXPIRED" ? "ERROR" : "WARNING", verdict.end.state === "EXPIRED" ? "execution.lease_expired" : "execution.lease_revoked", { reason: verdict.end.reason, heartbeats: lease.heartbeats })]);
      }
      return { refused: verdict };
    }
    return { refused: null, value: await write(tx, current, lease!, verdict, now) };
  });
  if (outcome.refused) throw new AppError(outcome.refused.code, outcome.refused.message, outcome.refused.details);
  return outcome.value;
}
