import "server-only";
import type { StoreTransaction } from "../../core/audit/ports";
import { AppError } from "../../core/errors";
import type { IncidentChanges, IncidentStore, NewIncident } from "../../core/demo/ports";
import type { Database } from "./database";
import { runInRawTransaction, sqlOf } from "./transactions";

// Incidents and their stages (C9) in the store, written in the caller's
// transaction so each change commits with its audit event.

export class PostgresIncidentStore implements IncidentStore {
  constructor(private readonly db: Database) {}

  transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return runInRawTransaction(this.db, fn);
  }

  async create(tx: StoreTransaction, incident: NewIncident): Promise<{ id: string; key: string }> {
    const sql = sqlOf(tx);
    const year = incident.detectedAt.getUTCFullYear();
    // Keys are numbered per year. Two pipelines opening incidents at once would
    // pick the same number: a transaction-scoped advisory lock serialises the pick.
    await sql.query(`SELECT pg_advisory_xact_lock(hashtext('interlock:incident-key'))`);
    const rows = await sql.query<{ id: string; key: string }>(
      `WITH service AS (SELECT id FROM services WHERE name = $1),
            next AS (SELECT coalesce(max(substring(key FROM 10)::int), 0) + 1 AS n FROM incidents WHERE key LIKE $2 AND substring(key FROM 10) ~ '^[0-9]+$')
       INSERT INTO incidents (id, key, service_id, title, status, severity, correlation_id, summary, detected_at)
       SELECT gen_random_uuid(), $3 || lpad(next.n::text, 4, '0'), service.id, $4, 'OPEN', $5::"AuditSeverity", $6, $7::jsonb, $8::timestamptz FROM service, next
       RETURNING id::text AS id, key`,
      [incident.service, `INC-${year}-%`, `INC-${year}-`, incident.title, incident.severity, incident.correlationId, JSON.stringify(incident.summary), incident.detectedAt.toISOString()],
    );
    const row = rows[0];
    if (!row) throw new AppError("NOT_FOUND", `No service named ${incident.service} in the topology: an incident must name a known service`, { service: incident.service });
    return row;
  }

  async update(tx: StoreTransaction, incidentId: string, changes: IncidentChanges): Promise<void> {
    const rows = await sqlOf(tx).query<{ id: string }>(
      `UPDATE incidents SET status = coalesce($2::"IncidentStatus", status), approach = coalesce($3, approach),
              summary = summary || $4::jsonb, resolved_at = coalesce($5::timestamptz, resolved_at)
       WHERE id = $1::uuid RETURNING id::text AS id`,
      [incidentId, changes.status ?? null, changes.approach ?? null, JSON.stringify(changes.summary ?? {}), changes.resolvedAt?.toISOString() ?? null],
    );
    if (rows.length !== 1) throw new AppError("NOT_FOUND", `No incident ${incidentId}`, { incidentId });
  }

  async startStage(tx: StoreTransaction, incidentId: string, stage: string, startedAt: Date, detail: Record<string, unknown>): Promise<string> {
    const rows = await sqlOf(tx).query<{ id: string }>(
      `INSERT INTO incident_stages (id, incident_id, stage, started_at, detail) VALUES (gen_random_uuid(), $1::uuid, $2, $3::timestamptz, $4::jsonb) RETURNING id::text AS id`,
      [incidentId, stage, startedAt.toISOString(), JSON.stringify(detail)],
    );
    return rows[0]!.id;
  }

  async endStage(tx: StoreTransaction, stageId: string, endedAt: Date, outcome: string, detail: Record<string, unknown>): Promise<void> {
    await sqlOf(tx).query(`UPDATE incident_stages SET ended_at = $2::timestamptz, outcome = $3, detail = detail || $4::jsonb WHERE id = $1::uuid`, [stageId, endedAt.toISOString(), outcome, JSON.stringify(detail)]);
  }

  async countFailedChanges(service: string, since: Date): Promise<number> {
    const rows = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM operations o JOIN services s ON s.id = o.service_id
       WHERE s.name = $1 AND o.finished_at >= $2::timestamptz AND o.type <> 'VERIFICATION'
         -- Changes that ran and failed or were rolled back; one refused before it ran (a conflict, a gate, a lock timeout) changed nothing.
         AND (o.state = 'ROLLED_BACK' OR (o.state = 'FAILED' AND o.result = 'FAILED'))`,
      [service, since.toISOString()],
    );
    return rows[0]?.n ?? 0;
  }
}
