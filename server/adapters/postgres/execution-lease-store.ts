import "server-only";
import type { StoreTransaction } from "../../core/audit/ports";
import type { ExecutionLease, LeaseState, ReportedOutcome } from "../../core/execution/lease";
import type { ExecutionLeaseStore, LeaseChanges } from "../../core/execution/ports";
import type { ExecutionStep } from "../../core/executors/ports";
import type { LockScope } from "../../core/locks/types";
import type { Database, SqlExecutor } from "./database";
import { json } from "./sql-query-builder";
import { sqlOf } from "./transactions";

// Execution leases in Postgres (and PGlite): one row per operation its
// submitter carries out (docs/execution.md#the-lease). Reports lock the row
// (SELECT … FOR UPDATE), so a heartbeat, a completion and the expiry of one
// lease are decided one after the other, whichever replica takes them.

interface LeaseRow {
  operation_id: string;
  fencing_token: string;
  fences: unknown;
  state: string;
  lease_seconds: number;
  deadline: Date | string | null;
  granted_at: Date | string;
  last_heartbeat_at: Date | string | null;
  heartbeats: number;
  hold_reason: string | null;
  ended_at: Date | string | null;
  end_reason: string | null;
  outcome: unknown;
}

const COLUMNS = `operation_id::text AS operation_id, fencing_token::text AS fencing_token, fences, state, lease_seconds, deadline, granted_at,
  last_heartbeat_at, heartbeats, hold_reason, ended_at, end_reason, outcome`;

const at = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

function leaseOf(row: LeaseRow): ExecutionLease {
  return {
    operationId: row.operation_id,
    fencingToken: BigInt(row.fencing_token),
    fences: json<{ scope: LockScope; resource: string; fencingToken: string }[]>(row.fences).map((f) => ({ scope: f.scope, resource: f.resource, fencingToken: BigInt(f.fencingToken) })),
    state: row.state as LeaseState,
    leaseSeconds: Number(row.lease_seconds),
    deadline: at(row.deadline),
    grantedAt: new Date(row.granted_at),
    lastHeartbeatAt: at(row.last_heartbeat_at),
    heartbeats: Number(row.heartbeats),
    holdReason: row.hold_reason,
    endedAt: at(row.ended_at),
    endReason: row.end_reason,
    outcome: row.outcome === null ? null : json<ReportedOutcome>(row.outcome),
  };
}

export class PostgresExecutionLeaseStore implements ExecutionLeaseStore {
  constructor(private readonly db: Database) {}

  async get(operationId: string): Promise<ExecutionLease | null> {
    return this.read(this.db, operationId, false);
  }

  async getForUpdate(tx: StoreTransaction, operationId: string): Promise<ExecutionLease | null> {
    return this.read(sqlOf(tx), operationId, true);
  }

  async insert(tx: StoreTransaction, lease: ExecutionLease): Promise<void> {
    await sqlOf(tx).query(
      `INSERT INTO execution_leases (operation_id, fencing_token, fences, state, lease_seconds, deadline, granted_at, last_heartbeat_at, heartbeats, hold_reason, ended_at, end_reason, outcome)
       VALUES ($1::uuid, $2::bigint, $3::jsonb, $4, $5, $6::timestamptz, $7::timestamptz, $8::timestamptz, $9, $10, $11::timestamptz, $12, $13::jsonb)`,
      [
        lease.operationId,
        lease.fencingToken.toString(),
        JSON.stringify(lease.fences.map((f) => ({ scope: f.scope, resource: f.resource, fencingToken: f.fencingToken.toString() }))),
        lease.state,
        lease.leaseSeconds,
        lease.deadline?.toISOString() ?? null,
        lease.grantedAt.toISOString(),
        lease.lastHeartbeatAt?.toISOString() ?? null,
        lease.heartbeats,
        lease.holdReason,
        lease.endedAt?.toISOString() ?? null,
        lease.endReason,
        lease.outcome === null ? null : JSON.stringify(lease.outcome),
      ],
    );
  }

  async update(tx: StoreTransaction, operationId: string, changes: LeaseChanges): Promise<void> {
    const sets: string[] = [];
    const values: unknown[] = [operationId];
    const set = (column: string, value: unknown, cast = "") => {
      values.push(value);
      sets.push(`${column} = $${values.length}${cast}`);
    };
    if (changes.state !== undefined) set("state", changes.state);
    if (changes.deadline !== undefined) set("deadline", changes.deadline?.toISOString() ?? null, "::timestamptz");
    if (changes.lastHeartbeatAt !== undefined) set("last_heartbeat_at", changes.lastHeartbeatAt?.toISOString() ?? null, "::timestamptz");
    if (changes.holdReason !== undefined) set("hold_reason", changes.holdReason);
    if (changes.endedAt !== undefined) set("ended_at", changes.endedAt?.toISOString() ?? null, "::timestamptz");
    if (changes.endReason !== undefined) set("end_reason", changes.endReason);
    if (changes.outcome !== undefined) set("outcome", changes.outcome === null ? null : JSON.stringify(changes.outcome), "::jsonb");
    if (changes.heartbeat) sets.push("heartbeats = heartbeats + 1");
    if (sets.length === 0) return;
    await sqlOf(tx).query(`UPDATE execution_leases SET ${sets.join(", ")} WHERE operation_id = $1::uuid`, values);
  }

  async insertStep(tx: StoreTransaction, operationId: string, attempt: number, step: ExecutionStep): Promise<void> {
    await sqlOf(tx).query(
      `INSERT INTO operation_steps (id, operation_id, attempt, name, outcome, detail, started_at, ended_at) VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6::jsonb, $7::timestamptz, $8::timestamptz)`,
      [crypto.randomUUID(), operationId, attempt, step.name, step.outcome, JSON.stringify(step.detail), step.startedAt, step.endedAt],
    );
  }

  private async read(sql: SqlExecutor | Database, operationId: string, forUpdate: boolean): Promise<ExecutionLease | null> {
    const rows = await sql.query<LeaseRow>(`SELECT ${COLUMNS} FROM execution_leases WHERE operation_id = $1::uuid${forUpdate ? " FOR UPDATE" : ""}`, [operationId]);
    return rows[0] ? leaseOf(rows[0]) : null;
  }
}
