import "server-only";
import type { GateHistory, ServiceHistory } from "../../core/gates/ports";
import type { Database } from "./database";

/**
 * How many of a service's latest finished changes the consecutive-failure
 * count looks at. RECENT_FAILURES only needs to know whether more than 2 in a
 * row failed; a longer run reads as "at least this many" (docs/gates.md).
 */
export const CONSECUTIVE_FAILURES_SCAN = 25;

// A change that ran: started_at is set when it enters IN_PROGRESS, so one refused
// before (a conflict, a gate, a lock timeout, a rejected review) never counts.
const RAN_CHANGE = `o.type <> 'VERIFICATION' AND o.started_at IS NOT NULL AND o.id <> r.exclude_id`;
const FAILED = `('FAILED','ROLLED_BACK')`;

/**
 * What RECENT_FAILURES, COOLDOWN and INCIDENT_RATE read, from Interlock's own
 * operations and incidents (docs/gates.md). Each part is a range of an
 * existing index: the service's operations by (service_id, finished_at), read
 * backwards for the latest ones, and the incidents by (detected_at, id).
 * The reads of every operation assessed in the same turn of the event loop
 * go out as one statement (one row per request), as the orchestrator's
 * neighbourhood reads do: under load, hundreds of gate checks cost one round
 * trip, not one each.
 */
export class PostgresGateHistory implements GateHistory {
  private pending: { service: string; exclude: string; since: string; until: string; resolve: (h: ServiceHistory) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;

  constructor(private readonly db: Database) {}

  read(service: string, excludeOperationId: string, now: Date, windowMs: number): Promise<ServiceHistory> {
    return new Promise((resolve, reject) => {
      this.pending.push({ service, exclude: excludeOperationId, since: new Date(now.getTime() - windowMs).toISOString(), until: now.toISOString(), resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    try {
      const rows = await this.db.query<{ n: string; failures: number; consecutive: number; incidents: number; last_change: Date | string | null }>(
        `WITH req AS (
           SELECT * FROM unnest($1::text[], $2::uuid[], $3::timestamptz[], $4::timestamptz[]) WITH ORDINALITY AS r(service, exclude_id, since, until, n))
         SELECT r.n::text AS n, h.* FROM req r CROSS JOIN LATERAL (
           WITH svc AS (SELECT id FROM services WHERE name = r.service),
           latest AS (
             SELECT o.id, o.state, o.finished_at FROM operations o
              WHERE o.service_id = (SELECT id FROM svc) AND o.finished_at IS NOT NULL AND ${RAN_CHANGE}
              ORDER BY o.finished_at DESC, o.id DESC
              LIMIT ${CONSECUTIVE_FAILURES_SCAN}
           )
           SELECT
             (SELECT count(*)::int FROM operations o
               WHERE o.service_id = (SELECT id FROM svc) AND o.finished_at BETWEEN r.since AND r.until AND ${RAN_CHANGE} AND o.state IN ${FAILED}) AS failures,
             -- Newest first, the run lasts while every change so far failed.
             (SELECT count(*)::int FROM (
                SELECT bool_and(l.state IN ${FAILED}) OVER (ORDER BY l.finished_at DESC, l.id DESC ROWS UNBOUNDED PRECEDING) AS in_run FROM latest l
              ) x WHERE x.in_run) AS consecutive,
             -- The demo's incidents are left out: a demo run must not hold back production's changes (docs/gates.md).
             (SELECT count(*)::int FROM incidents i WHERE i.detected_at BETWEEN r.since AND r.until AND i.source <> 'DEMO') AS incidents,
             -- COOLDOWN counts from the last change that left the service changed (the same rule as the neighbourhood read).
             (SELECT max(o.finished_at) FROM operations o
               WHERE o.service_id = (SELECT id FROM svc) AND o.id <> r.exclude_id AND o.type <> 'VERIFICATION' AND o.state IN ('COMPLETED','ROLLED_BACK')) AS last_change
         ) h ORDER BY r.n`,
        [batch.map((b) => b.service), batch.map((b) => b.exclude), batch.map((b) => b.since), batch.map((b) => b.until)],
      );
      const byN = new Map(rows.map((row) => [Number(row.n), row]));
      batch.forEach((b, i) => {
        const row = byN.get(i + 1);
        b.resolve({
          failures: Number(row?.failures ?? 0),
          consecutiveFailures: Number(row?.consecutive ?? 0),
          incidents: Number(row?.incidents ?? 0),
          lastChangeFinishedAt: row?.last_change ? (row.last_change instanceof Date ? row.last_change : new Date(row.last_change)) : null,
        });
      });
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  }
}
