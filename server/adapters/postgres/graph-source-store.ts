import "server-only";
import type { StoreTransaction } from "../../core/audit/ports";
import type { TopologyDiff } from "../../core/graph/live-graph-types";
import type { GraphSourceStore, HeldChange, HeldStatus, RefreshableSource, SourceRun } from "../../core/graph-sources/ports";
import type { Database } from "./database";
import { json } from "./sql-query-builder";
import { runInRawTransaction, sqlOf } from "./transactions";

// Source runs and held changes in Postgres (and PGlite) (docs/graph-sources.md).

const RUN_COLUMNS = `id::text AS id, source::text AS source, trigger::text AS trigger, actor, started_at, finished_at, outcome::text AS outcome, message,
  applied, revision::text AS revision, held_change_id::text AS held_change_id, problems, unresolved, skipped`;
const HELD_COLUMNS = `id::text AS id, source::text AS source, created_at, base_revision::text AS base_revision, reason, diff, status::text AS status, decided_by, decided_at, note`;

interface RunRow {
  id: string;
  source: string;
  trigger: string;
  actor: string;
  started_at: Date | string;
  finished_at: Date | string | null;
  outcome: string;
  message: string;
  applied: unknown;
  revision: string | null;
  held_change_id: string | null;
  problems: unknown;
  unresolved: unknown;
  skipped: unknown;
}

interface HeldRow {
  id: string;
  source: string;
  created_at: Date | string;
  base_revision: string;
  reason: string;
  diff: unknown;
  status: string;
  decided_by: string | null;
  decided_at: Date | string | null;
  note: string | null;
}

const date = (v: Date | string) => (v instanceof Date ? v : new Date(v));

function toRun(row: RunRow): SourceRun {
  return {
    id: row.id,
    source: row.source as RefreshableSource,
    trigger: row.trigger as SourceRun["trigger"],
    actor: row.actor,
    startedAt: date(row.started_at),
    finishedAt: row.finished_at === null ? null : date(row.finished_at),
    outcome: row.outcome as SourceRun["outcome"],
    message: row.message,
    applied: row.applied === null ? null : json<TopologyDiff>(row.applied),
    revision: row.revision === null ? null : Number(row.revision),
    heldChangeId: row.held_change_id,
    problems: json(row.problems),
    unresolved: json(row.unresolved),
    skipped: json(row.skipped),
  };
}

function toHeld(row: HeldRow): HeldChange {
  return {
    id: row.id,
    source: row.source as RefreshableSource,
    createdAt: date(row.created_at),
    baseRevision: Number(row.base_revision),
    reason: row.reason,
    diff: json<TopologyDiff>(row.diff),
    status: row.status as HeldStatus,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at === null ? null : date(row.decided_at),
    note: row.note,
  };
}

export class PostgresGraphSourceStore implements GraphSourceStore {
  constructor(private readonly db: Database) {}

  transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return runInRawTransaction(this.db, fn);
  }

  async lockSource(tx: StoreTransaction, source: RefreshableSource): Promise<void> {
    await sqlOf(tx).query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))::text`, [`interlock:graph-source:${source}`]);
  }

  async pendingHeld(tx: StoreTransaction, source: RefreshableSource): Promise<HeldChange | null> {
    const [row] = await sqlOf(tx).query<HeldRow>(
      `SELECT ${HELD_COLUMNS} FROM graph_held_changes WHERE status = 'PENDING' AND source = $1::"GraphSource" ORDER BY created_at DESC, id DESC LIMIT 1 FOR UPDATE`,
      [source],
    );
    return row ? toHeld(row) : null;
  }

  async lockHeld(tx: StoreTransaction, id: string): Promise<HeldChange | null> {
    const [row] = await sqlOf(tx).query<HeldRow>(`SELECT ${HELD_COLUMNS} FROM graph_held_changes WHERE id = $1::uuid FOR UPDATE`, [id]);
    return row ? toHeld(row) : null;
  }

  async insertHeld(tx: StoreTransaction, held: HeldChange): Promise<void> {
    await sqlOf(tx).query(
      `INSERT INTO graph_held_changes (id, source, created_at, base_revision, reason, diff, status, decided_by, decided_at, note)
       VALUES ($1::uuid, $2::"GraphSource", $3::timestamptz, $4::bigint, $5, $6::jsonb, $7::"GraphHeldChangeStatus", $8, $9::timestamptz, $10)`,
      [held.id, held.source, held.createdAt.toISOString(), String(held.baseRevision), held.reason, JSON.stringify(held.diff), held.status, held.decidedBy, held.decidedAt?.toISOString() ?? null, held.note],
    );
  }

  async decideHeld(tx: StoreTransaction, id: string, decision: { status: HeldStatus; by: string | null; at: Date | null; note: string | null }): Promise<void> {
    await sqlOf(tx).query(`UPDATE graph_held_changes SET status = $2::"GraphHeldChangeStatus", decided_by = $3, decided_at = $4::timestamptz, note = $5 WHERE id = $1::uuid`, [
      id,
      decision.status,
      decision.by,
      decision.at?.toISOString() ?? null,
      decision.note,
    ]);
  }

  async insertRun(tx: StoreTransaction, run: SourceRun): Promise<void> {
    await sqlOf(tx).query(
      `INSERT INTO graph_source_runs (id, source, trigger, actor, started_at, finished_at, outcome, message, applied, revision, held_change_id, problems, unresolved, skipped)
       VALUES ($1::uuid, $2::"GraphSource", $3::"GraphRunTrigger", $4, $5::timestamptz, $6::timestamptz, $7::"GraphRunOutcome", $8, $9::jsonb, $10::bigint, $11::uuid, $12::jsonb, $13::jsonb, $14::jsonb)`,
      [
        run.id,
        run.source,
        run.trigger,
        run.actor,
        run.startedAt.toISOString(),
        run.finishedAt?.toISOString() ?? null,
        run.outcome,
        run.message,
        run.applied === null ? null : JSON.stringify(run.applied),
        run.revision === null ? null : String(run.revision),
        run.heldChangeId,
        JSON.stringify(run.problems),
        JSON.stringify(run.unresolved),
        JSON.stringify(run.skipped),
      ],
    );
  }

  async getHeld(id: string): Promise<HeldChange | null> {
    const [row] = await this.db.query<HeldRow>(`SELECT ${HELD_COLUMNS} FROM graph_held_changes WHERE id = $1::uuid`, [id]);
    return row ? toHeld(row) : null;
  }

  async listHeld(decided: number): Promise<HeldChange[]> {
    const rows = await this.db.query<HeldRow>(
      `(SELECT ${HELD_COLUMNS} FROM graph_held_changes WHERE status = 'PENDING')
       UNION ALL
       (SELECT ${HELD_COLUMNS} FROM graph_held_changes WHERE status <> 'PENDING' ORDER BY created_at DESC, id DESC LIMIT $1)`,
      [decided],
    );
    // Pending first, each part newest first.
    return rows.map(toHeld).sort((a, b) => Number(b.status === "PENDING") - Number(a.status === "PENDING") || b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
  }

  async lastRuns(): Promise<Map<RefreshableSource, SourceRun>> {
    const rows = await this.db.query<RunRow>(
      `SELECT DISTINCT ON (source) ${RUN_COLUMNS} FROM graph_source_runs ORDER BY source, started_at DESC, finished_at DESC NULLS LAST, id DESC`,
    );
    return new Map(rows.map((r) => [r.source as RefreshableSource, toRun(r)]));
  }

  async lastReadRun(source: RefreshableSource): Promise<SourceRun | null> {
    const [row] = await this.db.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM graph_source_runs WHERE source = $1::"GraphSource" AND outcome IN ('APPLIED', 'NO_CHANGE', 'HELD')
        ORDER BY started_at DESC, id DESC LIMIT 1`,
      [source],
    );
    return row ? toRun(row) : null;
  }
}
