import "server-only";
import { ZIdParams } from "@/lib/api/common";
import { ZCompleteAnswer, ZCompleteRequest, ZHeartbeatAnswer, ZHeartbeatRequest, ZStepRequest, ZStepResult } from "@/lib/api/execution";
import type { z } from "zod";
import type { ExecutionLease } from "../../core/execution/lease";
import { endpoint } from "../endpoint";
import { summaryOf } from "./operations";
import { AUTH_ERRORS, CONFLICT, NOT_FOUND } from "./responses";

// The submitter's side of an external execution (docs/execution.md#reports):
// heartbeats, steps and the outcome, each carrying the lease's fencing token.
// Only the operation's submitter may report; a stale token or an ended lease
// gets 409 with STALE_FENCING_TOKEN or LEASE_ENDED and changes nothing.

const REPORT_ERRORS = {
  ...AUTH_ERRORS,
  ...NOT_FOUND,
  ...CONFLICT,
};

export function leaseViewOf(lease: ExecutionLease): z.infer<typeof ZCompleteAnswer>["lease"] {
  return {
    state: lease.state,
    fencingToken: lease.fencingToken.toString(),
    fences: lease.fences.map((f) => ({ scope: f.scope, resource: f.resource, fencingToken: f.fencingToken.toString() })),
    leaseSeconds: lease.leaseSeconds,
    deadline: lease.deadline?.toISOString() ?? null,
    grantedAt: lease.grantedAt.toISOString(),
    lastHeartbeatAt: lease.lastHeartbeatAt?.toISOString() ?? null,
    heartbeats: lease.heartbeats,
    holdReason: lease.holdReason,
    endedAt: lease.endedAt?.toISOString() ?? null,
    endReason: lease.endReason,
  };
}

export const heartbeatEndpoint = endpoint({
  operationId: "heartbeatExecution",
  method: "POST",
  path: "/api/v1/operations/{id}/heartbeat",
  summary: "Heartbeat an external execution",
  description:
    "The submitter is still at work: an ACTIVE lease's deadline moves to now + leaseSeconds. The answer says CONTINUE, or HOLD while a person has paused the operation. 409 STALE_FENCING_TOKEN for a token that is not the lease's; 409 LEASE_ENDED once the lease expired (no heartbeat in time), was revoked (aborted, preempted by a rollback) or completed: stop.",
  tags: ["execution"],
  access: "OPERATOR",
  params: ZIdParams,
  body: ZHeartbeatRequest,
  responses: { 200: { description: "CONTINUE or HOLD, with the lease as it is now", schema: ZHeartbeatAnswer }, ...REPORT_ERRORS },
  async handler({ container, principal, params, body }) {
    const answer = await container.orchestrator.heartbeat({ operationId: params.id, actor: principal!.actor, fencingToken: body.fencingToken });
    return { status: 200, body: { instruction: answer.instruction, reason: answer.reason, lease: leaseViewOf(answer.lease), operation: summaryOf(answer.operation) } };
  },
});

export const reportStepEndpoint = endpoint({
  operationId: "reportExecutionStep",
  method: "POST",
  path: "/api/v1/operations/{id}/steps",
  summary: "Record a step of an external execution",
  description: "Kept with the operation's steps and audited. The same refusals as a heartbeat.",
  tags: ["execution"],
  access: "OPERATOR",
  params: ZIdParams,
  body: ZStepRequest,
  responses: { 201: { description: "The step as recorded", schema: ZStepResult }, ...REPORT_ERRORS },
  async handler({ container, principal, params, body }) {
    const step = await container.orchestrator.reportStep({ ...body, operationId: params.id, actor: principal!.actor });
    return { status: 201, body: step };
  },
});

export const completeExecutionEndpoint = endpoint({
  operationId: "completeExecution",
  method: "POST",
  path: "/api/v1/operations/{id}/complete",
  summary: "Report how an external execution ended",
  description:
    "SUCCEEDED, FAILED or ROLLED_BACK with a summary: the lease ends COMPLETED and the operation's worker ends the operation with this outcome (COMPLETED, FAILED or ROLLED_BACK) and releases its locks, within a second. The same outcome sent again answers 202 with alreadyReported true. The same refusals as a heartbeat.",
  tags: ["execution"],
  access: "OPERATOR",
  params: ZIdParams,
  body: ZCompleteRequest,
  responses: { 202: { description: "Recorded; the operation ends shortly", schema: ZCompleteAnswer }, ...REPORT_ERRORS },
  async handler({ container, principal, params, body }) {
    const answer = await container.orchestrator.complete({ ...body, operationId: params.id, actor: principal!.actor });
    return { status: 202, body: { alreadyReported: answer.alreadyReported, lease: leaseViewOf(answer.lease), operation: summaryOf(answer.operation) } };
  },
});
