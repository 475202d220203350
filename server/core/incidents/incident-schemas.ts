// What the incident use cases accept (docs/incidents.md), validated in the
// core. lib/api/incidents.ts and lib/api/settings.ts describe the same shapes
// for the browser and the OpenAPI document; server/http/api/incident-schemas-match.test.ts fails the
// type check when the two drift.
import { z } from "zod";
import { AUDIT_SEVERITIES } from "../audit/types";

export const INCIDENT_MOVES = ["ACKNOWLEDGED", "MITIGATING", "RESOLVED"] as const;

export const ZOpenIncidentInput = z.strictObject({
  service: z.string().min(1).max(200),
  title: z.string().trim().min(1).max(500),
  severity: z.enum(AUDIT_SEVERITIES).default("ERROR"),
  note: z.string().trim().max(4000).optional(),
  correlationId: z.string().trim().min(1).max(200).optional(),
});

export const ZMoveIncidentInput = z.strictObject({
  status: z.enum(INCIDENT_MOVES),
  note: z.string().trim().max(4000).optional(),
});

const LABEL_NAME = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "a Prometheus label name");
const SEVERITY = z.enum(["INFO", "WARNING", "ERROR", "CRITICAL"]);

export const ZIncidentSettingsValue = z.strictObject({
  manualMttrMinutes: z.number().min(1).max(10_080),
  intake: z.strictObject({
    groupBy: z.array(LABEL_NAME).min(1).max(10),
    serviceLabel: LABEL_NAME,
    severityLabel: LABEL_NAME,
    severityMap: z.record(z.string().min(1).max(50), SEVERITY),
    defaultSeverity: SEVERITY,
  }),
  // While an incident of this severity or worse is unresolved on a service, its changes halt (docs/freezes.md#halts-from-incidents); null: never.
  haltOnIncidentSeverity: SEVERITY.nullable(),
});

export const ZIncidentSettingsPatch = z.strictObject({
  manualMttrMinutes: z.number().optional(),
  intake: ZIncidentSettingsValue.shape.intake.partial().optional(),
  haltOnIncidentSeverity: SEVERITY.nullable().optional(),
});
