import "server-only";
import type { AuditSeverity } from "../../core/audit/types";
import type { IncidentDetailRecord, IncidentFilter, IncidentQueries, IncidentStageView, IncidentStatus, IncidentSummary } from "../../core/incidents/ports";
import type { JsonObject } from "../../core/operations/query-ports";
import type { Keyed, PageRequest } from "../../core/pagination";
import type { Database } from "./database";
import { iso, isoOrNull, keyAt, operationSummaryColumns, readSnapshot, toOperationSummary } from "./operation-queries";

// The read side of incidents in Postgres (and PGlite): keyset pages on
// (detected_at, id), and one incident with its stages and operations read in
// one snapshot.

const json = <T,>(value: unknown): T => (typeof value === "string" ? JSON.parse(value) : value) as T;

const INCIDENT_COLUMNS = `i.id::text AS id, i.key, s.name AS service, i.title, i.status::text AS status, i.severity::text AS severity,
  i.correlation_id, i.approach, i.summary, i.detected_at, i.resolved_at, i.created_at, ${keyAt("i.detected_at")} AS key_at`;

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
  detected_at: Date | string;
  resolved_at: Date | string | null;
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
    detectedAt: iso(row.detected_at),
    resolvedAt: isoOrNull(row.resolved_at),
    createdAt: iso(row.created_at),
  };
}

export class PostgresIncidentQueries implements IncidentQueries {
  constructor(private readonly db: Database) {}

  async listIncidents(filter: IncidentFilter, page: PageRequest): Promise<Keyed<IncidentSummary>[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, ...values: unknown[]) => {
      let text = clause;
      for (const value of values) {
        params.push(value);
        text = text.replace("?", `$${params.length}`);
      }
      where.push(text);
    };
    if (filter.statuses) add(`i.status = ANY(?::text[]::"IncidentStatus"[])`, filter.statuses);
    if (filter.service) add(`s.name = ?`, filter.service);
    if (filter.correlationId) add(`i.correlation_id = ?`, filter.correlationId);
    if (filter.since) add(`i.detected_at >= ?::timestamptz`, filter.since.toISOString());
    if (filter.before) add(`i.detected_at < ?::timestamptz`, filter.before.toISOString());
    if (page.after) add(`(i.detected_at, i.id) < (?::timestamptz, ?::uuid)`, page.after.at, page.after.id);
    params.push(page.limit);
    const rows = await this.db.query<IncidentRow>(
      `SELECT ${INCIDENT_COLUMNS} FROM incidents i JOIN services s ON s.id = i.service_id ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY i.detected_at DESC, i.id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map((row) => ({ item: toIncident(row), position: { at: row.key_at, id: row.id } }));
  }

  async getIncident(id: string, options: { operationLimit: number }): Promise<IncidentDetailRecord | null> {
    return readSnapshot(this.db, async (sql) => {
      const [incident] = await sql.query<IncidentRow>(`SELECT ${INCIDENT_COLUMNS} FROM incidents i JOIN services s ON s.id = i.service_id WHERE i.id = $1::uuid`, [id]);
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
      return {
        incident: toIncident(incident),
        stages: stages.map((s): IncidentStageView => ({ id: s.id, stage: s.stage, startedAt: iso(s.started_at), endedAt: isoOrNull(s.ended_at), outcome: s.outcome, detail: json<JsonObject>(s.detail) })),
        operations: operations.slice(0, options.operationLimit).map((row) => toOperationSummary(row)),
        operationsTruncated: operations.length > options.operationLimit,
      };
    });
  }
}
