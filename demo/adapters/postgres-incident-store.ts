import "server-only";
import type { StoreTransaction } from "../../server/core/audit/ports";
import { AppError } from "../../server/core/errors";
import type { IncidentChanges, IncidentStore, NewIncident } from "../pipeline/ports";
import type { Database } from "../../server/adapters/postgres/database";
import { INCIDENT_KEY_SQL } from "../../server/adapters/postgres/incident-store";
import { runInRawTransaction, sqlOf } from "../../server/adapters/postgres/transactions";

// Incidents and their stages (docs/specification.md#incidents-and-the-demo) in the store, written in the caller's
// transaction so each change commits with its audit event.

export class PostgresIncidentStore implements IncidentStore {
  constructor(private readonly db: Database) {}

  transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return runInRawTransaction(this.db, fn);
  }

  async create(tx: StoreTransaction, incident: NewIncident): Promise<{ id: string; key: string }> {
    const sql = sqlOf(tx);
    const rows = await sql.query<{ id: string; key: string }>(
      `INSERT INTO incidents (id, key, service_id, title, status, severity, correlation_id, summary, detected_at, source)
       SELECT gen_random_uuid(), ${INCIDENT_KEY_SQL}, s.id, $2, 'OPEN', $3::"AuditSeverity", $4, $5::jsonb, $1::timestamptz, 'DEMO' FROM services s WHERE s.name = $6
       RETURNING id::text AS id, key`,
      [incident.detectedAt.toISOString(), incident.title, incident.severity, incident.correlationId, JSON.stringify(incident.summary), incident.service],
    );
    const row = rows[0];
    if (!row) throw new AppError("NOT_FOUND", `No service named ${incident.service} in the topology: an incident must name a known service`, { service: incident.service });
    return row;
  }

  async update(tx: StoreTransaction, incidentId: string, changes: IncidentChanges): Promise<void> {
    const rows = await sqlOf(tx).query<{ id: string }>(
      `UPDATE incidents SET status = coalesce($2::"IncidentStatus", status), approach = coalesce($3, approach),
              -- the time of the move to MITIGATING is kept (docs/incidents.md#states)
              mitigating_at = CASE WHEN $2 = 'MITIGATING' THEN coalesce(mitigating_at, now()) ELSE mitigating_at END,
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
