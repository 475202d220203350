// Response schemas of the incidents read side, safe for the browser: zod only.
// They describe exactly what server/core/incidents/list-incidents.ts and
// get-incident.ts return; a type test in
// server/adapters/prisma/incident-queries.integration.test.ts fails the build
// when the two drift. Each named schema is an OpenAPI component.
import { z } from "zod";
import { AUDIT_SEVERITIES } from "./audit";
import { ZJsonObject, ZOperationSummary } from "./operations";

export const INCIDENT_STATUSES = ["OPEN", "REMEDIATING", "RESOLVED", "ESCALATED", "FAILED"] as const;

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
    detectedAt: ZDateTime,
    resolvedAt: ZDateTime.nullable(),
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

export const ZIncidentDetail = z
  .strictObject({
    incident: ZIncidentSummary,
    stages: z.array(ZIncidentStage),
    operations: z.array(ZOperationSummary).describe("Oldest first"),
    operationsTruncated: z.boolean().describe("More operations exist; list operations by incidentId for all"),
  })
  .meta({ id: "IncidentDetail" });

export type TIncidentSummary = z.infer<typeof ZIncidentSummary>;
export type TIncidentPage = z.infer<typeof ZIncidentPage>;
export type TIncidentDetail = z.infer<typeof ZIncidentDetail>;
