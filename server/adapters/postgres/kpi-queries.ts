import "server-only";
import { VERIFICATION_ACTION } from "../../core/audit/verify-and-record";
import type { IncidentStatus } from "../../core/incidents/ports";
import type { KpiBucket, KpiIncidentRow, KpiOperationBucketRow, KpiQueries, KpiScope } from "../../core/kpis/ports";
import type { Database } from "./database";
import { json } from "./sql-query-builder";

// The KPI rows in Postgres (and PGlite). Operations are counted per UTC hour or
// day in the database (a window may hold many), incidents are few and come one
// row each. Every lookup per operation is an index probe: reviews, conflicts
// and operation_steps are indexed by operation_id, audit_events by
// (correlation_id, seq), an incident's operations by incident_id. Without
// includeDemo the demo's rows (source 'DEMO') are left out (docs/spec/kpis.md#the-window-and-the-trend).

const num = (value: unknown) => Number(value ?? 0);
const date = (value: Date | string) => (value instanceof Date ? value : new Date(value));

export class PostgresKpiQueries implements KpiQueries {
  constructor(private readonly db: Database) {}

  async operationBuckets(range: { since: Date; until: Date; bucket: KpiBucket } & KpiScope): Promise<KpiOperationBucketRow[]> {
    const rows = await this.db.query<{ bucket: Date | string; operations: unknown; started: unknown; paused: unknown; conflicts: unknown; canary_started: unknown; canary_promoted: unknown }>(
      `WITH ops AS (
         SELECT date_trunc($3, o.created_at, 'UTC') AS bucket,
                o.state <> 'INIT' AS started,
                EXISTS (SELECT 1 FROM reviews r WHERE r.operation_id = o.id) AS paused,
                (SELECT count(*) FROM conflicts c WHERE c.operation_id = o.id) AS conflicts,
                EXISTS (SELECT 1 FROM operation_steps s WHERE s.operation_id = o.id AND s.name ~ '^canary [0-9]+%$') AS canary_started,
                EXISTS (SELECT 1 FROM operation_steps s WHERE s.operation_id = o.id AND s.name = 'canary 100%' AND s.outcome = 'PASSED') AS canary_promoted
           FROM operations o
          WHERE o.created_at >= $1 AND o.created_at <= $2 AND ($4::boolean OR o.source <> 'DEMO'))
       SELECT bucket,
              count(*)::int AS operations,
              count(*) FILTER (WHERE started)::int AS started,
              count(*) FILTER (WHERE paused)::int AS paused,
              coalesce(sum(conflicts), 0)::int AS conflicts,
              count(*) FILTER (WHERE canary_started)::int AS canary_started,
              count(*) FILTER (WHERE canary_promoted)::int AS canary_promoted
         FROM ops GROUP BY bucket ORDER BY bucket`,
      [range.since, range.until, range.bucket, range.includeDemo],
    );
    return rows.map((r) => ({
      bucketStart: date(r.bucket),
      operations: num(r.operations),
      started: num(r.started),
      paused: num(r.paused),
      conflicts: num(r.conflicts),
      canaryStarted: num(r.canary_started),
      canaryPromoted: num(r.canary_promoted),
    }));
  }

  async incidents(range: { since: Date; until: Date } & KpiScope): Promise<KpiIncidentRow[]> {
    const rows = await this.db.query<{ detected_at: Date | string; resolved_at: Date | string | null; status: string; automated: boolean; manual: boolean }>(
      `SELECT i.detected_at, i.resolved_at, i.status::text AS status,
              EXISTS (SELECT 1 FROM operations o
                       WHERE o.incident_id = i.id AND o.actor_kind = 'AUTOMATION' AND o.state = 'COMPLETED'
                         AND i.resolved_at IS NOT NULL AND o.finished_at <= i.resolved_at) AS automated,
              EXISTS (SELECT 1 FROM audit_events e
                       WHERE e.correlation_id = i.correlation_id AND e.category = 'MANUAL_INTERVENTION'
                         AND (i.resolved_at IS NULL OR e.at <= i.resolved_at)) AS manual
         FROM incidents i
        WHERE i.detected_at >= $1 AND i.detected_at <= $2 AND ($3::boolean OR i.source <> 'DEMO')
        ORDER BY i.detected_at`,
      [range.since, range.until, range.includeDemo],
    );
    return rows.map((r) => ({
      detectedAt: date(r.detected_at),
      resolvedAt: r.resolved_at === null ? null : date(r.resolved_at),
      status: r.status as IncidentStatus,
      automationCompleted: r.automated === true,
      manualIntervention: r.manual === true,
    }));
  }

  async lastVerification(): Promise<{ valid: boolean; at: Date } | null> {
    const [row] = await this.db.query<{ valid: unknown; at: Date | string }>(
      `SELECT e.payload -> 'valid' AS valid, e.at FROM audit_events e
        WHERE e.category = 'SYSTEM_HEALTH' AND e.action = $1
        ORDER BY e.seq DESC LIMIT 1`,
      [VERIFICATION_ACTION],
    );
    if (!row) return null;
    const valid = json(row.valid);
    // A verification event whose payload has no boolean verdict is not a verdict.
    return typeof valid === "boolean" ? { valid, at: date(row.at) } : null;
  }
}
