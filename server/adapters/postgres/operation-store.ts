import "server-only";
import crypto from "node:crypto";
import { z } from "zod";
import type { JsonValue } from "../../core/audit/types";
import { CONFLICT_ACTIONS, CONFLICT_SEVERITIES, CONFLICT_TYPES, type BlastRadius, type Conflict } from "../../core/conflicts/types";
import type { ExecutionStep } from "../../core/executors/ports";
import type { BreakGlass } from "../../core/freezes/types";
import type {
  LockRequirement,
  NewOperation,
  OperationRecord,
  OperationStore,
  ReviewRecord,
  StoreTransaction,
  StoredConflictCheck,
  TransitionRecord,
  TransitionWrite,
} from "../../core/operations/ports";
import { isFinished } from "../../core/operations/state-machine";
import type { ActorKind, ExecutionMode, OperationResult, OperationSource, OperationState, OperationType } from "../../core/operations/types";
import type { Database, SqlExecutor } from "./database";
import { json, parseJson } from "./sql-query-builder";
import { runInRawTransaction, sqlOf } from "./transactions";

// Operations, their transitions, evidence and reviews in Postgres (and PGlite).
// Raw SQL on purpose: the orchestrator group-commits the transitions of many
// operations at once, and each kind of row is written for the whole batch in
// one statement (jsonb_to_recordset), so a batch of 200 transitions costs the
// same few round trips as a batch of one.

export const WORK_CHANNEL = "interlock_operations";

const OPERATION_COLUMNS = `o.id::text AS id, o.type::text AS type, s.name AS service, o.actor, o.actor_kind::text AS actor_kind,
  o.correlation_id, o.idempotency_key, o.params_hash, o.params, o.state::text AS state, o.result::text AS result, o.version,
  o.priority, o.reason, o.error, o.incident_id::text AS incident_id, o.source, o.execution, o.lease_seconds, o.seq::text AS seq, o.lease_owner, o.lease_expires_at,
  o.attempt, o.not_before, o.resume_approved, o.resumes, o.queued_at, o.control, o.preempted_by::text AS preempted_by, o.break_glass, o.lock_keys, o.conflict_check, o.outcome, o.created_at, o.updated_at,
  o.started_at, o.finished_at`;

interface OperationRow {
  id: string;
  type: string;
  service: string;
  actor: string;
  actor_kind: string;
  correlation_id: string;
  idempotency_key: string | null;
  params_hash: string;
  params: unknown;
  state: string;
  result: string | null;
  version: number;
  priority: number;
  reason: string | null;
  error: string | null;
  incident_id: string | null;
  source: string;
  execution: string;
  lease_seconds: number | null;
  seq: string;
  lease_owner: string | null;
  lease_expires_at: Date | string | null;
  attempt: number;
  not_before: Date | string | null;
  resume_approved: boolean;
  resumes: number;
  queued_at: Date | string | null;
  control: unknown;
  preempted_by: string | null;
  break_glass: unknown;
  lock_keys: unknown;
  conflict_check: unknown;
  outcome: unknown;
  created_at: Date | string;
  updated_at: Date | string;
  started_at: Date | string | null;
  finished_at: Date | string | null;
}

// Drivers differ: pg parses timestamptz, Prisma's raw path may hand back text.
const date = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));
const dateOrNull = (value: Date | string | null): Date | null => (value === null ? null : date(value));

// The conflict check as the orchestrator stored it (operations.conflict_check).
// Loose objects: every stored field is kept as it was (a review's evidence hash
// is computed over them), only the ones named are checked.
const strings = () => z.array(z.string());
const ZBlastRadius = z.looseObject({
  score: z.number(),
  percentage: z.number(),
  affectedCount: z.number(),
  totalServices: z.number(),
  depth: z.number(),
  direct: strings(),
  sharedResource: strings(),
  downstream: strings(),
  upstream: strings(),
}) satisfies z.ZodType<BlastRadius>;
const ZConflict = z.looseObject({
  type: z.enum(CONFLICT_TYPES),
  severity: z.enum(CONFLICT_SEVERITIES),
  action: z.enum(CONFLICT_ACTIONS),
  conflictingOperationIds: strings(),
  affectedServices: strings(),
  blastRadius: ZBlastRadius,
  explanation: z.string(),
  recommendation: z.string(),
  evidence: z.looseObject({
    path: strings().optional(),
    resourceGroups: strings().optional(),
    commonDependents: strings().optional(),
    finishedAt: z.string().optional(),
    notBefore: z.string().optional(),
  }),
}) satisfies z.ZodType<Conflict>;
const ZStoredConflictCheck = z.looseObject({ conflicts: z.array(ZConflict).default([]) }) satisfies z.ZodType<StoredConflictCheck>;

function breakGlassOf(value: unknown): BreakGlass | null {
  if (value === null || value === undefined) return null;
  const b = json<{ by: string; role: BreakGlass["role"]; reason: string; at: string }>(value);
  return { by: b.by, role: b.role, reason: b.reason, at: new Date(b.at) };
}

