// What an admin may write as a remediation rule (docs/incidents.md#remediation-rules),
// validated in the core. lib/api/remediation.ts describes the same shapes for
// the browser and the OpenAPI document; server/http/api/incident-schemas-match.test.ts fails the type
// check when the two drift.
import { z } from "zod";
import { OPERATION_TYPES } from "../operations/types";
import { REMEDIATION_MODES } from "./types";

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const PRIORITY = z.enum(["CRITICAL", "HIGH", "NORMAL", "LOW"]);

export const ZRuleMatchInput = z
  .strictObject({
    alertname: z.string().min(1).max(200).optional(),
    service: z.string().min(1).max(200).optional(),
    severity: z.string().min(1).max(50).optional(),
    labels: z.record(z.string().regex(LABEL_NAME, "a Prometheus label name"), z.string().max(500)).optional(),
  })
  .refine((m) => m.alertname !== undefined || m.service !== undefined || m.severity !== undefined || Object.keys(m.labels ?? {}).length > 0, {
    message: "say at least one of alertname, service, severity or labels: a rule that matches every alert is not allowed",
  });

export const ZRuleOperationInput = z.strictObject({
  type: z.enum(OPERATION_TYPES),
  params: z.record(z.string().min(1).max(100), z.union([z.string().max(1000), z.number(), z.boolean()])).default({}),
  priority: PRIORITY.optional(),
});

export const ZRuleBreakerInput = z.strictObject({
  maxPerIncident: z.number().int().min(1).max(100).default(2),
  maxPerHourPerService: z.number().int().min(1).max(1000).default(3),
});

export const ZRuleInput = z.strictObject({
  name: z.string().trim().min(1).max(100),
  enabled: z.boolean().default(true),
  mode: z.enum(REMEDIATION_MODES).default("DRY_RUN"),
  match: ZRuleMatchInput,
  operation: ZRuleOperationInput,
  breaker: ZRuleBreakerInput.default({ maxPerIncident: 2, maxPerHourPerService: 3 }),
});

export const ZRulePatch = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  enabled: z.boolean().optional(),
  mode: z.enum(REMEDIATION_MODES).optional(),
  match: ZRuleMatchInput.optional(),
  operation: ZRuleOperationInput.optional(),
  breaker: ZRuleBreakerInput.partial().optional(),
  resetBreaker: z.literal(true).optional(),
});
