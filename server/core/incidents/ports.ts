// The read side of incidents (docs/specification.md#incidents-and-the-demo): what the console's incident pages and the
// REST API show. Queries only. Timestamps are ISO-8601 strings, as in
// lib/api/incidents.ts (a type test keeps the two equal).
import type { AuditSeverity } from "../audit/types";
import type { JsonObject, OperationSummary } from "../operations/query-ports";
import type { Keyed, PageRequest } from "../pagination";
import type { RemediationMode, RemediationOutcome } from "../remediation/types";
import type { IncidentNote, IncidentSource } from "./incident-store";

/** The Prisma enum IncidentStatus. */
export const INCIDENT_STATUSES = ["OPEN", "ACKNOWLEDGED", "MITIGATING", "RESOLVED", "ESCALATED", "FAILED"] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export interface IncidentSummary {
  id: string;
  /** The human key, e.g. "INC-2026-0042". */
  key: string;
  /** The affected service's name. */
  service: string;
  title: string;
  status: IncidentStatus;
  severity: AuditSeverity;
  correlationId: string;
  /** The remediation approach chosen, once there is one. */
  approach: string | null;
  summary: JsonObject;
  source: IncidentSource;
  /** The alert group it stands for (Alertmanager intake). */
  groupKey: string | null;
  detectedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  mitigatingAt: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  createdAt: string;
}

export interface IncidentAlertView {
  fingerprint: string;
  alertname: string;
  status: "firing" | "resolved";
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string | null;
  generatorUrl: string | null;
  updatedAt: string;
}

export interface RemediationMatchView {
  id: string;
  ruleId: string;
  ruleName: string;
  incidentId: string;
  incidentKey: string;
  service: string;
  fingerprint: string;
  at: string;
  mode: RemediationMode;
  outcome: RemediationOutcome;
  reason: string;
  submission: JsonObject;
  operationId: string | null;
}

/** One operation's state change, for the timeline. */
export interface OperationTransitionView {
  operationId: string;
  type: string;
  from: string | null;
  to: string;
  actor: string;
  at: string;
}

/** One pipeline stage (detection, root cause analysis, …): the MTTR timeline is drawn from these. */
export interface IncidentStageView {
  id: string;
  stage: string;
  startedAt: string;
  endedAt: string | null;
  outcome: string | null;
  detail: JsonObject;
}

export interface IncidentDetailRecord {
  incident: IncidentSummary;
  /** Ordered by started_at. */
  stages: IncidentStageView[];
  /** The operations run for the incident, oldest first, at most `operationLimit`. */
  operations: OperationSummary[];
  /** More operations exist than `operationLimit` (list operations by incidentId for all). */
  operationsTruncated: boolean;
  alerts: IncidentAlertView[];
  notes: IncidentNote[];
  /** Oldest first. */
  matches: RemediationMatchView[];
  /** The listed operations' state changes, oldest first. */
  transitions: OperationTransitionView[];
}

export interface IncidentFilter {
  statuses?: IncidentStatus[];
  /** Service name. */
  service?: string;
  correlationId?: string;
  sources?: IncidentSource[];
  /** detected_at ≥ since. */
  since?: Date;
  /** detected_at < before. */
  before?: Date;
}

export interface IncidentQueries {
  /** Newest first by (detected_at desc, id desc): up to `page.limit` incidents after `page.after`. */
  listIncidents(filter: IncidentFilter, page: PageRequest): Promise<Keyed<IncidentSummary>[]>;
  /** One incident with its stages and operations, read in one snapshot; null when there is none. */
  getIncident(id: string, options: { operationLimit: number }): Promise<IncidentDetailRecord | null>;
}
