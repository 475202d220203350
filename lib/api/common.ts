import { z } from "zod";

// The API's shared shapes. Browser-safe (zod only): the console parses the same
// schemas the server validates against and the OpenAPI document is built from.

export const ZErrorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ description: "Stable machine-readable code, e.g. VALIDATION_FAILED, FORBIDDEN, NOT_FOUND" }),
      message: z.string().meta({ description: "What is wrong, in a sentence a person can act on" }),
      details: z.record(z.string(), z.unknown()),
    }),
  })
  .meta({ id: "ErrorBody", description: "Every 4xx and 5xx answer has this body" });
export type TErrorBody = z.infer<typeof ZErrorBody>;

export const ROLES = ["VIEWER", "OPERATOR", "APPROVER", "ADMIN"] as const;
export const ZRole = z.enum(ROLES).meta({ id: "Role" });

export const ZIdParams = z.strictObject({ id: z.uuid({ message: "must be a UUID" }) });

/** ISO 8601 timestamps with offset, as every response writes them. */
export const ZTimestamp = z.iso.datetime({ offset: true });
