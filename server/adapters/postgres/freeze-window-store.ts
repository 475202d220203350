import "server-only";
import type { StoreTransaction } from "../../core/audit/ports";
import { AppError } from "../../core/errors";
import type { BreakGlass, ChangeScope, FreezeAction, FreezeWindow, WindowKind } from "../../core/freezes/types";
import type { FreezeWindowChanges, FreezeWindowStore, NewFreezeWindow } from "../../core/freezes/window-ports";
import type { Role } from "../../core/identity/roles";
import type { Database } from "./database";
import { json } from "./sql-query-builder";
import { runInRawTransaction, sqlOf } from "./transactions";

// Change freeze windows in Postgres (and PGlite) (docs/freezes.md#windows), the
// services' team and tier the FREEZE gate scopes by, and the break-glass mark.

const COLUMNS = `w.id::text AS id, w.name, w.kind::text AS kind, w.action::text AS action, w.scope, w.time_zone, w.start_local, w.duration_minutes,
  w.rrule, w.includes_rollbacks, w.break_glass_role::text AS break_glass_role, w.reason, w.enabled, w.created_by, w.created_at, w.updated_at`;

interface WindowRow {
  id: string;
  name: string;
  kind: string;
  action: string;
  scope: unknown;
  time_zone: string;
  start_local: string;
  duration_minutes: number;
  rrule: string | null;
  includes_rollbacks: boolean;
  break_glass_role: string;
  reason: string;
  enabled: boolean;
  created_by: string;
  created_at: Date | string;
  updated_at: Date | string;
}

const date = (v: Date | string) => (v instanceof Date ? v : new Date(v));

function toWindow(row: WindowRow): FreezeWindow {
  const scope = json<Partial<ChangeScope>>(row.scope);
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as WindowKind,
    action: row.action as FreezeAction,
    scope: { services: scope.services ?? [], teams: scope.teams ?? [], tiers: scope.tiers ?? [], types: scope.types ?? [] },
    timeZone: row.time_zone,
    start: row.start_local,
    durationMinutes: Number(row.duration_minutes),
    rrule: row.rrule,
    includesRollbacks: row.includes_rollbacks,
    breakGlassRole: row.break_glass_role as Role,
    reason: row.reason,
    enabled: row.enabled,
    createdBy: row.created_by,
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
  };
}

const isUniqueViolation = (error: unknown) => typeof error === "object" && error !== null && (error as { code?: unknown }).code === "23505";
const nameTaken = (name: string) => new AppError("CONFLICT", `A freeze window named "${name}" already exists`, { name });

/** Column of each changeable field, and how its value is written. */
const FIELDS: { [K in keyof FreezeWindowChanges]-?: [column: string, cast: string, write?: (v: NonNullable<FreezeWindowChanges[K]>) => unknown] } = {
  name: ["name", "text"],
  kind: ["kind", `"FreezeWindowKind"`],
  action: ["action", `"FreezeWindowAction"`],
  scope: ["scope", "jsonb", (v) => JSON.stringify(v)],
  timeZone: ["time_zone", "text"],
  start: ["start_local", "text"],
  durationMinutes: ["duration_minutes", "int"],
  rrule: ["rrule", "text"],
  includesRollbacks: ["includes_rollbacks", "boolean"],
  breakGlassRole: ["break_glass_role", `"Role"`],
  reason: ["reason", "text"],
  enabled: ["enabled", "boolean"],
};

export class PostgresFreezeWindowStore implements FreezeWindowStore {
  constructor(private readonly db: Database) {}

  transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return runInRawTransaction(this.db, fn);
  }

  async list(): Promise<FreezeWindow[]> {
    return (await this.db.query<WindowRow>(`SELECT ${COLUMNS} FROM freeze_windows w ORDER BY w.name`)).map(toWindow);
  }

  async get(id: string): Promise<FreezeWindow | null> {
    const [row] = await this.db.query<WindowRow>(`SELECT ${COLUMNS} FROM freeze_windows w WHERE w.id = $1::uuid`, [id]);
    return row ? toWindow(row) : null;
  }

  async create(tx: StoreTransaction, w: NewFreezeWindow, at: Date): Promise<FreezeWindow> {
    try {
      const [row] = await sqlOf(tx).query<WindowRow>(
        `INSERT INTO freeze_windows AS w (id, name, kind, action, scope, time_zone, start_local, duration_minutes, rrule, includes_rollbacks, break_glass_role, reason, enabled, created_by, created_at, updated_at)
         VALUES ($1::uuid, $2, $3::"FreezeWindowKind", $4::"FreezeWindowAction", $5::jsonb, $6, $7, $8, $9, $10, $11::"Role", $12, $13, $14, $15, $15)
         RETURNING ${COLUMNS}`,
        [w.id, w.name, w.kind, w.action, JSON.stringify(w.scope), w.timeZone, w.start, w.durationMinutes, w.rrule, w.includesRollbacks, w.breakGlassRole, w.reason, w.enabled, w.createdBy, at],
      );
      return toWindow(row!);
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken(w.name);
      throw error;
    }
  }

  async lock(tx: StoreTransaction, id: string): Promise<FreezeWindow | null> {
    const [row] = await sqlOf(tx).query<WindowRow>(`SELECT ${COLUMNS} FROM freeze_windows w WHERE w.id = $1::uuid FOR UPDATE`, [id]);
    return row ? toWindow(row) : null;
  }

  async update(tx: StoreTransaction, id: string, changes: FreezeWindowChanges, at: Date): Promise<FreezeWindow> {
    const params: unknown[] = [id, at];
    const sets = ["updated_at = $2"];
    for (const [key, value] of Object.entries(changes) as [keyof FreezeWindowChanges, unknown][]) {
      if (value === undefined) continue;
      const [column, cast, write] = FIELDS[key] as [string, string, ((v: unknown) => unknown) | undefined];
      sets.push(`${column} = $${params.push(write ? write(value) : value)}::${cast}`);
    }
    try {
      const [row] = await sqlOf(tx).query<WindowRow>(`UPDATE freeze_windows AS w SET ${sets.join(", ")} WHERE w.id = $1::uuid RETURNING ${COLUMNS}`, params);
      if (!row) throw new AppError("NOT_FOUND", `No freeze window ${id}`, { id });
      return toWindow(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken(String(changes.name));
      throw error;
    }
  }

  async delete(tx: StoreTransaction, id: string): Promise<void> {
    await sqlOf(tx).query(`DELETE FROM freeze_windows WHERE id = $1::uuid`, [id]);
  }

  async serviceFacts(services: string[]): Promise<Map<string, { team: string; tier: number }>> {
    if (services.length === 0) return new Map();
    const rows = await this.db.query<{ name: string; team: string; tier: number }>(`SELECT name, team, tier FROM services WHERE name = ANY($1::text[])`, [services]);
    return new Map(rows.map((r) => [r.name, { team: r.team, tier: Number(r.tier) }]));
  }

  async knownTeamsAndTiers(): Promise<{ teams: Set<string>; tiers: Set<number> }> {
    const rows = await this.db.query<{ team: string; tier: number }>(`SELECT DISTINCT team, tier FROM services`);
    return { teams: new Set(rows.map((r) => r.team)), tiers: new Set(rows.map((r) => Number(r.tier))) };
  }

  async recordBreakGlass(tx: StoreTransaction, operationId: string, bg: BreakGlass): Promise<boolean> {
    const rows = await sqlOf(tx).query<{ id: string }>(
      `UPDATE operations SET break_glass = $2::jsonb, not_before = NULL
        WHERE id = $1::uuid AND finished_at IS NULL AND started_at IS NULL AND state::text IN ('INIT', 'LOCKED', 'SAFETY_CHECK', 'PAUSED_FOR_HUMAN_REVIEW')
        RETURNING id::text AS id`,
      [operationId, JSON.stringify({ by: bg.by, role: bg.role, reason: bg.reason, at: bg.at.toISOString() })],
    );
    return rows.length > 0;
  }
}
