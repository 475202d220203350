import { AppError } from "../errors";
import { operationEvent } from "./audit-events";
import { parseControlInput } from "./control-input";
import type { OrchestratorDeps } from "./orchestrator-deps";
import type { OperationRecord } from "./ports";

/**
 * An approver holds a running operation (docs/lifecycle.md "Stop and hold
 * running work"). The request is stored with its audit event; the worker
 * driving the operation, told through the store's notification, stops the
 * executor at its next safe point (between canary steps; the webhook's
 * deploy system is asked to hold) and moves the operation to
 * PAUSED_FOR_HUMAN_REVIEW, keeping the steps it recorded so a resume
 * continues from there. If no worker is driving it, the next one to take it
 * up pauses it before executing again.
 */
export async function pauseOperation(deps: OrchestratorDeps, input: unknown): Promise<OperationRecord> {
  const c = parseControlInput(input, "pause");
  const op = await deps.store.get(c.operationId);
  if (!op) throw new AppError("NOT_FOUND", `Operation ${c.operationId} does not exist`, { operationId: c.operationId });
  if (op.state !== "IN_PROGRESS") {
    const hint = op.state === "PAUSED_FOR_HUMAN_REVIEW" ? "it is already paused" : ["INIT", "LOCKED", "SAFETY_CHECK"].includes(op.state) ? "it has not started changing anything: cancel it instead" : "it has finished";
    throw new AppError("INVALID_TRANSITION", `Operation ${op.id} is ${op.state} and cannot be paused: ${hint}`, { operationId: op.id, from: op.state, to: "PAUSED_FOR_HUMAN_REVIEW" });
  }
  if (op.control?.action === "ABORT") throw new AppError("CONFLICT", `Operation ${op.id} is already being aborted (requested by ${op.control.by})`, { operationId: op.id, control: op.control });
  const control = { action: "PAUSE" as const, by: c.actor, reason: c.reason, at: deps.clock.now().toISOString() };
  const stored = await deps.store.transact(async (tx) => {
    if (!(await deps.store.setControl(tx, op.id, op.version, ["IN_PROGRESS"], control))) return false;
    await deps.audit.appendInTransaction(tx, [operationEvent(op, "MANUAL_INTERVENTION", "WARNING", "operation.pause_requested", { reason: c.reason }, c.actor)]);
    return true;
  });
  if (!stored) {
    const now = await deps.store.get(op.id);
    throw new AppError("VERSION_CONFLICT", `Operation ${op.id} moved on to ${now?.state ?? "another state"} while the pause was being requested; reload it`, { operationId: op.id, state: now?.state ?? null });
  }
  await deps.store.announceControl(op.id).catch((error) => deps.onBackgroundError(error, `announcing the pause of ${op.id}`));
  deps.publish({ operationId: op.id, service: op.service, type: op.type, state: op.state, kind: "pause_requested", at: new Date(control.at) });
  return { ...op, control };
}
