// What the submitter of an external execution sends and gets back
// (docs/execution.md#reports). Browser-safe: zod only. The server's input
// schemas (server/core/execution/execution-schemas.ts) take the same fields plus
// who is calling and which operation.
import { z } from "zod";
import { ZExecutionLease, ZJsonObject, ZOperationStep, ZOperationSummary } from "./operations";

const ZFencingToken = z.string().regex(/^\d{1,20}$/).meta({ description: "The decimal fencing token the lease was granted with (`lease.fencingToken` on the operation)" });

export const ZHeartbeatRequest = z.strictObject({ fencingToken: ZFencingToken }).meta({ id: "HeartbeatRequest" });

export const ZHeartbeatAnswer = z
  .strictObject({
    instruction: z.enum(["CONTINUE", "HOLD"]).describe("CONTINUE: carry on. HOLD: a person paused the operation; hold where you are and keep heartbeating until told CONTINUE"),
    reason: z.string().nullable().describe("Why to hold, when told HOLD"),
    lease: ZExecutionLease,
    operation: ZOperationSummary,
  })
  .meta({ id: "HeartbeatAnswer" });

export const ZStepRequest = z
  .strictObject({
    fencingToken: ZFencingToken,
    name: z.string().trim().min(1).max(200),
    outcome: z.enum(["PASSED", "FAILED", "INFO"]),
    detail: ZJsonObject.optional().meta({ description: "At most 64 KiB as canonical JSON" }),
    startedAt: z.iso.datetime({ offset: true }).optional().meta({ description: "Default: when the report arrives" }),
    endedAt: z.iso.datetime({ offset: true }).optional(),
  })
  .meta({ id: "StepRequest" });

export const ZStepResult = ZOperationStep.omit({ id: true, attempt: true }).meta({ id: "StepResult" });

export const ZCompleteRequest = z
  .strictObject({
    fencingToken: ZFencingToken,
    status: z.enum(["SUCCEEDED", "FAILED", "ROLLED_BACK"]).describe("SUCCEEDED: the change is live. FAILED: it did not take effect. ROLLED_BACK: it was applied, failed, and you restored the previous state"),
    summary: z.string().trim().min(1).max(2000).describe("One sentence for the operator: what happened and why"),
    detail: ZJsonObject.optional().meta({ description: "Exit status, output tail, links; at most 64 KiB as canonical JSON" }),
  })
  .meta({ id: "CompleteRequest" });

export const ZCompleteAnswer = z
  .strictObject({
    alreadyReported: z.boolean().describe("True when this outcome had been recorded before (a retry): nothing was written again"),
    lease: ZExecutionLease,
    operation: ZOperationSummary.describe("The operation as it was when the outcome was recorded; its worker ends it within a second"),
  })
  .meta({ id: "CompleteAnswer" });
