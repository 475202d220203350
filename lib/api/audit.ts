import { z } from "zod";
import { ZTimestamp } from "./common";

export const AUDIT_CATEGORIES = [
  "INCIDENT_DETECTION", "ROOT_CAUSE_ANALYSIS", "CODE_LOCALIZATION", "FIX_PLANNING", "PATCH_GENERATION", "SAFETY_GATES", "DEPLOYMENT", "VERIFICATION",
  "ROLLBACK", "LOCK_OPERATION", "CONFLICT_DETECTION", "STATE_TRANSITION", "NOTIFICATION", "MANUAL_INTERVENTION", "SYSTEM_HEALTH", "ACCESS",
] as const;
export const AUDIT_SEVERITIES = ["INFO", "WARNING", "ERROR", "CRITICAL"] as const;

export const ZAuditEvent = z
  .object({
    seq: z.number().int(),
    category: z.enum(AUDIT_CATEGORIES),
    severity: z.enum(AUDIT_SEVERITIES),
    actor: z.string(),
    service: z.string().nullable(),
    operationId: z.string().nullable(),
    correlationId: z.string().nullable(),
    action: z.string(),
    payload: z.record(z.string(), z.unknown()),
    at: ZTimestamp,
    prevHash: z.string(),
    hash: z.string().meta({ description: "SHA-256 over prevHash and the event's canonical (RFC 8785) bytes" }),
  })
  .meta({ id: "AuditEvent" });

export const ZAuditPage = z.object({ events: z.array(ZAuditEvent), nextBeforeSeq: z.number().int().nullable() }).meta({ id: "AuditPage" });

const ZVerification = z
  .object({
    valid: z.boolean(),
    checked: z.number().int(),
    firstBadSeq: z.number().int().nullable(),
    kind: z.enum(["edited", "deleted", "reordered", "truncated", "forged-checkpoint", "missing-checkpoints"]).nullable(),
    detail: z.string().nullable(),
    checkpoints: z.number().int(),
    lastSeq: z.number().int(),
  })
  .meta({ id: "AuditVerification" });
export const ZAuditVerification = ZVerification.extend({
  joined: z.boolean().meta({ description: "true when this request waited for a verification already running on this server and answers its verdict" }),
}).meta({ id: "AuditVerificationRun" });

export const ZAuditStatistics = z
  .object({
    total: z.number().int(),
    byCategory: z.record(z.string(), z.number()),
    bySeverity: z.record(z.string(), z.number()),
    uniqueActors: z.number().int(),
    uniqueServices: z.number().int(),
    firstAt: z.string().nullable(),
    lastAt: z.string().nullable(),
    eventsPerHour: z.number(),
    hashChainValid: z.boolean().nullable(),
    lastVerification: ZVerification.nullable(),
  })
  .meta({ id: "AuditStatistics" });
