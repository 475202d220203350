import "server-only";
import type { StoreTransaction } from "../../core/audit/ports";
import type { AuditSeverity } from "../../core/audit/types";
import { AppError } from "../../core/errors";
import type { IncidentMoveRow, IncidentSource, IncidentState, IncidentStore, NewIncidentRow } from "../../core/incidents/incident-store";
import type { OpenIncidentState, StoredAlert } from "../../core/incidents/plan-alert-intake";
import type { IncidentStatus } from "../../core/incidents/ports";
import type { Database } from "./database";
import { json } from "./sql-query-builder";
import { runInRawTransaction, sqlOf } from "./transactions";

// Incidents in Postgres (and PGlite), written in the caller's transaction
// (docs/incidents.md). The intake serialises the writers of one alert group
// with a transaction-scoped advisory lock; the unique open_group_key is the
// backstop that makes two open incidents for one group impossible.

/**
 * The next incident key, e.g. INC-2026-0042, for a detection time in $1: the
 * number comes from one sequence, so concurrent writers never pick the same
 * one and nothing scans the table for the last.
 */
export const INCIDENT_KEY_SQL = `'INC-' || extract(year FROM $1::timestamptz AT TIME ZONE 'UTC')::int || '-' || lpad(nextval('incident_number_seq')::text, 4, '0')`;

interface AlertRow {
  fingerprint: string;
  alertname: string;
  status: string;
  labels: unknown;
  annotations: unknown;
  starts_at: Date | string;
  ends_at: Date | string | null;
  generator_url: string | null;
}

const date = (v: Date | string) => (v instanceof Date ? v : new Date(v));

function toAlert(row: AlertRow): StoredAlert {
  return {
    fingerprint: row.fingerprint,
    alertname: row.alertname,
    status: row.status === "resolved" ? "resolved" : "firing",
    labels: json<Record<string, string>>(row.labels),
    annotations: json<Record<string, string>>(row.annotations),
    startsAt: date(row.starts_at),
    endsAt: row.ends_at === null ? null : date(row.ends_at),
    generatorUrl: row.generator_url,
  };
}

/** How long a service found in the topology is taken as known without asking again (every notification asks). */
const KNOWN_SERVICE_MS = 5_000;

export class PostgresIncidentStore implements IncidentStore {
  /** Service name → when it was last found. Only found names are kept: an unknown one is always looked up. */
  private readonly known = new Map<string, number>();

  constructor(private readonly db: Database) {}

  transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return runInRawTransaction(this.db, fn);
  }

  async knownServices(names: string[]): Promise<Set<string>> {
    const now = performance.now();
    const found = new Set(names.filter((name) => now - (this.known.get(name) ?? -Infinity) < KNOWN_SERVICE_MS));
    const ask = names.filter((name) => !found.has(name));
    if (ask.length === 0) return found;
    const rows = await this.db.query<{ name: string }>(`SELECT name FROM services WHERE name = ANY($1::text[])`, [ask]);
    for (const { name } of rows) {
      found.add(name);
      this.known.set(name, now);
    }
    return found;
  }

  async lockGroups(tx: StoreTransaction, groupKeys: string[]): Promise<void> {
    if (groupKeys.length === 0) return;
    // One round trip; WITH ORDINALITY and ORDER BY keep the caller's order, which is what prevents cycles.
    await sqlOf(tx).query(
      `SELECT pg_advisory_xact_lock(hashtextextended('interlock:incident-group:' || k.key, 0))::text FROM unnest($1::text[]) WITH ORDINALITY AS k(key, n) ORDER BY k.n`,
      [groupKeys],
    );
  }

  async readGroup(tx: StoreTransaction, groupKey: string, fingerprints: string[]): Promise<{ open: OpenIncidentState | null; previous: Map<string, StoredAlert> }> {
    // One round trip: this is on every notification's path.
    const alertJson = (a: string) =>
      `json_build_object('fingerprint', ${a}.fingerprint, 'alertname', ${a}.alertname, 'status', ${a}.status, 'labels', ${a}.labels, 'annotations', ${a}.annotations,
        'starts_at', ${a}.starts_at, 'ends_at', ${a}.ends_at, 'generator_url', ${a}.generator_url)`;
    const [row] = await sqlOf(tx).query<{ id: string | null; key: string; correlation_id: string; severity: string; detected_at: Date | string; alerts: unknown; previous: unknown }>(
      `SELECT o.id, o.key, o.correlation_id, o.severity, o.detected_at, o.alerts,
              (SELECT coalesce(json_agg(p.alert), '[]'::json) FROM (
                 SELECT DISTINCT ON (a.fingerprint) ${alertJson("a")} AS alert
                   FROM incidents i JOIN incident_alerts a ON a.incident_id = i.id
                  WHERE i.group_key = $1 AND a.fingerprint = ANY($2::text[])
                  ORDER BY a.fingerprint, a.starts_at DESC, a.updated_at DESC) p) AS previous
         FROM (SELECT 1) AS one
         LEFT JOIN LATERAL (
           SELECT i.id::text AS id, i.key, i.correlation_id, i.severity::text AS severity, i.detected_at,
                  (SELECT coalesce(json_agg(${alertJson("a")}), '[]'::json) FROM incident_alerts a WHERE a.incident_id = i.id) AS alerts
             FROM incidents i WHERE i.open_group_key = $1 FOR UPDATE OF i) AS o ON true`,
      [groupKey, fingerprints],
    );
    const previous = new Map(json<AlertRow[]>(row?.previous ?? []).map((a) => [a.fingerprint, toAlert(a)] as const));
    if (!row || row.id === null) return { open: null, previous };
    return {
      open: {
        id: row.id,
        key: row.key,
        correlationId: row.correlation_id,
        severity: row.severity as AuditSeverity,
        detectedAt: date(row.detected_at),
        alerts: json<AlertRow[]>(row.alerts).map(toAlert),
      },
      previous,
    };
  }

  async create(tx: StoreTransaction, incident: NewIncidentRow): Promise<{ id: string; key: string }> {
    const rows = await sqlOf(tx).query<{ id: string; key: string }>(
      `INSERT INTO incidents (id, key, service_id, title, status, severity, source, correlation_id, group_key, open_group_key, detected_at, resolved_at, resolved_by, notes)
       SELECT $2::uuid, ${INCIDENT_KEY_SQL}, s.id, $3, $4::"IncidentStatus", $5::"AuditSeverity", $6::"IncidentSource", $7, $8,
              CASE WHEN $4 = 'RESOLVED' THEN NULL ELSE $8 END, $1::timestamptz, $9::timestamptz, $10, $11::jsonb
         FROM services s WHERE s.name = $12
       RETURNING id::text AS id, key`,
      [
        incident.detectedAt.toISOString(),
        incident.id,
        incident.title,
        incident.status,
        incident.severity,
        incident.source,
        incident.correlationId,
        incident.groupKey,
        incident.resolvedAt?.toISOString() ?? null,
        incident.resolvedBy,
        JSON.stringify(incident.notes),
        incident.service,
      ],
    );
    const row = rows[0];
    if (!row) throw new AppError("NOT_FOUND", `No service named ${incident.service} in the topology: an incident must name a known service`, { service: incident.service });
    return row;
  }

  async writeAlerts(tx: StoreTransaction, incidentId: string, alerts: StoredAlert[], at: Date): Promise<void> {
    if (alerts.length === 0) return;
    const rows = alerts.map((a) => ({
      fingerprint: a.fingerprint,
      alertname: a.alertname,
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      starts_at: a.startsAt.toISOString(),
      ends_at: a.endsAt?.toISOString() ?? null,
      generator_url: a.generatorUrl,
    }));
    await sqlOf(tx).query(
      `INSERT INTO incident_alerts (incident_id, fingerprint, alertname, status, labels, annotations, starts_at, ends_at, generator_url, updated_at)
       SELECT $1::uuid, w.fingerprint, w.alertname, w.status, w.labels, w.annotations, w.starts_at, w.ends_at, w.generator_url, $3::timestamptz
         FROM jsonb_to_recordset($2::jsonb) AS w(fingerprint text, alertname text, status text, labels jsonb, annotations jsonb, starts_at timestamptz, ends_at timestamptz, generator_url text)
       ON CONFLICT (incident_id, fingerprint) DO UPDATE SET status = excluded.status, labels = excluded.labels, annotations = excluded.annotations,
         starts_at = excluded.starts_at, ends_at = excluded.ends_at, generator_url = excluded.generator_url, updated_at = excluded.updated_at`,
      [incidentId, JSON.stringify(rows), at.toISOString()],
    );
  }

  async lockIncident(tx: StoreTransaction, id: string): Promise<IncidentState | null> {
    const [row] = await sqlOf(tx).query<{
      id: string;
      key: string;
      service: string;
      status: string;
      severity: string;
      source: string;
      correlation_id: string;
      detected_at: Date | string;
      acknowledged_at: Date | string | null;
      mitigating_at: Date | string | null;
      resolved_at: Date | string | null;
    }>(
      `SELECT i.id::text AS id, i.key, s.name AS service, i.status::text AS status, i.severity::text AS severity, i.source::text AS source, i.correlation_id,
              i.detected_at, i.acknowledged_at, i.mitigating_at, i.resolved_at
         FROM incidents i JOIN services s ON s.id = i.service_id WHERE i.id = $1::uuid FOR UPDATE OF i`,
      [id],
    );
    if (!row) return null;
    const orNull = (v: Date | string | null) => (v === null ? null : date(v));
    return {
      id: row.id,
      key: row.key,
      service: row.service,
      status: row.status as IncidentStatus,
      severity: row.severity as AuditSeverity,
      source: row.source as IncidentSource,
      correlationId: row.correlation_id,
      detectedAt: date(row.detected_at),
      acknowledgedAt: orNull(row.acknowledged_at),
      mitigatingAt: orNull(row.mitigating_at),
      resolvedAt: orNull(row.resolved_at),
    };
  }

  async move(tx: StoreTransaction, id: string, move: IncidentMoveRow): Promise<void> {
    await sqlOf(tx).query(
      `UPDATE incidents SET
          status = coalesce($2::"IncidentStatus", status),
          severity = coalesce($3::"AuditSeverity", severity),
          acknowledged_at = coalesce(acknowledged_at, $4::timestamptz),
          acknowledged_by = coalesce(acknowledged_by, $5),
          mitigating_at = coalesce(mitigating_at, $6::timestamptz),
          resolved_at = coalesce(resolved_at, $7::timestamptz),
          resolved_by = coalesce(resolved_by, $8),
          open_group_key = CASE WHEN $7::timestamptz IS NOT NULL THEN NULL ELSE open_group_key END,
          notes = CASE WHEN $9::jsonb IS NULL THEN notes ELSE notes || jsonb_build_array($9::jsonb) END
        WHERE id = $1::uuid`,
      [
        id,
        move.status ?? null,
        move.severity ?? null,
        move.acknowledged?.at.toISOString() ?? null,
        move.acknowledged?.by ?? null,
        move.mitigating?.at.toISOString() ?? null,
        move.resolved?.at.toISOString() ?? null,
        move.resolved?.by ?? null,
        move.note ? JSON.stringify(move.note) : null,
      ],
    );
  }
}
