import { canonicalJson } from "../audit/canonical-hash";
import type { JsonValue } from "../audit/types";
import { AppError } from "../errors";
import type { ExecutionStep } from "../executors/ports";
import { parseInput } from "../parse-input";
import { leaseEvent } from "./external-executor";
import { MAX_REPORT_DETAIL_BYTES, ZReportStepInput } from "./execution-schemas";
import { reportUnderLease, type ExecutionReportDeps } from "./report-under-lease";

/**
 * The submitter records a step of its work (docs/execution.md#reports): kept
 * with the operation's steps, like a built-in executor's, and audited, in one
 * transaction.
 */
export async function reportExecutionStep(deps: ExecutionReportDeps, input: unknown): Promise<ExecutionStep> {
  const r = parseInput(ZReportStepInput, input, "step");
  assertBounded(r.detail);
  return reportUnderLease(deps, { ...r, kind: "step" }, async (tx, op, _lease, _verdict, now) => {
    const step: ExecutionStep = {
      name: r.name,
      outcome: r.outcome,
      detail: r.detail as { [key: string]: JsonValue },
      startedAt: r.startedAt ? new Date(r.startedAt).toISOString() : now.toISOString(),
      endedAt: r.endedAt ? new Date(r.endedAt).toISOString() : now.toISOString(),
    };
    if (step.endedAt < step.startedAt) throw new AppError("VALIDATION_FAILED", `The step ends (${step.endedAt}) before it starts (${step.startedAt})`, { field: "endedAt" });
    await deps.leases.insertStep(tx, op.id, op.attempt, step);
    await deps.audit.appendInTransaction(tx, [leaseEvent(op, step.outcome === "FAILED" ? "WARNING" : "INFO", "execution.step_reported", { name: step.name, outcome: step.outcome, detail: step.detail, startedAt: step.startedAt, endedAt: step.endedAt }, r.actor)]);
    return step;
  });
}

export function assertBounded(detail: unknown): void {
  const bytes = canonicalJson(detail as JsonValue).length;
  if (bytes > MAX_REPORT_DETAIL_BYTES) throw new AppError("PAYLOAD_TOO_LARGE", `The report's detail is ${bytes} bytes; at most ${MAX_REPORT_DETAIL_BYTES} are kept`, { bytes });
}
