import "server-only";
import type { StoreTransaction } from "../../core/audit/ports";
import type { AuditSeverity } from "../../core/audit/types";
import type { HaltStore, NewHaltRow, OpenIncidentForHalt, StoredHalt } from "../../core/freezes/halt-store";
import type { ChangeScope } from "../../core/freezes/types";
import type { Role } from "../../core/identity/roles";
import type { Database } from "./database";
import { json } from "./sql-query-builder";
import { runInRawTransaction, sqlOf } from "./transactions";

// Halts in Postgres (and PGlite) (docs/freezes.md#stop-the-line), and the open
// incidents the incident halts are derived from.

const COLUMNS = `h.id::text AS id, h.scope, h.action::text AS action, h.reason, h.owner, h.created_by, h.created_at, h.includes_rollbacks,
  h.break_glass_role::text AS break_glass_role, h.lifted_at, h.lifted_by, h.lift_reason`;

interface HaltRow {
  id: string;
  scope: unknown;
  action: string;
  reason: string;
  owner: string;
  created_by: string;
  created_at: Date | string;
  includes_rollbacks: boolean;
  break_glass_role: string;
  lifted_at: Date | string | null;
  lifted_by: string | null;
  lift_reason: string | null;
}

const date = (v: Date | string) => (v instanceof Date ? v : new Date(v));

function toHalt(row: HaltRow): StoredHalt {
  const scope = json<Partial<ChangeScope>>(row.scope);
  return {
    id: row.id,
    scope: { services: scope.services ?? [], teams: scope.teams ?? [], tiers: scope.tiers ?? [], types: scope.types ?? [] },
    action: row.action as StoredHalt["action"],
    reason: row.reason,
    owner: row.owner,
    createdBy: row.created_by,
    since: date(row.created_at),
    includesRollbacks: row.includes_rollbacks,
    breakGlassRole: row.break_glass_role as Role,
    source: "MANUAL",
    incidentId: null,
    liftedAt: row.lifted_at === null ? null : date(row.lifted_at),
    liftedBy: row.lifted_by,
    liftReason: row.lift_reason,
  };
}

export class PostgresHaltStore implements HaltStore {
  constructor(private readonly db: Database) {}

  transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return runInRawTransaction(this.db, fn);
  }

  async insert(tx: StoreTransaction, halt: NewHaltRow): Promise<void> {
    await sqlOf(tx).query(
      `INSERT INTO halts (id, scope, action, reason, owner, created_by, created_at, includes_rollbacks, break_glass_role)
       VALUES ($1::uuid, $2::jsonb, $3::"HaltAction", $4, $5, $6, $7::timestamptz, $8, $9::"Role")`,
      [halt.id, JSON.stringify(halt.scope), halt.action, halt.reason, halt.owner, halt.createdBy, halt.since.toISOString(), halt.includesRollbacks, halt.breakGlassRole],
    );
  }

  async lock(tx: StoreTransaction, id: string): Promise<StoredHalt | null> {
    const [row] = await sqlOf(tx).query<HaltRow>(`SELECT ${COLUMNS} FROM halts h WHERE h.id = $1::uuid FOR UPDATE`, [id]);
    return row ? toHalt(row) : null;
  }

  async lift(tx: StoreTransaction, id: string, lift: { at: Date; by: string; reason: string }): Promise<void> {
    await sqlOf(tx).query(`UPDATE halts SET lifted_at = $2::timestamptz, lifted_by = $3, lift_reason = $4 WHERE id = $1::uuid AND lifted_at IS NULL`, [id, lift.at.toISOString(), lift.by, lift.reason]);
  }

  async inForce(now: Date): Promise<StoredHalt[]> {
    // The unlifted ones through the (lifted_at, created_at) index; a `now` in the past also sees those lifted since.
    const rows = await this.db.query<HaltRow>(
      `SELECT ${COLUMNS} FROM halts h WHERE (h.lifted_at IS NULL OR h.lifted_at > $1::timestamptz) AND h.created_at <= $1::timestamptz ORDER BY h.created_at, h.id`,
      [now.toISOString()],
    );
    // As they stood at `now`: one lifted later is shown unlifted.
    return rows.map((row) => ({ ...toHalt(row), liftedAt: null, liftedBy: null, liftReason: null }));
  }

  async list(limit: number): Promise<StoredHalt[]> {
    const rows = await this.db.query<HaltRow>(`SELECT ${COLUMNS} FROM halts h ORDER BY h.created_at DESC, h.id DESC LIMIT $1`, [limit]);
    return rows.map(toHalt);
  }

  async openIncidents(severities: AuditSeverity[], now: Date): Promise<OpenIncidentForHalt[]> {
    if (severities.length === 0) return [];
    const rows = await this.db.query<{
      id: string;
      key: string;
      service: string;
      title: string;
      severity: AuditSeverity;
      detected_at: Date | string;
      acknowledged_by: string | null;
      opened_by: string | null;
    }>(
      `SELECT i.id::text AS id, i.key, s.name AS service, i.title, i.severity::text AS severity, i.detected_at, i.acknowledged_by,
              (SELECT a.actor FROM audit_events a WHERE a.correlation_id = i.correlation_id AND a.action = 'incident.opened' ORDER BY a.seq LIMIT 1) AS opened_by
         FROM incidents i JOIN services s ON s.id = i.service_id
        WHERE (i.status <> 'RESOLVED' OR i.resolved_at > $2::timestamptz)
          AND i.severity = ANY($1::"AuditSeverity"[]) AND i.detected_at <= $2::timestamptz
        ORDER BY i.detected_at, i.id`,
      [severities, now.toISOString()],
    );
    return rows.map((r) => ({ id: r.id, key: r.key, service: r.service, title: r.title, severity: r.severity, detectedAt: date(r.detected_at), openedBy: r.opened_by, acknowledgedBy: r.acknowledged_by }));
  }

  async knownScope(scope: { services: string[]; teams: string[]; tiers: number[] }): Promise<{ services: Set<string>; teams: Set<string>; tiers: Set<number> }> {
    const known = { services: new Set<string>(), teams: new Set<string>(), tiers: new Set<number>() };
    if (scope.services.length + scope.teams.length + scope.tiers.length === 0) return known;
    const rows = await this.db.query<{ name: string; team: string; tier: number }>(
      `SELECT name, team, tier FROM services WHERE name = ANY($1::text[]) OR team = ANY($2::text[]) OR tier = ANY($3::int[])`,
      [scope.services, scope.teams, scope.tiers],
    );
    for (const row of rows) {
      if (scope.services.includes(row.name)) known.services.add(row.name);
      if (scope.teams.includes(row.team)) known.teams.add(row.team);
      known.tiers.add(Number(row.tier));
    }
    return known;
  }
}
