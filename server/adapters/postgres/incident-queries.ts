import "server-only";
import type { AuditSeverity } from "../../core/audit/types";
import type { IncidentNote, IncidentSource } from "../../core/incidents/incident-store";
import type { IncidentDetailRecord, IncidentFilter, IncidentQueries, IncidentStageView, IncidentStatus, IncidentSummary } from "../../core/incidents/ports";
import type { JsonObject } from "../../core/operations/query-ports";
import { splitPage, type Keyed, type PageRequest } from "../../core/pagination";
import type { Database } from "./database";
import { iso, isoOrNull, operationSummaryColumns, readSnapshot, toOperationSummary } from "./operation-queries";
import { readMatches } from "./remediation-store";
import { json, keyAt, SqlQuery, type Keyset } from "./sql-query-builder";

// The read side of incidents in Postgres (and PGlite): keyset pages on
// (detected_at, id), and one incident with its stages and operations read in
// one snapshot.

const INCIDENT_COLUMNS = `i.id::text AS id, i.key, s.name AS service, i.title, i.status::text AS status, i.severity::text AS severity,
  i.correlation_id, i.approach, i.summary, i.source::text AS source, i.group_key, i.detected_at, i.acknowledged_at, i.acknowledged_by, i.mitigating_at,
  i.resolved_at, i.resolved_by, i.notes, i.created_at, ${keyAt("i.detected_at")} AS key_at`;

const FROM_INCIDENTS = `incidents i JOIN services s ON s.id = i.service_id`;
/** Incidents newest first. */
const INCIDENTS_KEYSET: Keyset = { at: "i.detected_at", id: "i.id", order: "DESC" };

interface IncidentRow {
  id: string;
  key: string;
  service: string;
  title: string;
  status: string;
  severity: string;
  correlation_id: string;
  approach: string | null;
  summary: unknown;
  source: string;
  group_key: string | null;
  detected_at: Date | string;
  acknowledged_at: Date | string | null;
  acknowledged_by: string | null;
  mitigating_at: Date | string | null;
  resolved_at: Date | string | null;
  resolved_by: string | null;
  notes: unknown;
  created_at: Date | string;
  key_at: string;
}

function toIncident(row: IncidentRow): IncidentSummary {
  return {
    id: row.id,
    key: row.key,
    service: row.service,
    title: row.title,
    status: row.status as IncidentStatus,
    severity: row.severity as AuditSeverity,
    correlationId: row.correlation_id,
    approach: row.approach,
    summary: json<JsonObject>(row.summary),
    source: row.source as IncidentSource,
    groupKey: row.group_key,
    detectedAt: iso(row.detected_at),
    acknowledgedAt: isoOrNull(row.acknowledged_at),
    acknowledgedBy: row.acknowledged_by,
    mitigatingAt: isoOrNull(row.mitigating_at),
    resolvedAt: isoOrNull(row.resolved_at),
    resolvedBy: row.resolved_by,
    createdAt: iso(row.created_at),
  };
}

export class PostgresIncidentQueries implements IncidentQueries {
  constructor(private readonly db: Database) {}

  async listIncidents(filter: IncidentFilter, page: PageRequest): Promise<Keyed<IncidentSummary>[]> {
    const q = new SqlQuery();
    if (filter.statuses) q.where(`i.status = ANY(?::text[]::"IncidentStatus"[])`, filter.statuses);
    if (filter.service) q.where(`s.name = ?`, filter.service);
    if (filter.correlationId) q.where(`i.correlation_id = ?`, filter.correlationId);
    if (filter.sources) q.where(`i.source = ANY(?::text[]::"IncidentSource"[])`, filter.sources);
    if (filter.since) q.where(`i.detected_at >= ?::timestamptz`, filter.since.toISOString());
    if (filter.before) q.where(`i.detected_at < ?::timestamptz`, filter.before.toISOString());
    const tail = q.page(INCIDENTS_KEYSET, page);
    const rows = await this.db.query<IncidentRow>(`SELECT ${INCIDENT_COLUMNS} FROM ${FROM_INCIDENTS} ${q.whereClause()} ${tail}`, q.params);
    return rows.map((row) => ({ item: toIncident(row), position: { at: row.key_at, id: row.id } }));
  }

