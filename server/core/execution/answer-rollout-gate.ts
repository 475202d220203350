import { AppError, isAppError } from "../errors";
import type { ExecutionStatus } from "../executors/ports";
import type { OperationRecord } from "../operations/ports";
import { isFinished } from "../operations/state-machine";
import type { ActorKind, OperationType } from "../operations/types";
import type { CompletionAnswer } from "./complete-execution";
import type { HeartbeatAnswer } from "./heartbeat-execution";
import type { ExecutionLease } from "./lease";

/** Which progressive-delivery tool asks, and about which rollout (docs/execution.md#rollout-gates). */
export interface RolloutGateRequest {
  tool: "flagger" | "argo-rollouts";
  /** The rollout's identity in the tool: "namespace/name". */
  rollout: string;
  /** The revision being rolled out (Flagger's checksum, Argo's pod-template hash); one Interlock operation per revision. */
  revision: string;
  service: string;
  type: OperationType;
  leaseSeconds: number;
  actor: string;
  actorKind: ActorKind;
  /** A gate question ("may it proceed?"), or the tool's report that the rollout ended. */
  ask: { kind: "proceed"; hook: string } | { kind: "ended"; status: ExecutionStatus; summary: string };
  /** The console's base URL, for the link a waiting answer gives. */
  consoleUrl: string | null;
}

/**
 * ALLOW: Interlock's operation for the revision holds its locks and passed its
 * gates (IN_PROGRESS, lease ACTIVE). WAIT: not yet (in line, delayed, paused
 * for review, just submitted). DENY: it was refused (blocked, failed,
 * cancelled) and will not go ahead for this revision (until `retryAfter`).
 */
export type RolloutGateDecision = "ALLOW" | "WAIT" | "DENY";

export interface RolloutGateAnswer {
  decision: RolloutGateDecision;
  allowed: boolean;
  reason: string;
  operationId: string | null;
  state: OperationRecord["state"] | null;
  link: string | null;
}

/** What the gate needs of the orchestrator; the Orchestrator provides each. */
export interface RolloutGateDeps {
  submit(input: unknown): Promise<{ operation: OperationRecord; result: "ACCEPTED" | "ALREADY_RUNNING" }>;
  latestWithParams(service: string, params: { [key: string]: string }): Promise<OperationRecord | null>;
  lease(id: string): Promise<ExecutionLease | null>;
  heartbeat(input: unknown): Promise<HeartbeatAnswer>;
  complete(input: unknown): Promise<CompletionAnswer>;
  cancel(input: unknown): Promise<OperationRecord>;
  now(): Date;
}

/** A refused revision is asked about again after this long before a new operation is tried (a gate may pass by then). */
export const GATE_RETRY_AFTER_MS = 60_000;

/**
 * Answers a progressive-delivery tool's question about one revision
 * (docs/execution.md#rollout-gates). The first question submits an external
 * operation for it, so the rollout shows in the console, takes the service's
 * locks in line with everything else and passes the same conflict checks,
 * gates and reviews; every later question is a heartbeat of its lease. The
 * tool's report that the rollout ended completes the operation, which
 * releases the locks.
 */
