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
    // ISO 8601 with an offset, kept as text (made a Date when the store is asked).
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    beforeSeq: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().meta({ description: "Cursor: nextBeforeSeq of the previous page" }),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict()
  .refine((q) => !q.from || !q.to || Date.parse(q.from) <= Date.parse(q.to), { message: "from must not be after to", path: ["from"] });

export type TAuditQueryInput = z.input<typeof ZAuditQuerySchema>;
/** The query once parsed. */
export type AuditEventsQuery = z.output<typeof ZAuditQuerySchema>;

/** Newest first, filtered, one page at a time (keyset on seq, so deep pages stay fast), from a query as it arrives (parsed here). */
export async function queryAuditEvents(deps: { store: AuditStore }, input: TAuditQueryInput): Promise<AuditPage> {
  const parsed = ZAuditQuerySchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError("VALIDATION_FAILED", `Invalid audit query: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    });
  }
  return queryAuditEventsPage(deps, parsed.data);
}

/** The same from a query already parsed with ZAuditQuerySchema (the API endpoint parses its query once). */
export async function queryAuditEventsPage(deps: { store: AuditStore }, q: AuditEventsQuery): Promise<AuditPage> {
  const { from, to, ...rest } = q;
  const query: AuditQuery = { ...rest, ...(from ? { from: new Date(from) } : {}), ...(to ? { to: new Date(to) } : {}) };
  return deps.store.query(query);
}
