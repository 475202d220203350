// Operations (docs/specification.md#operations) and their state machine (docs/specification.md#state-machine): the vocabulary shared by the
// orchestrator, its store, the gates and the executors. The names match the
// Prisma enums so rows are stored without translation.
import type { JsonValue } from "../audit/types";
import { OPERATION_TYPES, type OperationType } from "../conflicts/types";

export { OPERATION_TYPES, type OperationType };

/** The nine states (docs/specification.md#state-machine). */
export const OPERATION_STATES = [
  "INIT",
  "LOCKED",
  "SAFETY_CHECK",
  "IN_PROGRESS",
  "PAUSED_FOR_HUMAN_REVIEW",
  "COMPLETED",
  "FAILED",
  "ROLLED_BACK",
  "CANCELLED",
] as const;
export type OperationState = (typeof OPERATION_STATES)[number];

export const OPERATION_RESULTS = [
  "SUCCESS",
  "BLOCKED_BY_CONFLICT",
  "BLOCKED_BY_GATE",
  "PAUSED_FOR_REVIEW",
  "LOCK_TIMEOUT",
  "FAILED",
  "ROLLED_BACK",
  "CANCELLED",
  "ALREADY_RUNNING",
  "SUPERSEDED",
] as const;
export type OperationResult = (typeof OPERATION_RESULTS)[number];

export const ACTOR_KINDS = ["HUMAN", "AUTOMATION"] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/** Who submitted an operation, broadly (docs/incidents.md#sources). The KPIs leave DEMO out unless asked. */
export const OPERATION_SOURCES = ["API", "CONSOLE", "RULE", "DEMO"] as const;
export type OperationSource = (typeof OPERATION_SOURCES)[number];

export type OperationParams = { [key: string]: JsonValue };

/**
 * Who carries the change out (docs/execution.md): "internal", an executor of
 * the server's (simulated, webhook, runbook); "external", the submitter
 * itself (the `interlock` CLI, a pipeline, Flagger or Argo Rollouts), under an
 * execution lease it keeps with heartbeats.
 */
export const EXECUTION_MODES = ["internal", "external"] as const;
export type ExecutionMode = (typeof EXECUTION_MODES)[number];

/** What an executor and a gate see of an operation. */
export interface OperationSnapshot {
  id: string;
  type: OperationType;
  /** The target service's name. */
  service: string;
  actor: string;
  actorKind: ActorKind;
  correlationId: string;
  params: OperationParams;
  state: OperationState;
  version: number;
  createdAt: Date;
}
