// Request and response schemas of the safety gate and conflict policy settings
// (GET/PUT /api/v1/settings/gates and /conflict-policy), safe for the browser:
// zod only. The shapes are server/core/gates/gate-config.ts's GateConfig and
// server/core/conflicts/policy.ts's ConflictPolicy; the ranges are checked by
// the core, whose VALIDATION_FAILED answer names every bad field.
import { z } from "zod";
import { CONFLICT_ACTIONS, CONFLICT_SEVERITIES, OPERATION_TYPES, SAFETY_GATES } from "./operations";

export const GATE_FAILURE_ACTIONS = ["PAUSE_FOR_REVIEW", "BLOCK"] as const;

/** The unit of each gate's threshold (server/core/gates/gate-config.ts). */
export const GATE_THRESHOLD_UNITS: Record<(typeof SAFETY_GATES)[number], string> = {
  ERROR_BUDGET: "% error budget used (maximum)",
  BLAST_RADIUS: "% of services (maximum)",
  RECENT_FAILURES: "failures per hour (must stay below)",
  COOLDOWN: "seconds since the last change (minimum)",
  RESOURCE_CAPACITY: "% headroom (minimum)",
  INCIDENT_RATE: "incidents per hour (must stay below)",
};

export const ZGateRule = z
  .strictObject({
    enabled: z.boolean(),
    threshold: z.number(),
    onFailure: z.enum(GATE_FAILURE_ACTIONS),
    appliesTo: z.array(z.enum(OPERATION_TYPES)),
  })
  .meta({ id: "GateRule" });

const gatesOf = <T extends z.ZodType>(rule: T) =>
  z.strictObject({ ERROR_BUDGET: rule, BLAST_RADIUS: rule, RECENT_FAILURES: rule, COOLDOWN: rule, RESOURCE_CAPACITY: rule, INCIDENT_RATE: rule });

export const ZGateConfig = z.strictObject({ gates: gatesOf(ZGateRule) }).meta({ id: "GateConfig" });

export const ZGateConfigInput = z
  .strictObject({ gates: gatesOf(ZGateRule.partial().optional()).optional() })
  .meta({ id: "GateConfigInput", description: "Every field optional: missing ones are taken from the built-in defaults (docs/gates.md)" });

export const ZGateSettings = z.object({ config: ZGateConfig, defaults: ZGateConfig }).meta({ id: "GateSettings" });

export const ZConflictRule = z.strictObject({ enabled: z.boolean(), severity: z.enum(CONFLICT_SEVERITIES), action: z.enum(CONFLICT_ACTIONS) }).meta({ id: "ConflictRule" });

const rulesOf = <T extends z.ZodType>(rule: T) =>
  z.strictObject({ DIRECT: rule, DEPENDENCY: rule, DOWNSTREAM: rule, UPSTREAM: rule, SHARED_RESOURCE: rule, CASCADE: rule, TIMING: rule });

export const ZConflictPolicy = z
  .strictObject({ depth: z.number().int(), timingWindowSeconds: z.number().int(), rules: rulesOf(ZConflictRule) })
  .meta({ id: "ConflictPolicy" });

export const ZConflictPolicyInput = z
  .strictObject({ depth: z.number().optional(), timingWindowSeconds: z.number().optional(), rules: rulesOf(ZConflictRule.partial().optional()).optional() })
  .meta({ id: "ConflictPolicyInput", description: "Every field optional: missing ones are taken from the defaults" });

export const ZConflictPolicySettings = z.object({ policy: ZConflictPolicy, defaults: ZConflictPolicy }).meta({ id: "ConflictPolicySettings" });

export type TGateRule = z.infer<typeof ZGateRule>;
export type TGateConfig = z.infer<typeof ZGateConfig>;
export type TGateSettings = z.infer<typeof ZGateSettings>;
export type TConflictPolicy = z.infer<typeof ZConflictPolicy>;
export type TConflictPolicySettings = z.infer<typeof ZConflictPolicySettings>;

/** Incident settings (docs/incidents.md#settings): the manual-MTTR baseline and how Alertmanager's alerts become incidents. */
export const ZIncidentSettings = z
  .strictObject({
    manualMttrMinutes: z.number().min(1).max(10_080).describe("How long an incident takes to resolve by hand: the baseline the demo and the incident pages compare with"),
    intake: z.strictObject({
      groupBy: z.array(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "a Prometheus label name")).min(1).max(10).describe("Labels whose values make an alert group: one open incident per group"),
      serviceLabel: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "a Prometheus label name").describe("The label naming the affected service"),
      severityLabel: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "a Prometheus label name"),
      severityMap: z.record(z.string().min(1).max(50), z.enum(["INFO", "WARNING", "ERROR", "CRITICAL"])).describe("Severity label value → incident severity; unlisted values get defaultSeverity"),
      defaultSeverity: z.enum(["INFO", "WARNING", "ERROR", "CRITICAL"]),
    }),
    haltOnIncidentSeverity: z
      .enum(["INFO", "WARNING", "ERROR", "CRITICAL"])
      .nullable()
      .describe("While an incident of this severity or worse is unresolved on a service, new deployments, config changes and maintenance of that service halt (docs/freezes.md#halts-from-incidents); null: never"),
  })
  .meta({ id: "IncidentSettings" });

export const ZIncidentSettingsInput = z
  .strictObject({
    manualMttrMinutes: z.number().optional(),
    intake: ZIncidentSettings.shape.intake.partial().optional(),
    haltOnIncidentSeverity: ZIncidentSettings.shape.haltOnIncidentSeverity.optional(),
  })
  .meta({ id: "IncidentSettingsInput", description: "Every field optional: missing ones are kept from the defaults" });

export const ZIncidentSettingsView = z.object({ settings: ZIncidentSettings, defaults: ZIncidentSettings }).meta({ id: "IncidentSettingsView" });

export type TIncidentSettings = z.infer<typeof ZIncidentSettings>;
export type TIncidentSettingsView = z.infer<typeof ZIncidentSettingsView>;
