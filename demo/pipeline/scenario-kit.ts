// Small steps the failure-matrix scenarios share: submit through the real
// orchestrator and wait for what it does, read what the gates decided.
import type { JsonValue } from "../../server/core/audit/types";
import { AppError } from "../../server/core/errors";
import type { OperationRecord } from "../../server/core/operations/ports";
import { isFinished } from "../../server/core/operations/state-machine";
import type { OperationType } from "../../server/core/operations/types";
import type { DemoEnvironment } from "./demo-environment";

export const MATRIX_ACTOR = "failure-matrix";
/** A second person, for the rows where a human decides (a requester cannot approve their own operation). */
export const MATRIX_REVIEWER = "failure-matrix-reviewer";

export interface SubmitRequest {
  type: OperationType;
  service: string;
  params?: { [key: string]: JsonValue };
  correlationId?: string;
  systemLocks?: string[];
}

export async function submit(env: DemoEnvironment, request: SubmitRequest): Promise<OperationRecord> {
  const outcome = await env.orchestrator.submit({
    type: request.type,
    service: request.service,
    actor: MATRIX_ACTOR,
    actorKind: "AUTOMATION",
    // Tagged so the KPIs leave the demo's work out unless asked (docs/incidents.md#sources).
    source: "DEMO",
    correlationId: request.correlationId,
    params: request.params ?? {},
    systemLocks: request.systemLocks ?? [],
  });
  return outcome.operation;
}

/** Polls until `until` holds (default: the operation is finished and this process let go of it). */
export async function waitFor(env: DemoEnvironment, id: string, until: (op: OperationRecord) => boolean = (op) => isFinished(op.state), timeoutMs = 10 * 60_000): Promise<OperationRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const op = await env.orchestrator.get(id);
    if (!op) throw new AppError("NOT_FOUND", `Operation ${id} disappeared`);
    if (until(op)) {
      if (isFinished(op.state)) await env.orchestrator.settled(id);
      return op;
    }
    if (Date.now() > deadline) throw new AppError("UNAVAILABLE", `Operation ${id} did not reach the awaited state in ${Math.round(timeoutMs / 1000)} s; it is ${op.state}${op.reason ? ` (${op.reason})` : ""}`);
    await sleep(100);
  }
}

export const atRest = (op: OperationRecord) => isFinished(op.state) || op.state === "PAUSED_FOR_HUMAN_REVIEW";

/** The gates that failed at the operation's latest SAFETY_CHECK, from its audit trail. */
export async function failedGatesOf(env: DemoEnvironment, operationId: string): Promise<string[]> {
  const events = await env.auditEventsOf(operationId);
  const checked = events.filter((e) => e.action === "safety_gates.checked").at(-1);
  const failed = checked?.payload.failedGates;
  return Array.isArray(failed) ? failed.map(String) : [];
}

/** Cancels an operation a scenario left paused or waiting, so the estate is left as it was found. */
export async function cancelIfOpen(env: DemoEnvironment, op: OperationRecord | null, reason: string): Promise<void> {
  if (!op) return;
  const current = await env.orchestrator.get(op.id);
  if (!current || isFinished(current.state) || current.state === "IN_PROGRESS") return;
  await env.orchestrator.cancel({ operationId: op.id, actor: MATRIX_ACTOR, mayCancelOthers: true, reason }).catch(() => {});
}

/** The state, and the result where it says more than the state does (FAILED/LOCK_TIMEOUT, not COMPLETED/SUCCESS). */
export function describe(op: OperationRecord): string {
  const redundant = op.result === null || ["SUCCESS", "FAILED", "ROLLED_BACK", "CANCELLED", "PAUSED_FOR_REVIEW"].includes(op.result);
  return redundant ? op.state : `${op.state}/${op.result}`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
