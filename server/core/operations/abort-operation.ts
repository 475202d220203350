import { AppError } from "../errors";
import { operationEvent } from "./audit-events";
import { cancelOperation } from "./cancel-operation";
import { parseControlInput } from "./control-input";
import type { OrchestratorDeps } from "./orchestrator-deps";
import type { OperationRecord } from "./ports";

/**
 * An approver stops an operation for good (docs/lifecycle.md "Stop and hold
 * running work"). Running, or paused part-way through its change: the
 * request is stored with its audit event and carried out by a worker, which
 * cancels the executor, withdraws what it changed (a partly rolled-out canary
 * is rolled back) and ends it FAILED → ROLLED_BACK. Paused before it started:
 * nothing was changed, so it is simply cancelled.
 */
export async function abortOperation(deps: OrchestratorDeps, input: unknown): Promise<OperationRecord> {
  const c = parseControlInput(input, "abort");
  const op = await deps.store.get(c.operationId);
  if (!op) throw new AppError("NOT_FOUND", `Operation ${c.operationId} does not exist`, { operationId: c.operationId });
  if (op.state === "PAUSED_FOR_HUMAN_REVIEW" && op.startedAt === null) {
    return cancelOperation(deps, { operationId: op.id, actor: c.actor, mayCancelOthers: true, reason: `aborted: ${c.reason}` });
  }
  if (op.state !== "IN_PROGRESS" && op.state !== "PAUSED_FOR_HUMAN_REVIEW") {
    const hint = ["INIT", "LOCKED", "SAFETY_CHECK"].includes(op.state) ? "it has not started changing anything: cancel it instead" : "it has finished";
    throw new AppError("INVALID_TRANSITION", `Operation ${op.id} is ${op.state} and cannot be aborted: ${hint}`, { operationId: op.id, from: op.state, to: "FAILED" });
  }
  if (op.control?.action === "ABORT") return op; // asked twice: the first request stands
  const control = { action: "ABORT" as const, by: c.actor, reason: c.reason, at: deps.clock.now().toISOString() };
  const stored = await deps.store.transact(async (tx) => {
    if (!(await deps.store.setControl(tx, op.id, op.version, ["IN_PROGRESS", "PAUSED_FOR_HUMAN_REVIEW"], control))) return false;
    await deps.audit.appendInTransaction(tx, [operationEvent(op, "MANUAL_INTERVENTION", "WARNING", "operation.abort_requested", { reason: c.reason, from: op.state }, c.actor)]);
    return true;
  });
  if (!stored) {
    const now = await deps.store.get(op.id);
    throw new AppError("VERSION_CONFLICT", `Operation ${op.id} moved on to ${now?.state ?? "another state"} while the abort was being requested; reload it`, { operationId: op.id, state: now?.state ?? null });
  }
  // Running: its worker is told. Paused: a worker takes it up to carry the abort out.
  if (op.state === "IN_PROGRESS") await deps.store.announceControl(op.id).catch((error) => deps.onBackgroundError(error, `announcing the abort of ${op.id}`));
  else await deps.store.announceWork().catch((error) => deps.onBackgroundError(error, `announcing the abort of ${op.id}`));
  deps.publish({ operationId: op.id, service: op.service, type: op.type, state: op.state, kind: "abort_requested", at: new Date(control.at) });
  return { ...op, control };
}
