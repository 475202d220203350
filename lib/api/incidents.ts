// Response schemas of the incidents read side, safe for the browser: zod only.
// They describe exactly what server/core/incidents/list-incidents.ts and
// get-incident.ts return; a type test in
// server/adapters/postgres/incident-queries.integration.test.ts fails the build
// when the two drift. Each named schema is an OpenAPI component.
import { z } from "zod";
import { AUDIT_SEVERITIES } from "./audit";
import { ZJsonObject, ZOperationSummary } from "./operations";

export const INCIDENT_STATUSES = ["OPEN", "ACKNOWLEDGED", "MITIGATING", "RESOLVED", "ESCALATED", "FAILED"] as const;
/** Who opened an incident (docs/incidents.md#sources). */
export const INCIDENT_SOURCES = ["ALERTMANAGER", "API", "CONSOLE", "DEMO"] as const;
/** The moves a person or a tool asks for with PATCH /api/v1/incidents/{id} (docs/incidents.md#states). */
export const INCIDENT_MOVES = ["ACKNOWLEDGED", "MITIGATING", "RESOLVED"] as const;

const ZDateTime = z.iso.datetime();

export const ZIncidentSummary = z
  .strictObject({
    id: z.guid(),
    key: z.string(),
    service: z.string().describe("The affected service's name"),
    title: z.string(),
    status: z.enum(INCIDENT_STATUSES),
    severity: z.enum(AUDIT_SEVERITIES),
    correlationId: z.string(),
    approach: z.string().nullable(),
    summary: ZJsonObject,
    source: z.enum(INCIDENT_SOURCES),
    groupKey: z.string().nullable().describe("The alert group it stands for (Alertmanager intake)"),
    detectedAt: ZDateTime,
    acknowledgedAt: ZDateTime.nullable(),
    acknowledgedBy: z.string().nullable(),
    mitigatingAt: ZDateTime.nullable(),
    resolvedAt: ZDateTime.nullable(),
    resolvedBy: z.string().nullable(),
    createdAt: ZDateTime,
  })
  .meta({ id: "IncidentSummary" });

export const ZIncidentPage = z
  .strictObject({
    items: z.array(ZIncidentSummary),
    nextCursor: z.string().nullable().describe("Pass back as `cursor` for the next page; null on the last page"),
  })
  .meta({ id: "IncidentPage" });

export const ZIncidentStage = z
  .strictObject({
    id: z.guid(),
    stage: z.string(),
    startedAt: ZDateTime,
    endedAt: ZDateTime.nullable(),
    outcome: z.string().nullable(),
    detail: ZJsonObject,
  })
  .meta({ id: "IncidentStage" });

export const ZIncidentAlert = z
  .strictObject({
    fingerprint: z.string(),
    alertname: z.string(),
    status: z.enum(["firing", "resolved"]),
    labels: z.record(z.string(), z.string()),
    annotations: z.record(z.string(), z.string()),
    startsAt: ZDateTime,
    endsAt: ZDateTime.nullable(),
    generatorUrl: z.string().nullable(),
    updatedAt: ZDateTime,
  })
  .meta({ id: "IncidentAlert" });

export const ZIncidentNote = z.strictObject({ at: ZDateTime, by: z.string(), status: z.enum(INCIDENT_STATUSES), note: z.string() }).meta({ id: "IncidentNote" });

export const REMEDIATION_MODES = ["DRY_RUN", "AUTO", "ASK"] as const;
export const REMEDIATION_OUTCOMES = ["SUBMITTED", "DRY_RUN", "BREAKER_TRIPPED", "BREAKER_OPEN", "FAILED"] as const;

export const ZRemediationMatch = z
  .strictObject({
    id: z.guid(),
    ruleId: z.guid(),
    ruleName: z.string(),
    incidentId: z.guid(),
    incidentKey: z.string(),
    service: z.string(),
    fingerprint: z.string(),
    at: ZDateTime,
    mode: z.enum(REMEDIATION_MODES),
    outcome: z.enum(REMEDIATION_OUTCOMES).describe("SUBMITTED; DRY_RUN: recorded only; BREAKER_TRIPPED: this match tripped the breaker and went to review; BREAKER_OPEN: the breaker was open, nothing submitted; FAILED: the submission was refused"),
    reason: z.string(),
    submission: ZJsonObject.describe("What was (or would have been) submitted"),
    operationId: z.guid().nullable(),
  })
  .meta({ id: "RemediationMatch" });

