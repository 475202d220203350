// What a submitter sends about an execution it carries out (docs/execution.md#reports).
// The HTTP layer's request schemas (lib/api/execution.ts) are checked to match these.
import { z } from "zod";
import { EXECUTION_STATUSES } from "../executors/ports";

const ZToken = z.string().regex(/^\d{1,20}$/, "the decimal fencing token the lease was granted with");
const ZDetail = z.record(z.string(), z.json());

export const ZHeartbeatInput = z.strictObject({
  operationId: z.uuid(),
  actor: z.string().trim().min(1).max(200),
  fencingToken: ZToken,
});

export const ZReportStepInput = z.strictObject({
  operationId: z.uuid(),
  actor: z.string().trim().min(1).max(200),
  fencingToken: ZToken,
  name: z.string().trim().min(1).max(200),
  outcome: z.enum(["PASSED", "FAILED", "INFO"]),
  detail: ZDetail.default({}),
  startedAt: z.iso.datetime({ offset: true }).optional(),
  endedAt: z.iso.datetime({ offset: true }).optional(),
});

export const ZCompleteInput = z.strictObject({
  operationId: z.uuid(),
  actor: z.string().trim().min(1).max(200),
  fencingToken: ZToken,
  status: z.enum(EXECUTION_STATUSES),
  summary: z.string().trim().min(1).max(2000),
  detail: ZDetail.default({}),
});

/** A step's or an outcome's detail is kept with the operation and in the audit trail: bounded like parameters. */
export const MAX_REPORT_DETAIL_BYTES = 64 * 1024;
