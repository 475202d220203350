import { z } from "zod";
import { ZQuorum } from "./approvals";
import { EXECUTION_MODES, OPERATION_TYPES, ZOperationReview, ZOperationSummary } from "./operations";
import { LOCK_PRIORITY_NAMES } from "./plan";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/;

const ZVersionName = z.union([z.string().min(1).max(200), z.number()]);

/**
 * The parameters the executors read (server/core/executors/*), each described
 * for the OpenAPI document. Any other JSON key is accepted and kept with the
 * operation, so clients that send more keep working.
 */
export const ZOperationParams = z
  .object({
    version: ZVersionName.optional().meta({
      description: "DEPLOYMENT, REMEDIATION, CONFIG_CHANGE, MAINTENANCE: the version to roll out. When absent, a name is derived from the operation (patch-<id>).",
    }),
    strategy: z.enum(["canary", "direct", "CANARY_DEPLOY", "DIRECT_DEPLOY"]).optional().meta({
      description: "How a change rolls out: `canary` (the default: 10 % → 50 % → 100 % with an analysis at each step) or `direct`; `CANARY_DEPLOY` and `DIRECT_DEPLOY` are the same two.",
    }),
    toVersion: ZVersionName.optional().meta({ description: "ROLLBACK: the version to restore. Default: the one before the live version in the deployment ledger." }),
    to_version: ZVersionName.optional().meta({ description: "ROLLBACK: the same as `toVersion` (snake_case spelling)." }),
    reviewRequired: z.union([z.boolean(), z.string()]).optional().meta({
      description: "`true` or a reason: pause for a person before it runs. It can add a review, never skip one.",
    }),
  })
  .catchall(z.json())
  .meta({ id: "OperationParams", description: "What to do (at most 64 KiB as canonical JSON). Other keys are kept with the operation." });

/** What a caller sends to submit an operation; who submits it comes from the session or token, never from the body. */
export const ZSubmitOperationRequest = z
  .strictObject({
    type: z.enum(OPERATION_TYPES),
    service: z.string().regex(NAME, "a service name: letters, digits and . _ : / -, at most 200 characters"),
    params: ZOperationParams.optional(),
    correlationId: z.string().trim().min(1).max(200).optional().meta({ description: "Links everything about one incident; generated when absent" }),
    incidentId: z.uuid().optional(),
    systemLocks: z.array(z.string().regex(NAME)).max(16).optional().meta({ description: "Shared resources (a database, a queue) to lock at SYSTEM scope before the service" }),
    priority: z.enum(LOCK_PRIORITY_NAMES).optional().meta({
      description: "Lock priority. Default by type (ROLLBACK: CRITICAL). Raising an operation to CRITICAL needs the APPROVER role.",
    }),
    execution: z.enum(EXECUTION_MODES).optional().meta({
      description: "`external`: you carry the change out yourself (the `interlock` CLI, a pipeline); at IN_PROGRESS you are granted an execution lease to heartbeat and report on (docs/execution.md). Default `internal`: Interlock's executor runs it.",
    }),
    leaseSeconds: z.int().min(10).max(3600).optional().meta({ description: "`external` only: how long the lease lasts without a heartbeat (default 60)" }),
    breakGlass: z
      .strictObject({ reason: z.string().trim().min(3).max(2000) })
      .optional()
      .meta({ description: "A hotfix during a change freeze: let it through every freeze window and halt whose break-glass role your role meets, with a mandatory reason; audited, notified at HIGH and marked on the operation (docs/freezes.md#break-glass)" }),
  })
  .meta({ id: "SubmitOperationRequest" });

export const ZIdempotencyHeaders = z.object({
  "idempotency-key": z.string().trim().min(1).max(200).optional().meta({ description: "The same key returns the same operation (ALREADY_RUNNING) instead of running twice" }),
});

export const ZSubmitOperationResult = z
  .strictObject({
    result: z.enum(["ACCEPTED", "ALREADY_RUNNING"]).meta({ description: "ALREADY_RUNNING: the same key, or the same service, type and params while in flight; `operation` is the existing one" }),
    operation: ZOperationSummary,
  })
  .meta({ id: "SubmitOperationResult" });

export const ZDecisionRequest = z
  .strictObject({
    notes: z.string().trim().max(4000).optional(),
    approvalId: z.string().trim().min(3).max(100).optional().meta({ description: "Your change-approval reference; generated when absent" }),
    evidenceHash: z.string().regex(/^[0-9a-f]{64}$/).optional().meta({ description: "The evidence hash you were shown: refused if the evidence has changed since" }),
  })
  .meta({ id: "DecisionRequest" });

export const ZDecisionResult = z
  .strictObject({ operation: ZOperationSummary, review: ZOperationReview, approvalId: z.string().nullable(), quorum: ZQuorum.optional().describe("The count of approvals after this decision (docs/approvals.md)") })
  .meta({ id: "DecisionResult" });

export const ZCancelRequest = z.strictObject({ reason: z.string().trim().max(2000).optional() }).meta({ id: "CancelRequest" });

/** A person's control of a running or paused operation: the reason is required and recorded. */
export const ZControlRequest = z.strictObject({ reason: z.string().trim().min(3, "say why, in at least 3 characters").max(2000) }).meta({ id: "ControlRequest" });

export const ZEvidenceRefreshResult = z
  .strictObject({
    review: ZOperationReview,
    changed: z.boolean().describe("True when the evidence differs from what was recorded before"),
    changes: z.array(z.string()).describe("What changed, one sentence each (a new conflict, a gate now failing, a larger blast radius)"),
    worse: z.boolean().describe("True when the verdict is worse than the evidence the reviewer saw"),
  })
  .meta({ id: "EvidenceRefreshResult" });