export const TIMELINE_KINDS = ["DETECTED", "ALERT_FIRING", "ALERT_RESOLVED", "ACKNOWLEDGED", "REMEDIATION", "OPERATION", "MITIGATING", "STAGE", "RESOLVED", "NOTE"] as const;

export const ZIncidentTimelineEntry = z
  .strictObject({
    at: ZDateTime,
    kind: z.enum(TIMELINE_KINDS),
    label: z.string().describe("What happened, in a sentence"),
    actor: z.string().nullable(),
    operationId: z.guid().nullable(),
  })
  .meta({ id: "IncidentTimelineEntry" });

export const ZIncidentDetail = z
  .strictObject({
    incident: ZIncidentSummary,
    stages: z.array(ZIncidentStage),
    operations: z.array(ZOperationSummary).describe("Oldest first"),
    operationsTruncated: z.boolean().describe("More operations exist; list operations by incidentId for all"),
    alerts: z.array(ZIncidentAlert).describe("Alertmanager's alerts of the incident, by fingerprint"),
    notes: z.array(ZIncidentNote),
    matches: z.array(ZRemediationMatch).describe("What the remediation rules did for it, oldest first"),
    timeline: z.array(ZIncidentTimelineEntry).describe("Every recorded move, oldest first, from stored times (docs/incidents.md#the-timeline)"),
    mttrSeconds: z.number().nullable().describe("resolvedAt − detectedAt; null while unresolved"),
  })
  .meta({ id: "IncidentDetail" });

export const ZOpenIncidentRequest = z
  .strictObject({
    service: z.string().min(1).max(200),
    title: z.string().trim().min(1).max(500),
    severity: z.enum(AUDIT_SEVERITIES).default("ERROR"),
    note: z.string().trim().max(4000).optional(),
    correlationId: z.string().trim().min(1).max(200).optional(),
  })
  .meta({ id: "OpenIncidentRequest" });

export const ZMoveIncidentRequest = z
  .strictObject({
    status: z.enum(INCIDENT_MOVES),
    note: z.string().trim().max(4000).optional(),
  })
  .meta({ id: "MoveIncidentRequest", description: "OPEN → ACKNOWLEDGED → MITIGATING → RESOLVED; a later state may be reached directly; RESOLVED is final" });

export type TIncidentAlert = z.infer<typeof ZIncidentAlert>;
export type TRemediationMatch = z.infer<typeof ZRemediationMatch>;
export type TIncidentTimelineEntry = z.infer<typeof ZIncidentTimelineEntry>;

export type TIncidentSummary = z.infer<typeof ZIncidentSummary>;
export type TIncidentPage = z.infer<typeof ZIncidentPage>;
export type TIncidentDetail = z.infer<typeof ZIncidentDetail>;

export const ZAlertmanagerIntakeResult = z
  .strictObject({
    changed: z.boolean().describe("Whether anything was written; false for a redelivered or late notification"),
    groups: z.array(
      z.strictObject({
        groupKey: z.string(),
        service: z.string(),
        incidentId: z.guid().nullable(),
        incidentKey: z.string().nullable(),
        result: z.enum(["opened", "updated", "resolved", "unchanged"]),
        alerts: z.array(z.strictObject({ fingerprint: z.string(), alertname: z.string(), change: z.enum(["FIRING", "FIRING_AGAIN", "RESOLVED", "UNCHANGED", "LATE"]) })),
      }),
    ),
    remediations: z.array(
      z.strictObject({
        matchId: z.guid(),
        rule: z.string(),
        fingerprint: z.string(),
        outcome: z.enum(REMEDIATION_OUTCOMES),
        operationId: z.guid().nullable(),
        reason: z.string(),
      }),
    ),
  })
  .meta({ id: "AlertmanagerIntakeResult" });

export const ZIncidentRef = z.strictObject({ id: z.guid(), key: z.string() }).meta({ id: "IncidentRef" });
export const ZIncidentMoved = z.strictObject({ status: z.enum(INCIDENT_STATUSES) }).meta({ id: "IncidentMoved" });
