// Request and response schemas of remediation rules (docs/incidents.md#remediation-rules),
// safe for the browser: zod only. The server validates with the same schemas.
import { z } from "zod";
import { ZTimestamp } from "./common";
import { REMEDIATION_MODES, ZRemediationMatch } from "./incidents";
import { OPERATION_TYPES } from "./operations";

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export const ZRuleMatch = z
  .strictObject({
    alertname: z.string().min(1).max(200).optional(),
    service: z.string().min(1).max(200).optional(),
    severity: z.string().min(1).max(50).optional(),
    labels: z.record(z.string().regex(LABEL_NAME, "a Prometheus label name"), z.string().max(500)).optional(),
  })
  .refine((m) => m.alertname !== undefined || m.service !== undefined || m.severity !== undefined || Object.keys(m.labels ?? {}).length > 0, {
    message: "say at least one of alertname, service, severity or labels: a rule that matches every alert is not allowed",
  })
  .meta({ id: "RemediationRuleMatch", description: "Every field given must equal the alert's label of that name (service: the configured service label)" });

export const ZRuleOperation = z
  .strictObject({
    type: z.enum(OPERATION_TYPES),
    params: z
      .record(z.string().min(1).max(100), z.union([z.string().max(1000), z.number(), z.boolean()]))
      .default({})
      .describe("Strings may use {{labels.NAME}}, {{service}}, {{alertname}}, {{severity}} and {{incident.key}}; a missing label fails the match"),
    priority: z.enum(["CRITICAL", "HIGH", "NORMAL", "LOW"]).optional(),
  })
  .meta({ id: "RemediationRuleOperation" });

export const ZRuleBreaker = z
  .strictObject({
    maxPerIncident: z.number().int().min(1).max(100).default(2),
    maxPerHourPerService: z.number().int().min(1).max(1000).default(3),
  })
  .meta({ id: "RemediationRuleBreaker" });

export const ZRemediationRuleInput = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    enabled: z.boolean().default(true),
    mode: z.enum(REMEDIATION_MODES).default("DRY_RUN"),
    match: ZRuleMatch,
    operation: ZRuleOperation,
    breaker: ZRuleBreaker.default({ maxPerIncident: 2, maxPerHourPerService: 3 }),
  })
  .meta({ id: "RemediationRuleInput" });

export const ZRemediationRulePatch = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    enabled: z.boolean().optional(),
    mode: z.enum(REMEDIATION_MODES).optional(),
    match: ZRuleMatch.optional(),
    operation: ZRuleOperation.optional(),
    breaker: ZRuleBreaker.partial().optional(),
    resetBreaker: z.literal(true).optional().describe("Close a tripped breaker: the rule submits again"),
  })
  .meta({ id: "RemediationRulePatch" });

export const ZRemediationRule = z
  .strictObject({
    id: z.guid(),
    name: z.string(),
    enabled: z.boolean(),
    mode: z.enum(REMEDIATION_MODES),
    match: z.strictObject({ alertname: z.string().optional(), service: z.string().optional(), severity: z.string().optional(), labels: z.record(z.string(), z.string()).optional() }),
    operation: z.strictObject({ type: z.enum(OPERATION_TYPES), params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])), priority: z.enum(["CRITICAL", "HIGH", "NORMAL", "LOW"]).optional() }),
    breaker: z.strictObject({ maxPerIncident: z.number().int(), maxPerHourPerService: z.number().int() }),
    trippedAt: ZTimestamp.nullable().describe("Set while the breaker is open: the rule submits nothing until an admin resets it"),
    trippedReason: z.string().nullable(),
    createdBy: z.string(),
    createdAt: ZTimestamp,
    updatedBy: z.string(),
    updatedAt: ZTimestamp,
    matchesLastHour: z.number().int().describe("Matches recorded in the last hour, every outcome"),
  })
  .meta({ id: "RemediationRule" });

export const ZRemediationRuleList = z.strictObject({ items: z.array(ZRemediationRule) }).meta({ id: "RemediationRuleList" });

export const ZRemediationRuleDetail = z
  .strictObject({ rule: ZRemediationRule, matches: z.array(ZRemediationMatch).describe("The most recent first, at most 100") })
  .meta({ id: "RemediationRuleDetail" });

export const ZRemediationMatchPage = z.strictObject({ items: z.array(ZRemediationMatch) }).meta({ id: "RemediationMatchPage" });

export type TRemediationRule = z.infer<typeof ZRemediationRule>;
export type TRemediationRuleInput = z.input<typeof ZRemediationRuleInput>;
export type TRemediationRuleDetail = z.infer<typeof ZRemediationRuleDetail>;