export async function answerRolloutGate(deps: RolloutGateDeps, req: RolloutGateRequest): Promise<RolloutGateAnswer> {
  const params = { rollout: req.rollout, revision: req.revision, via: req.tool };
  const latest = await deps.latestWithParams(req.service, params);
  if (req.ask.kind === "ended") return reportEnd(deps, req, latest, req.ask);

  let op = latest;
  if (op && isFinished(op.state)) {
    if (op.state === "COMPLETED") return answer("ALLOW", op, req, `Operation ${op.id} for this revision already completed`);
    const age = deps.now().getTime() - (op.finishedAt ?? op.updatedAt).getTime();
    if (age < GATE_RETRY_AFTER_MS) return answer("DENY", op, req, `Interlock refused this revision: ${op.reason ?? op.result ?? op.state}. Asked again after ${Math.ceil((GATE_RETRY_AFTER_MS - age) / 1000)} s, it is tried as a new operation`);
    op = null;
  }
  if (!op) {
    const submitted = await deps.submit({ type: req.type, service: req.service, actor: req.actor, actorKind: req.actorKind, params, execution: "external", leaseSeconds: req.leaseSeconds, source: "API" });
    op = submitted.operation;
  }
  if (op.state !== "IN_PROGRESS") return waiting(op, req);
  const lease = await deps.lease(op.id);
  if (!lease) return answer("WAIT", op, req, "Interlock is granting the rollout its execution lease");
  try {
    const beat = await deps.heartbeat({ operationId: op.id, actor: req.actor, fencingToken: lease.fencingToken.toString() });
    if (beat.instruction === "HOLD") return answer("WAIT", beat.operation, req, `Paused by a person in Interlock: ${beat.reason ?? "no reason given"}`);
    return answer("ALLOW", beat.operation, req, `Operation ${op.id} holds ${req.service}'s locks and passed its gates (fencing token ${lease.fencingToken})`);
  } catch (error) {
    if (isAppError(error) && (error.code === "LEASE_ENDED" || error.code === "STALE_FENCING_TOKEN")) return answer("DENY", op, req, error.message);
    throw error;
  }
}

async function reportEnd(deps: RolloutGateDeps, req: RolloutGateRequest, op: OperationRecord | null, ended: { status: ExecutionStatus; summary: string }): Promise<RolloutGateAnswer> {
  if (!op || isFinished(op.state)) return answer("ALLOW", op, req, op ? `Operation ${op.id} had already ended ${op.state}` : "No Interlock operation for this revision: nothing to record");
  const lease = await deps.lease(op.id);
  if (!lease) {
    // The tool finished (or gave up) before Interlock let the revision start: the waiting operation is withdrawn.
    const cancelled = await deps.cancel({ operationId: op.id, actor: req.actor, reason: `${req.tool} reported the rollout ended (${ended.status}) before Interlock let it start: ${ended.summary}` }).catch((error: unknown) => {
      if (isAppError(error) && (error.code === "INVALID_TRANSITION" || error.code === "VERSION_CONFLICT" || error.code === "CONFLICT")) return op;
      throw error;
    });
    return answer("ALLOW", cancelled, req, `Operation ${op.id} had not started; it was cancelled`);
  }
  try {
    const done = await deps.complete({ operationId: op.id, actor: req.actor, fencingToken: lease.fencingToken.toString(), status: ended.status, summary: ended.summary, detail: { tool: req.tool, rollout: req.rollout, revision: req.revision } });
    return answer("ALLOW", done.operation, req, `Recorded: ${ended.summary}`);
  } catch (error) {
    if (isAppError(error) && error.code === "LEASE_ENDED") return answer("ALLOW", op, req, `The operation's lease had already ended: ${error.message}`);
    throw error;
  }
}

function waiting(op: OperationRecord, req: RolloutGateRequest): RolloutGateAnswer {
  if (op.state === "PAUSED_FOR_HUMAN_REVIEW") return answer("WAIT", op, req, `Waiting for a person to review operation ${op.id}: ${op.reason ?? "review requested"}`);
  return answer("WAIT", op, req, op.reason ? `Not yet: ${op.reason}` : `Operation ${op.id} is ${op.state}: checking conflicts, waiting for its locks and running its gates`);
}

function answer(decision: RolloutGateDecision, op: OperationRecord | null, req: RolloutGateRequest, reason: string): RolloutGateAnswer {
  return {
    decision,
    allowed: decision === "ALLOW",
    reason,
    operationId: op?.id ?? null,
    state: op?.state ?? null,
    link: op && req.consoleUrl ? `${req.consoleUrl.replace(/\/$/, "")}/operations/${op.id}` : null,
  };
}

/** "namespace/name" from a tool's names, refusing what could not name a Kubernetes object. */
export function rolloutName(namespace: string, name: string): string {
  const dns = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
  if (!dns.test(namespace) || !dns.test(name)) throw new AppError("VALIDATION_FAILED", `"${namespace}/${name}" is not a Kubernetes namespace and name`, { namespace, name });
  return `${namespace}/${name}`;
}