function toOperation(row: OperationRow): OperationRecord {
  return {
    id: row.id,
    type: row.type as OperationType,
    service: row.service,
    actor: row.actor,
    actorKind: row.actor_kind as ActorKind,
    correlationId: row.correlation_id,
    params: json(row.params),
    state: row.state as OperationState,
    version: Number(row.version),
    createdAt: date(row.created_at),
    result: row.result as OperationResult | null,
    priority: Number(row.priority),
    reason: row.reason,
    error: row.error,
    idempotencyKey: row.idempotency_key,
    paramsHash: row.params_hash,
    incidentId: row.incident_id,
    source: row.source as OperationSource,
    execution: row.execution as ExecutionMode,
    leaseSeconds: row.lease_seconds === null ? null : Number(row.lease_seconds),
    seq: BigInt(row.seq),
    leaseOwner: row.lease_owner,
    leaseExpiresAt: dateOrNull(row.lease_expires_at),
    attempt: Number(row.attempt),
    notBefore: dateOrNull(row.not_before),
    resumeApproved: row.resume_approved,
    resumes: Number(row.resumes),
    queuedAt: dateOrNull(row.queued_at),
    control: row.control === null ? null : json<OperationRecord["control"]>(row.control),
    preemptedBy: row.preempted_by,
    breakGlass: breakGlassOf(row.break_glass),
    lockKeys: json<LockRequirement[]>(row.lock_keys),
    conflictCheck: row.conflict_check === null ? null : parseJson(ZStoredConflictCheck, row.conflict_check, `The conflict check of operation ${row.id}`),
    outcome: row.outcome === null ? null : json(row.outcome),
    updatedAt: date(row.updated_at),
    startedAt: dateOrNull(row.started_at),
    finishedAt: dateOrNull(row.finished_at),
  };
}

interface ReviewRow {
  id: string;
  operation_id: string;
  status: string;
  requested_by: string;
  reason: string;
  severity: string;
  evidence: unknown;
  evidence_hash: string;
  decided_by: string | null;
  decided_at: Date | string | null;
  approval_id: string | null;
  notes: string | null;
  escalation_level: number;
  escalation_plan: unknown;
  next_escalation_at: Date | string | null;
  timeout_at: Date | string | null;
  evaluated_at: Date | string | null;
  created_at: Date | string;
}

const REVIEW_COLUMNS = `r.id::text AS id, r.operation_id::text AS operation_id, r.status::text AS status, r.requested_by, r.reason,
  r.severity::text AS severity, r.evidence, r.evidence_hash, r.decided_by, r.decided_at, r.approval_id, r.notes,
  r.escalation_level, r.escalation_plan, r.next_escalation_at, r.timeout_at, r.evaluated_at, r.created_at`;

function toReview(row: ReviewRow): ReviewRecord {
  return {
    id: row.id,
    operationId: row.operation_id,
    status: row.status as ReviewRecord["status"],
    requestedBy: row.requested_by,
    reason: row.reason,
    severity: row.severity as ReviewRecord["severity"],
    evidence: json(row.evidence),
    evidenceHash: row.evidence_hash,
    decidedBy: row.decided_by,
    decidedAt: dateOrNull(row.decided_at),
    approvalId: row.approval_id,
    notes: row.notes,
    escalationLevel: Number(row.escalation_level),
    escalationPlan: json(row.escalation_plan),
    nextEscalationAt: dateOrNull(row.next_escalation_at),
    timeoutAt: dateOrNull(row.timeout_at),
    evaluatedAt: dateOrNull(row.evaluated_at),
    createdAt: date(row.created_at),
  };
}

const ACTIVE = `('INIT','LOCKED','SAFETY_CHECK','IN_PROGRESS')`;
const UNFINISHED = `('INIT','LOCKED','SAFETY_CHECK','IN_PROGRESS','PAUSED_FOR_HUMAN_REVIEW')`;

function finishedBy(write: TransitionWrite): boolean {
  const finished = isFinished(write.transition.to);
  if (write.changes.finished && !finished) throw new Error(`a move to ${write.transition.to} cannot finish operation ${write.operationId}: that state is not final`);
  return finished;
}

export class PostgresOperationStore implements OperationStore {
  constructor(private readonly db: Database) {}

  transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return runInRawTransaction(this.db, fn);
  }

  async insertOperations(tx: StoreTransaction, operations: NewOperation[]) {
    const sql = sqlOf(tx);
    const rows = operations.map((op) => ({
      id: op.id,
      type: op.type,
      service: op.service,
      actor: op.actor,
      actor_kind: op.actorKind,
      correlation_id: op.correlationId,
      idempotency_key: op.idempotencyKey,
      params_hash: op.paramsHash,
      inflight_key: op.inflightKey,
      params: op.params,
      priority: op.priority,
      lock_keys: op.lockKeys,
      incident_id: op.incidentId,
      source: op.source,
      execution: op.execution,
      lease_seconds: op.leaseSeconds,
      break_glass: op.breakGlass ? { ...op.breakGlass, at: op.breakGlass.at.toISOString() } : null,
      created_at: op.createdAt.toISOString(),
    }));
    // ON CONFLICT DO NOTHING covers both unique keys (idempotency, in-flight):
    // whichever a duplicate hits, it is skipped and the holder is looked up below.
    const inserted = await sql.query<{ id: string }>(
      `WITH w AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS w(id uuid, type text, service text, actor text, actor_kind text,
          correlation_id text, idempotency_key text, params_hash text, inflight_key text, params jsonb, priority int, lock_keys jsonb,
          incident_id uuid, source text, execution text, lease_seconds int, break_glass jsonb, created_at timestamptz)),
        i AS (
          INSERT INTO operations (id, type, service_id, actor, actor_kind, correlation_id, idempotency_key, params_hash, inflight_key,
            params, priority, lock_keys, incident_id, source, execution, lease_seconds, break_glass, created_at, updated_at)
          SELECT w.id, w.type::"OperationType", s.id, w.actor, w.actor_kind::"ActorKind", w.correlation_id, w.idempotency_key,
            w.params_hash, w.inflight_key, w.params, w.priority, w.lock_keys, w.incident_id, w.source, w.execution, w.lease_seconds, w.break_glass, w.created_at, w.created_at
          FROM w JOIN services s ON s.name = w.service
          -- An incident that does not exist skips its row (reported by the caller), not the batch.
          LEFT JOIN incidents inc ON inc.id = w.incident_id
          WHERE w.incident_id IS NULL OR inc.id IS NOT NULL
          ON CONFLICT DO NOTHING
          RETURNING id, created_at),
        t AS (
          INSERT INTO operation_transitions (id, operation_id, from_state, to_state, version, actor, metadata, at)
          SELECT gen_random_uuid(), i.id, NULL, 'INIT', 0, w.actor, '{}'::jsonb, i.created_at FROM i JOIN w ON w.id = i.id
          RETURNING operation_id)
      SELECT operation_id::text AS id FROM t`,
      [JSON.stringify(rows)],
    );
    const created = new Set(inserted.map((r) => r.id));
    const ids = operations.map((op) => op.id);
    const keys = operations.filter((op) => !created.has(op.id));
    const byId = new Map<string, OperationRecord>();
    if (created.size > 0) {
      const found = await sql.query<OperationRow>(`SELECT ${OPERATION_COLUMNS} FROM operations o JOIN services s ON s.id = o.service_id WHERE o.id = ANY($1::uuid[])`, [[...created]]);
      for (const row of found) byId.set(row.id, toOperation(row));
    }
    const holders = new Map<string, OperationRecord>();
    if (keys.length > 0) {
      const found = await sql.query<OperationRow & { matched_key: string }>(
        `SELECT ${OPERATION_COLUMNS}, k.key AS matched_key FROM unnest($1::text[]) AS k(key)
           JOIN operations o ON o.idempotency_key = k.key OR o.inflight_key = k.key
           JOIN services s ON s.id = o.service_id`,
        [[...new Set(keys.flatMap((op) => [op.idempotencyKey, op.inflightKey].filter((k): k is string => k !== null)))]],
      );
      for (const row of found) holders.set(row.matched_key, toOperation(row));
    }
    return ids.map((id, i) => {
      const operation = byId.get(id);
      if (operation) return { created: true as const, operation };
      const op = operations[i]!;
      const existing = (op.idempotencyKey !== null ? holders.get(op.idempotencyKey) : undefined) ?? holders.get(op.inflightKey) ?? null;
      return { created: false as const, existing };
    });
  }

  async get(id: string): Promise<OperationRecord | null> {
    const rows = await this.db.query<OperationRow>(`SELECT ${OPERATION_COLUMNS} FROM operations o JOIN services s ON s.id = o.service_id WHERE o.id = $1::uuid`, [id]);
    return rows[0] ? toOperation(rows[0]) : null;
  }

  async knownIncidents(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.query<{ id: string }>(`SELECT id::text AS id FROM incidents WHERE id = ANY($1::uuid[])`, [ids]);
    return new Set(rows.map((r) => r.id));
  }

  async knownServices(names: string[]): Promise<Set<string>> {
    const rows = await this.db.query<{ name: string }>(`SELECT name FROM services WHERE name = ANY($1::text[])`, [names]);
    return new Set(rows.map((r) => r.name));
  }

  async latestDecidedReview(operationId: string): Promise<ReviewRecord | null> {
    const rows = await this.db.query<ReviewRow>(`SELECT ${REVIEW_COLUMNS} FROM reviews r WHERE r.operation_id = $1::uuid AND r.status <> 'PENDING' ORDER BY r.decided_at DESC NULLS LAST LIMIT 1`, [operationId]);
    return rows[0] ? toReview(rows[0]) : null;
  }

  async markResumeApproved(tx: StoreTransaction, operationId: string): Promise<boolean> {
    const rows = await sqlOf(tx).query<{ id: string }>(`UPDATE operations SET resume_approved = true WHERE id = $1::uuid AND state = 'PAUSED_FOR_HUMAN_REVIEW' RETURNING id::text AS id`, [operationId]);
    return rows.length === 1;
  }

  async applyTransitions(tx: StoreTransaction, writes: TransitionWrite[]): Promise<boolean[]> {
    if (writes.length === 0) return [];
    const sql = sqlOf(tx);
    const rows = writes.map((w) => ({
      id: w.operationId,
      expected: w.expectedVersion,
      owner: w.expectedOwner,
      from_state: w.transition.from,
      to_state: w.transition.to,
      version: w.transition.version,
      actor: w.transition.actor,
      metadata: w.transition.metadata,
      at: w.transition.at.toISOString(),
      tid: crypto.randomUUID(),
      result: w.changes.result ?? null,
      reason: w.changes.reason ?? null,
      error: w.changes.error ?? null,
      started: w.changes.started ?? false,
      // finished_at IS NULL is what marks work the claim may take up (operations_claimable_idx),
      // so it follows the target state, never the caller's flag alone.
      finished: finishedBy(w),
      release_claim: w.changes.releaseClaim ?? false,
      resume_approved: w.changes.resumeApproved ?? null,
      conflict_check: w.changes.conflictCheck ?? null,
      outcome: w.changes.outcome ?? null,
      clear_control: w.changes.clearControl ?? false,
      preempted_by: w.changes.preemptedBy ?? null,
      clear_result: w.changes.clearResult ?? false,
    }));
    // One statement: the guarded UPDATE (version, and owner when a worker writes)
    // and the transition rows of exactly the updates that applied. The rows are
    // locked first, in id order (l), as renewClaims locks them: two statements that
    // each lock several operations in whatever order their plans visit them can
    // deadlock (a batch of transitions against its own worker's claim renewal).
    const applied = await sql.query<{ id: string }>(
      `WITH w AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS w(id uuid, expected int, owner text, from_state text, to_state text,
          version int, actor text, metadata jsonb, at timestamptz, tid uuid, result text, reason text, error text, started boolean,
          finished boolean, release_claim boolean, resume_approved boolean, conflict_check jsonb, outcome jsonb,
          clear_control boolean, preempted_by uuid, clear_result boolean)),
        l AS MATERIALIZED (SELECT o.id FROM operations o WHERE o.id IN (SELECT w.id FROM w) ORDER BY o.id FOR NO KEY UPDATE OF o),
        u AS (
          UPDATE operations o SET
            state = w.to_state::"OperationState",
            version = w.version,
            result = CASE WHEN w.clear_result THEN NULL ELSE COALESCE(w.result::"OperationResult", o.result) END,
            -- Running again (clear_result): why it waited or paused no longer describes it.
            reason = CASE WHEN w.clear_result THEN w.reason ELSE COALESCE(w.reason, o.reason) END,
            error = COALESCE(w.error, o.error),
            started_at = CASE WHEN w.started THEN COALESCE(o.started_at, w.at) ELSE o.started_at END,
            finished_at = CASE WHEN w.finished THEN w.at ELSE o.finished_at END,
            inflight_key = CASE WHEN w.finished THEN NULL ELSE o.inflight_key END,
            lease_owner = CASE WHEN w.release_claim THEN NULL ELSE o.lease_owner END,
            lease_expires_at = CASE WHEN w.release_claim THEN NULL ELSE o.lease_expires_at END,
            resume_approved = COALESCE(w.resume_approved, o.resume_approved),
            -- A transition means the operation moved on: it no longer waits in line.
            queued_at = NULL,
            control = CASE WHEN w.clear_control THEN NULL ELSE o.control END,
            preempted_by = COALESCE(w.preempted_by, o.preempted_by),
            conflict_check = COALESCE(w.conflict_check, o.conflict_check),
            outcome = COALESCE(w.outcome, o.outcome),
            updated_at = w.at
          FROM w JOIN l ON l.id = w.id
          WHERE o.id = w.id AND o.version = w.expected AND o.state = w.from_state::"OperationState"
            AND (w.owner IS NULL OR (o.lease_owner = w.owner AND o.lease_expires_at > clock_timestamp()))
          RETURNING o.id),
        t AS (
          INSERT INTO operation_transitions (id, operation_id, from_state, to_state, version, actor, metadata, at)
          SELECT w.tid, w.id, w.from_state::"OperationState", w.to_state::"OperationState", w.version, w.actor, w.metadata, w.at
          FROM w JOIN u ON u.id = w.id
          RETURNING operation_id)
      SELECT operation_id::text AS id FROM t`,
      [JSON.stringify(rows)],
    );
    const ok = new Set(applied.map((r) => r.id));
    const done = writes.filter((w) => ok.has(w.operationId));

    // The service's holder let go of it (finished, paused, cancelled): the operations waiting in
    // line for it look again now rather than at their next re-check, and every process hears
    // of it when this commits. Rows are taken in id order and skipped when another statement
    // holds them (a claim): a skipped one looks again at its own not_before anyway.
    const letGo = done.filter((w) => w.changes.releaseClaim || isFinished(w.transition.to)).map((w) => w.operationId);
    if (letGo.length > 0) {
      await sql.query(
        `WITH svc AS (SELECT DISTINCT o.service_id FROM operations o WHERE o.id = ANY($1::uuid[])),
              l AS MATERIALIZED (
                SELECT q.id FROM operations q JOIN svc ON svc.service_id = q.service_id
                WHERE q.finished_at IS NULL AND q.queued_at IS NOT NULL AND q.lease_owner IS NULL AND q.not_before > clock_timestamp()
                ORDER BY q.id FOR NO KEY UPDATE OF q SKIP LOCKED),
              u AS (UPDATE operations q SET not_before = clock_timestamp() FROM l WHERE q.id = l.id RETURNING q.id)
         SELECT pg_notify($2, '') FROM (SELECT 1 FROM u LIMIT 1) woken`,
        [letGo, WORK_CHANNEL],
      );
    }

    const gates = done.flatMap((w) =>
      (w.gateResults ?? []).map((g) => ({ id: crypto.randomUUID(), operation_id: w.operationId, gate: g.gate, passed: g.passed, skipped: g.skipped, observed: g.observed, threshold: g.threshold, unit: g.unit, reason: g.reason, source: g.source ?? "", at: w.transition.at.toISOString() })),
    );
    if (gates.length > 0) {
      await sql.query(
        `INSERT INTO gate_results (id, operation_id, gate, passed, skipped, observed, threshold, unit, reason, source, checked_at)
         SELECT g.id, g.operation_id, g.gate::"SafetyGate", g.passed, g.skipped, g.observed, g.threshold, g.unit, g.reason, g.source, g.at
         FROM jsonb_to_recordset($1::jsonb) AS g(id uuid, operation_id uuid, gate text, passed boolean, skipped boolean, observed float8, threshold float8, unit text, reason text, source text, at timestamptz)`,
        [JSON.stringify(gates)],
      );
    }
    const conflicts = done.flatMap((w) =>
      (w.conflicts ?? []).map((c) => ({
        id: crypto.randomUUID(),
        operation_id: w.operationId,
        type: c.type,
        severity: c.severity,
        action: c.action,
        conflicting: c.conflictingOperationIds,
        affected: c.affectedServices,
        blast: c.blastRadius.score,
        explanation: c.explanation,
        recommendation: c.recommendation,
        at: w.transition.at.toISOString(),
      })),
    );
    if (conflicts.length > 0) {
      await sql.query(
        `INSERT INTO conflicts (id, operation_id, type, severity, action, conflicting_operation_ids, affected_services, blast_radius, explanation, recommendation, detected_at)
         SELECT c.id, c.operation_id, c.type::"ConflictType", c.severity::"ConflictSeverity", c.action::"ConflictAction",
           ARRAY(SELECT jsonb_array_elements_text(c.conflicting)), ARRAY(SELECT jsonb_array_elements_text(c.affected)), c.blast, c.explanation, c.recommendation, c.at
         FROM jsonb_to_recordset($1::jsonb) AS c(id uuid, operation_id uuid, type text, severity text, action text, conflicting jsonb, affected jsonb, blast float8, explanation text, recommendation text, at timestamptz)`,
        [JSON.stringify(conflicts)],
      );
    }
    const reviews = done.flatMap((w) => (w.review ? [w.review] : []));
    if (reviews.length > 0) {
      await sql.query(
        `INSERT INTO reviews (id, operation_id, status, requested_by, reason, severity, evidence, evidence_hash, escalation_plan, next_escalation_at, timeout_at, evaluated_at, created_at)
         SELECT r.id, r.operation_id, 'PENDING', r.requested_by, r.reason, r.severity::"ConflictSeverity", r.evidence, r.evidence_hash, r.escalation_plan, r.next_escalation_at, r.timeout_at, r.created_at, r.created_at
         FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, operation_id uuid, requested_by text, reason text, severity text, evidence jsonb, evidence_hash text, escalation_plan jsonb, next_escalation_at timestamptz, timeout_at timestamptz, created_at timestamptz)`,
        [
          JSON.stringify(
            reviews.map((r) => ({
              id: r.id,
              operation_id: r.operationId,
              requested_by: r.requestedBy,
              reason: r.reason,
              severity: r.severity,
              evidence: r.evidence,
              evidence_hash: r.evidenceHash,
              escalation_plan: r.escalationPlan,
              next_escalation_at: r.nextEscalationAt?.toISOString() ?? null,
              timeout_at: r.timeoutAt?.toISOString() ?? null,
              created_at: r.createdAt.toISOString(),
            })),
          ),
        ],
      );
    }
    return writes.map((w) => ok.has(w.operationId));
  }

  async claim(workerId: string, limit: number, leaseMs: number): Promise<OperationRecord[]> {
    // The queue is read in index order (operations_claimable_idx) with the bitmap
    // plan ruled out: under churn the planner's row estimate lags, it picks a bitmap
    // scan plus sort, and bitmap scans never mark the index's dead entries (one per
    // step of every operation) as dead, so each claim re-read thousands of them. An
    // ordered index scan stops at the limit and prunes them as it passes.
    const rows = await this.db.withSession((s) => s.transaction((tx) => tx.query<OperationRow>(
      `WITH c AS (
         UPDATE operations o SET lease_owner = $1 || '#' || (o.attempt + 1), lease_expires_at = clock_timestamp() + $2 * interval '1 millisecond', attempt = o.attempt + 1,
           -- taken up to resume after an approval or to carry out a person's control: not a retry
           resumes = o.resumes + CASE WHEN o.state = 'PAUSED_FOR_HUMAN_REVIEW' THEN 1 ELSE 0 END
         WHERE o.id IN (
           SELECT id FROM operations
           WHERE finished_at IS NULL -- the claim index's predicate: unfinished work
             AND (state IN ${ACTIVE} OR (state = 'PAUSED_FOR_HUMAN_REVIEW' AND (resume_approved OR control IS NOT NULL)))
             AND (lease_owner IS NULL OR lease_expires_at < clock_timestamp())
             AND (not_before IS NULL OR not_before <= clock_timestamp())
           ORDER BY priority, seq
           LIMIT $3
           FOR UPDATE SKIP LOCKED)
         RETURNING o.*)
       SELECT ${OPERATION_COLUMNS} FROM c o JOIN services s ON s.id = o.service_id ORDER BY o.priority, o.seq`,
      [workerId, leaseMs, limit],
    ), "SET LOCAL enable_bitmapscan = off"));
    return rows.map(toOperation);
  }

  async renewClaims(claims: { id: string; owner: string }[], leaseMs: number): Promise<string[]> {
    if (claims.length === 0) return [];
    // Rows locked in id order, as applyTransitions locks them (see there): otherwise the two deadlock.
    const rows = await this.db.query<{ id: string }>(
      `WITH c AS (SELECT * FROM unnest($2::uuid[], $3::text[]) AS c(id, owner)),
            l AS MATERIALIZED (SELECT o.id FROM operations o JOIN c ON c.id = o.id AND o.lease_owner = c.owner ORDER BY o.id FOR NO KEY UPDATE OF o)
       UPDATE operations o SET lease_expires_at = clock_timestamp() + $1 * interval '1 millisecond'
       FROM l JOIN c ON c.id = l.id WHERE o.id = l.id AND o.lease_owner = c.owner AND o.lease_expires_at > clock_timestamp() RETURNING o.id::text AS id`,
      [leaseMs, claims.map((c) => c.id), claims.map((c) => c.owner)],
    );
    return rows.map((r) => r.id);
  }

  async releaseClaim(owner: string, id: string, notBefore: Date | null, reason: string, options: { refundAttempt?: boolean; queued?: boolean } = {}): Promise<void> {
    await this.db.query(
      `UPDATE operations SET lease_owner = NULL, lease_expires_at = NULL, not_before = $3::timestamptz, reason = $4, attempt = attempt - $5::int,
         -- a claim refunded for a resume was not a resume either
         resumes = GREATEST(0, resumes - CASE WHEN $5::int = 1 AND state = 'PAUSED_FOR_HUMAN_REVIEW' THEN 1 ELSE 0 END),
         queued_at = CASE WHEN $6::boolean THEN COALESCE(queued_at, clock_timestamp()) ELSE queued_at END
       WHERE id = $2::uuid AND lease_owner = $1`,
      [owner, id, notBefore?.toISOString() ?? null, reason, options.refundAttempt ? 1 : 0, options.queued ?? false],
    );
  }

  async leaveLine(operationId: string): Promise<void> {
    await this.db.query(`UPDATE operations SET queued_at = NULL WHERE id = $1::uuid AND queued_at IS NOT NULL`, [operationId]);
  }

  async setControl(tx: StoreTransaction, operationId: string, expectedVersion: number, states: OperationState[], control: OperationRecord["control"]): Promise<boolean> {
    const rows = await sqlOf(tx).query<{ id: string }>(
      `UPDATE operations SET control = $3::jsonb, updated_at = clock_timestamp()
       WHERE id = $1::uuid AND version = $2 AND state::text = ANY($4::text[]) RETURNING id::text AS id`,
      [operationId, expectedVersion, control === null ? null : JSON.stringify(control), states],
    );
    return rows.length === 1;
  }

  async pendingControls(ids: string[]): Promise<Map<string, NonNullable<OperationRecord["control"]>>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.query<{ id: string; control: unknown }>(`SELECT id::text AS id, control FROM operations WHERE id = ANY($1::uuid[]) AND control IS NOT NULL`, [ids]);
    return new Map(rows.map((r) => [r.id, json<NonNullable<OperationRecord["control"]>>(r.control)]));
  }

  async markPreempted(ids: string[], by: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(`UPDATE operations SET preempted_by = $2::uuid WHERE id = ANY($1::uuid[]) AND finished_at IS NULL`, [ids, by]);
  }

  async refreshReview(tx: StoreTransaction, reviewId: string, fresh: { evidence: { [key: string]: JsonValue }; evidenceHash: string; reason: string; severity: ReviewRecord["severity"]; evaluatedAt: Date }): Promise<boolean> {
    const rows = await sqlOf(tx).query<{ id: string }>(
      `UPDATE reviews SET evidence = $2::jsonb, evidence_hash = $3, reason = $4, severity = $5::"ConflictSeverity", evaluated_at = $6::timestamptz, version = version + 1
       WHERE id = $1::uuid AND status = 'PENDING' RETURNING id::text AS id`,
      [reviewId, JSON.stringify(fresh.evidence), fresh.evidenceHash, fresh.reason, fresh.severity, fresh.evaluatedAt.toISOString()],
    );
    return rows.length === 1;
  }

  async findByKeys(idempotencyKey: string | null, inflightKey: string): Promise<OperationRecord | null> {
    const rows = await this.db.query<OperationRow>(
      `SELECT ${OPERATION_COLUMNS} FROM operations o JOIN services s ON s.id = o.service_id
       WHERE o.inflight_key = $2 OR ($1::text IS NOT NULL AND o.idempotency_key = $1) ORDER BY o.seq LIMIT 1`,
      [idempotencyKey, inflightKey],
    );
    return rows[0] ? toOperation(rows[0]) : null;
  }

  async latestWithParams(service: string, params: { [key: string]: string }): Promise<OperationRecord | null> {
    // The service's operations, newest first, through the (service, created) order; few per service and revision.
    const rows = await this.db.query<OperationRow>(
      `SELECT ${OPERATION_COLUMNS} FROM operations o JOIN services s ON s.id = o.service_id
       WHERE s.name = $1 AND o.params @> $2::jsonb ORDER BY o.created_at DESC, o.seq DESC LIMIT 1`,
      [service, JSON.stringify(params)],
    );
    return rows[0] ? toOperation(rows[0]) : null;
  }

  async loadNeighbourhood(services: string[], since: Date, ownServices: string[]) {
    const [rows, last] = await Promise.all([
      this.db.query<{ id: string; type: string; service: string; actor: string; created_at: Date | string; params: unknown; seq: string; finished_at: Date | string | null; correlation_id: string; state: string; priority: number; started: boolean; attempt: number; queued: boolean }>(
        // Two arms, both ranges of the (service_id, finished_at) index: the unfinished
        // work (finished_at is NULL until a final state) and the changes finished since `since`.
        `WITH s AS (SELECT id, name FROM services WHERE name = ANY($1::text[]))
         SELECT o.id::text AS id, o.type::text AS type, s.name AS service, o.actor, o.created_at, o.params, o.seq::text AS seq, o.correlation_id,
                NULL::timestamptz AS finished_at, o.state::text AS state, o.priority, o.started_at IS NOT NULL AS started, o.attempt, o.queued_at IS NOT NULL AS queued
           FROM s JOIN operations o ON o.service_id = s.id WHERE o.finished_at IS NULL AND o.state IN ${UNFINISHED}
         UNION ALL
         SELECT o.id::text, o.type::text, s.name, o.actor, o.created_at, o.params, o.seq::text, o.correlation_id, o.finished_at, o.state::text, o.priority, o.started_at IS NOT NULL, o.attempt, false
           FROM s JOIN operations o ON o.service_id = s.id WHERE o.finished_at >= $2::timestamptz AND o.state IN ('COMPLETED','ROLLED_BACK')`,
        [services, since.toISOString()],
      ),
      this.db.query<{ service: string; at: Date | string }>(
        `SELECT s.name AS service, max(o.finished_at) AS at FROM services s JOIN operations o ON o.service_id = s.id
         WHERE s.name = ANY($1::text[]) AND o.type <> 'VERIFICATION' AND o.state IN ('COMPLETED','ROLLED_BACK') GROUP BY s.name`,
        [ownServices],
      ),
    ]);
    return {
      operations: rows.map((r) => ({
        id: r.id,
        type: r.type as OperationType,
        service: r.service,
        actor: r.actor,
        createdAt: date(r.created_at),
        params: json<Record<string, unknown>>(r.params),
        seq: BigInt(r.seq),
        finishedAt: dateOrNull(r.finished_at),
        correlationId: r.correlation_id,
        state: r.state as OperationState,
        priority: Number(r.priority),
        started: r.started,
        attempt: Number(r.attempt),
        queued: r.queued,
      })),
      lastChange: new Map(last.filter((r) => r.at !== null).map((r) => [r.service, date(r.at)])),
    };
  }

  async lastChangeFinishedAt(service: string, excludeId: string): Promise<Date | null> {
    const rows = await this.db.query<{ at: Date | string | null }>(
      `SELECT max(o.finished_at) AS at FROM operations o JOIN services s ON s.id = o.service_id
       WHERE s.name = $1 AND o.id <> $2::uuid AND o.type <> 'VERIFICATION' AND o.state IN ('COMPLETED','ROLLED_BACK')`,
      [service, excludeId],
    );
    return rows[0]?.at ? date(rows[0].at) : null;
  }

  async lockNeeds(ids: string[], settledBefore: Date) {
    const rows = await this.db.query<{ id: string; service: string; correlation_id: string; state: string; attempt: number; settled: boolean }>(
      `SELECT o.id::text AS id, s.name AS service, o.correlation_id, o.state::text AS state, o.attempt,
              (o.state NOT IN ${ACTIVE} AND NOT (o.state = 'PAUSED_FOR_HUMAN_REVIEW' AND (o.resume_approved OR o.control IS NOT NULL)) AND o.updated_at < $2::timestamptz) AS settled
       FROM operations o JOIN services s ON s.id = o.service_id WHERE o.id = ANY($1::uuid[])`,
      [ids, settledBefore.toISOString()],
    );
    return new Map(rows.map((r) => [r.id, { service: r.service, correlationId: r.correlation_id, state: r.state as OperationState, attempt: Number(r.attempt), settled: r.settled }]));
  }

  async recordStep(operationId: string, attempt: number, step: ExecutionStep): Promise<void> {
    await this.db.query(
      `INSERT INTO operation_steps (id, operation_id, attempt, name, outcome, detail, started_at, ended_at) VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6::jsonb, $7::timestamptz, $8::timestamptz)`,
      [crypto.randomUUID(), operationId, attempt, step.name, step.outcome, JSON.stringify(step.detail), step.startedAt, step.endedAt],
    );
  }

  async listSteps(operationId: string): Promise<ExecutionStep[]> {
    const rows = await this.db.query<{ name: string; outcome: string; detail: unknown; started_at: Date | string; ended_at: Date | string }>(
      `SELECT name, outcome, detail, started_at, ended_at FROM operation_steps WHERE operation_id = $1::uuid ORDER BY started_at, ended_at`,
      [operationId],
    );
    return rows.map((r) => ({ name: r.name, outcome: r.outcome as ExecutionStep["outcome"], detail: json(r.detail), startedAt: date(r.started_at).toISOString(), endedAt: date(r.ended_at).toISOString() }));
  }

  async listTransitions(operationId: string): Promise<TransitionRecord[]> {
    const rows = await this.db.query<{ from_state: string | null; to_state: string; version: number; actor: string; at: Date | string; metadata: unknown }>(
      `SELECT from_state::text AS from_state, to_state::text AS to_state, version, actor, at, metadata FROM operation_transitions WHERE operation_id = $1::uuid ORDER BY version`,
      [operationId],
    );
    return rows.map((r) => ({ from: r.from_state, to: r.to_state, version: Number(r.version), actor: r.actor, at: date(r.at), metadata: json<{ [key: string]: JsonValue }>(r.metadata) }));
  }

  async pendingReview(operationId: string): Promise<ReviewRecord | null> {
    const rows = await this.db.query<ReviewRow>(`SELECT ${REVIEW_COLUMNS} FROM reviews r WHERE r.operation_id = $1::uuid AND r.status = 'PENDING' ORDER BY r.created_at DESC LIMIT 1`, [operationId]);
    return rows[0] ? toReview(rows[0]) : null;
  }

  async decideReview(tx: StoreTransaction, d: { reviewId: string; status: "APPROVED" | "REJECTED" | "EXPIRED" | "CANCELLED"; decidedBy: string; decidedAt: Date; approvalId: string | null; notes: string | null }): Promise<boolean> {
    // status = 'PENDING' in the WHERE is the whole race: of a concurrent approve
    // and reject (or cancel), exactly one finds the row still pending.
    const rows = await sqlOf(tx).query<{ id: string }>(
      `UPDATE reviews SET status = $2::"ReviewStatus", decided_by = $3, decided_at = $4::timestamptz, approval_id = $5, notes = $6, version = version + 1, next_escalation_at = NULL
       WHERE id = $1::uuid AND status = 'PENDING' RETURNING id::text AS id`,
      [d.reviewId, d.status, d.decidedBy, d.decidedAt.toISOString(), d.approvalId, d.notes],
    );
    return rows.length === 1;
  }

  async listTimedOutReviews(now: Date, limit: number): Promise<ReviewRecord[]> {
    const rows = await this.db.query<ReviewRow>(`SELECT ${REVIEW_COLUMNS} FROM reviews r WHERE r.status = 'PENDING' AND r.timeout_at <= $1::timestamptz ORDER BY r.timeout_at LIMIT $2`, [now.toISOString(), limit]);
    return rows.map(toReview);
  }

  async announceWork(): Promise<void> {
    await this.db.query(`SELECT pg_notify($1, '')`, [WORK_CHANNEL]);
  }

  async announceControl(operationId: string): Promise<void> {
    await this.db.query(`SELECT pg_notify($1, $2)`, [WORK_CHANNEL, `control:${operationId}`]);
  }

  onWork(listener: (controlFor: string | null) => void): Promise<() => Promise<void>> {
    return this.db.listen(WORK_CHANNEL, (payload) => listener(payload.startsWith("control:") ? payload.slice("control:".length) : null));
  }
}

/** Runs SQL on whichever executor is given: a helper for the ledger and tests. */
export type { SqlExecutor };
