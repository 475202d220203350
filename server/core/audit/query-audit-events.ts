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
    // ISO 8601 with an offset, kept as text so that parsing twice (route, then here) is harmless.
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    beforeSeq: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().meta({ description: "Cursor: nextBeforeSeq of the previous page" }),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict()
  .refine((q) => !q.from || !q.to || Date.parse(q.from) <= Date.parse(q.to), { message: "from must not be after to", path: ["from"] });

export type TAuditQueryInput = z.input<typeof ZAuditQuerySchema>;

/** Newest first, filtered, one page at a time (keyset on seq, so deep pages stay fast). */
export async function queryAuditEvents(deps: { store: AuditStore }, input: TAuditQueryInput): Promise<AuditPage> {
  const parsed = ZAuditQuerySchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError("VALIDATION_FAILED", `Invalid audit query: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    });
  }
  const { from, to, ...rest } = parsed.data;
  const query: AuditQuery = { ...rest, ...(from ? { from: new Date(from) } : {}), ...(to ? { to: new Date(to) } : {}) };
  return deps.store.query(query);
}