  async getIncident(id: string, options: { operationLimit: number }): Promise<IncidentDetailRecord | null> {
    return readSnapshot(this.db, async (sql) => {
      const [incident] = await sql.query<IncidentRow>(`SELECT ${INCIDENT_COLUMNS} FROM ${FROM_INCIDENTS} WHERE i.id = $1::uuid`, [id]);
      if (!incident) return null;
      const stages = await sql.query<{ id: string; stage: string; started_at: Date | string; ended_at: Date | string | null; outcome: string | null; detail: unknown }>(
        `SELECT id::text AS id, stage, started_at, ended_at, outcome, detail FROM incident_stages WHERE incident_id = $1::uuid ORDER BY started_at, ended_at NULLS LAST, id`,
        [id],
      );
      // No index on operations.incident_id yet: this scans operations (see the read-side notes).
      const operations = await sql.query<Record<string, unknown>>(
        `SELECT ${operationSummaryColumns()} FROM operations o JOIN services s ON s.id = o.service_id WHERE o.incident_id = $1::uuid ORDER BY o.created_at, o.id LIMIT $2`,
        [id, options.operationLimit + 1],
      );
      const listed = splitPage(operations, options.operationLimit);
      const summaries = listed.items.map((row) => toOperationSummary(row));
      const alerts = await sql.query<{ fingerprint: string; alertname: string; status: string; labels: unknown; annotations: unknown; starts_at: Date | string; ends_at: Date | string | null; generator_url: string | null; updated_at: Date | string }>(
        `SELECT fingerprint, alertname, status, labels, annotations, starts_at, ends_at, generator_url, updated_at FROM incident_alerts WHERE incident_id = $1::uuid ORDER BY starts_at, fingerprint`,
        [id],
      );
      const matches = await readMatches(sql, { incidentId: id, limit: 500 }, "ASC");
      const transitions = summaries.length
        ? await sql.query<{ operation_id: string; type: string; from_state: string | null; to_state: string; actor: string; at: Date | string }>(
            `SELECT t.operation_id::text AS operation_id, o.type::text AS type, t.from_state::text AS from_state, t.to_state::text AS to_state, t.actor, t.at
               FROM operation_transitions t JOIN operations o ON o.id = t.operation_id
              WHERE t.operation_id = ANY($1::uuid[]) ORDER BY t.at, t.version`,
            [summaries.map((o) => o.id)],
          )
        : [];
      return {
        incident: toIncident(incident),
        stages: stages.map((s): IncidentStageView => ({ id: s.id, stage: s.stage, startedAt: iso(s.started_at), endedAt: isoOrNull(s.ended_at), outcome: s.outcome, detail: json<JsonObject>(s.detail) })),
        operations: summaries,
        operationsTruncated: listed.more,
        alerts: alerts.map((a) => ({
          fingerprint: a.fingerprint,
          alertname: a.alertname,
          status: a.status === "resolved" ? "resolved" : "firing",
          labels: json<Record<string, string>>(a.labels),
          annotations: json<Record<string, string>>(a.annotations),
          startsAt: iso(a.starts_at),
          endsAt: isoOrNull(a.ends_at),
          generatorUrl: a.generator_url,
          updatedAt: iso(a.updated_at),
        })),
        notes: json<IncidentNote[]>(incident.notes),
        matches: matches.map((m) => ({ ...m, at: m.at.toISOString(), submission: m.submission as JsonObject })),
        transitions: transitions.map((t) => ({ operationId: t.operation_id, type: t.type, from: t.from_state, to: t.to_state, actor: t.actor, at: iso(t.at) })),
      };
    });
  }
}
