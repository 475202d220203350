// Request bodies of the source refresh and of deciding on a held change
// (docs/graph-sources.md): parsed by the use cases, described by the endpoints.
import { z } from "zod";

export const ZRefreshSourcesInput = z.strictObject({
  source: z.enum(["CATALOG", "TRACES"]).optional().meta({ description: "Refresh only this source; every configured one when left out" }),
});

export const ZApproveHeldChangeInput = z.strictObject({
  note: z.string().trim().min(1, "must not be empty").max(2_000, "must be at most 2000 characters").optional().meta({ description: "Why, for the audit trail" }),
});

export const ZRejectHeldChangeInput = z.strictObject({
  note: z.string().trim().min(1, "is required: say why the elements stay").max(2_000, "must be at most 2000 characters").meta({ description: "Why the elements stay (required)" }),
});

export const ZHeldChangeIdParams = z.strictObject({ id: z.uuid({ message: "must be a held change id (a UUID)" }) });
