import { z } from "zod";
import { AppError } from "../errors";
import type { AuditPage, AuditQuery, AuditStore } from "./ports";
import { AUDIT_CATEGORIES, AUDIT_SEVERITIES } from "./types";

export const ZAuditQuerySchema = z
  .object({
    category: z.enum(AUDIT_CATEGORIES).optional(),
    severity: z.enum(AUDIT_SEVERITIES).optional(),
    actor: z.string().min(1).max(200).optional(),
    service: z.string().min(1).max(200).optional(),
    operationId: z.uuid().optional(),
    correlationId: z.string().min(1).max(200).optional(),
    action: z.string().min(1).max(200).optional(),
    from: z.coerce.date().optional(),
    to: z.coerce.date().optional(),
    beforeSeq: z.coerce.number().int().positive().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: "from must not be after to", path: ["from"] });

export type TAuditQueryInput = z.input<typeof ZAuditQuerySchema>;

/** Newest first, filtered, one page at a time (keyset on seq, so deep pages stay fast). */
export async function queryAuditEvents(deps: { store: AuditStore }, input: TAuditQueryInput): Promise<AuditPage> {
  const parsed = ZAuditQuerySchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError("VALIDATION_FAILED", `Invalid audit query: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    });
  }
  return deps.store.query(parsed.data as AuditQuery);
}
