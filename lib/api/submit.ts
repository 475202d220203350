import { z } from "zod";
import { OPERATION_TYPES, ZOperationReview, ZOperationSummary } from "./operations";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/;

/** What a caller sends to submit an operation; who submits it comes from the session or token, never from the body. */
export const ZSubmitOperationRequest = z
  .strictObject({
    type: z.enum(OPERATION_TYPES),
    service: z.string().regex(NAME, "a service name: letters, digits and . _ : / -, at most 200 characters"),
    params: z.record(z.string(), z.json()).optional().meta({ description: "What to do: version, strategy, … (at most 64 KiB as canonical JSON)" }),
    correlationId: z.string().trim().min(1).max(200).optional().meta({ description: "Links everything about one incident; generated when absent" }),
    incidentId: z.uuid().optional(),
    systemLocks: z.array(z.string().regex(NAME)).max(16).optional().meta({ description: "Shared resources to lock at SYSTEM scope first (seed 000 workflow 4)" }),
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

export const ZDecisionResult = z.strictObject({ operation: ZOperationSummary, review: ZOperationReview, approvalId: z.string().nullable() }).meta({ id: "DecisionResult" });

export const ZCancelRequest = z.strictObject({ reason: z.string().trim().max(2000).optional() }).meta({ id: "CancelRequest" });
