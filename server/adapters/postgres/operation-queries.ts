import "server-only";
import type { AuditCategory, AuditSeverity } from "../../core/audit/types";
import type { ConflictAction, ConflictSeverity, ConflictType } from "../../core/conflicts/types";
import { GATE_SOURCES, type GateSource, type SafetyGate } from "../../core/gates/types";
import type { ReviewStatus } from "../../core/operations/ports";
import type {
  OperationControlView,
  BreakGlassView,
  ConflictView,
  ExecutionLeaseView,
  EscalationStep,
  GateResultView,
  JsonObject,
  LockRequirementView,
  OperationAuditEvent,
  OperationDetailRecord,
  OperationFilter,
  OperationQueries,
  OperationStepView,
  OperationSummary,
  OperationTransitionView,
  PendingReviewRecord,
  ReviewView,
} from "../../core/operations/query-ports";
import type { ActorKind, ExecutionMode, OperationResult, OperationSource, OperationState, OperationType } from "../../core/operations/types";
import type { LeaseState } from "../../core/execution/lease";
import { isFinished } from "../../core/operations/state-machine";
import { splitPage, type Keyed, type PageRequest } from "../../core/pagination";
import type { Database, SqlExecutor } from "./database";
import { json, keyAt, positionOf, SqlQuery, type Keyset } from "./sql-query-builder";

// The read side of operations in Postgres (and PGlite): raw SQL through the
// Database abstraction, as the operation store writes it. Lists are keyset
// pages on (timestamp, id); a detail is read in one read-only REPEATABLE READ
// transaction, so its parts (state, transitions, evidence, audit events)
// describe the same moment.

// Drivers differ: pg parses timestamptz, Prisma's raw path may hand back text.
export const iso = (value: Date | string): string => (value instanceof Date ? value : new Date(value)).toISOString();
export const isoOrNull = (value: Date | string | null): string | null => (value === null ? null : iso(value));
const numberOrNull = (value: number | string | null): number | null => (value === null ? null : Number(value));

/** Runs `fn` in a read-only transaction that sees one snapshot of the database. */
export function readSnapshot<T>(db: Database, fn: (sql: SqlExecutor) => Promise<T>): Promise<T> {
  return db.withSession((session) => session.transaction((sql) => fn(sql), "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
}

/**
 * The columns of an operation summary from `operations o JOIN services s`,
 * each named with `prefix` so they can sit beside another table's columns.
 */
export function operationSummaryColumns(prefix = ""): string {
  return [
    `o.id::text AS ${prefix}id`,
    `o.type::text AS ${prefix}type`,
    `s.name AS ${prefix}service`,
    `o.state::text AS ${prefix}state`,
    `o.result::text AS ${prefix}result`,
    `o.actor AS ${prefix}actor`,
    `o.actor_kind::text AS ${prefix}actor_kind`,
    `o.correlation_id AS ${prefix}correlation_id`,
    `o.incident_id::text AS ${prefix}incident_id`,
    `o.source AS ${prefix}source`,
    `o.execution AS ${prefix}execution`,
    `o.lease_seconds AS ${prefix}lease_seconds`,
    `o.idempotency_key AS ${prefix}idempotency_key`,
    `o.params AS ${prefix}params`,
    `o.version AS ${prefix}version`,
    `o.priority AS ${prefix}priority`,
    `o.attempt AS ${prefix}attempt`,
    `o.resumes AS ${prefix}resumes`,
    `o.queued_at AS ${prefix}queued_at`,
    `o.control AS ${prefix}control`,
    `o.preempted_by::text AS ${prefix}preempted_by`,
    `o.break_glass AS ${prefix}break_glass`,
    `o.reason AS ${prefix}reason`,
    `o.error AS ${prefix}error`,
    `o.created_at AS ${prefix}created_at`,
    `o.updated_at AS ${prefix}updated_at`,
    `o.started_at AS ${prefix}started_at`,
    `o.finished_at AS ${prefix}finished_at`,
    `${keyAt("o.created_at")} AS ${prefix}key_at`,
  ].join(", ");
}

type Row = Record<string, unknown>;

export function toOperationSummary(row: Row, prefix = ""): OperationSummary {
  const v = (name: string) => row[prefix + name];
  return {
    id: v("id") as string,
    type: v("type") as OperationType,
    service: v("service") as string,
    state: v("state") as OperationState,
    result: v("result") as OperationResult | null,
    actor: v("actor") as string,
    actorKind: v("actor_kind") as ActorKind,
    correlationId: v("correlation_id") as string,
    incidentId: v("incident_id") as string | null,
    source: v("source") as OperationSource,
    execution: v("execution") as ExecutionMode,
    leaseSeconds: v("lease_seconds") === null ? null : Number(v("lease_seconds")),
    idempotencyKey: v("idempotency_key") as string | null,
    params: json<JsonObject>(v("params")),
    version: Number(v("version")),
    priority: Number(v("priority")),
    attempt: Number(v("attempt")),
    resumes: Number(v("resumes")),
    queuedAt: isoOrNull(v("queued_at") as Date | string | null),
    control: controlOf(v("control")),
    preemptedBy: v("preempted_by") as string | null,
    breakGlass: breakGlassOf(v("break_glass")),
    reason: v("reason") as string | null,
    error: v("error") as string | null,
    createdAt: iso(v("created_at") as Date | string),
    updatedAt: iso(v("updated_at") as Date | string),
    startedAt: isoOrNull(v("started_at") as Date | string | null),
    finishedAt: isoOrNull(v("finished_at") as Date | string | null),
  };
}

/** The stored break-glass mark ({by, role, reason, at}), or null. */
function breakGlassOf(value: unknown): BreakGlassView | null {
  if (value === null || value === undefined) return null;
  const b = json<Record<string, unknown>>(value);
  if (!b || typeof b !== "object" || typeof b.by !== "string") return null;
  return { by: b.by, role: String(b.role) as BreakGlassView["role"], reason: String(b.reason ?? ""), at: iso(String(b.at)) };
}

/** The stored control request ({action, by, reason, at}), or null when none is pending or it does not read as one. */
function controlOf(value: unknown): OperationControlView | null {
  if (value === null || value === undefined) return null;
  const c = json<Record<string, unknown>>(value);
  if (!c || typeof c !== "object" || !["PAUSE", "RESUME", "ABORT"].includes(c.action as string)) return null;
  return { action: c.action as OperationControlView["action"], by: String(c.by ?? ""), reason: String(c.reason ?? ""), at: iso(String(c.at)) };
}

const REVIEW_COLUMNS = `r.id::text AS r_id, r.operation_id::text AS r_operation_id, r.status::text AS r_status, r.requested_by AS r_requested_by,
  r.reason AS r_reason, r.severity::text AS r_severity, r.evidence AS r_evidence, r.evidence_hash AS r_evidence_hash, r.decided_by AS r_decided_by,
  r.decided_at AS r_decided_at, r.approval_id AS r_approval_id, r.notes AS r_notes, r.escalation_level AS r_escalation_level,
  r.escalation_plan AS r_escalation_plan, r.next_escalation_at AS r_next_escalation_at, r.timeout_at AS r_timeout_at, r.evaluated_at AS r_evaluated_at, r.created_at AS r_created_at,
  ${keyAt("r.created_at")} AS r_key_at`;

function toReview(row: Row): ReviewView {
  const plan = json<unknown>(row.r_escalation_plan);
  return {
    id: row.r_id as string,
    operationId: row.r_operation_id as string,
    status: row.r_status as ReviewStatus,
    reason: row.r_reason as string,
    severity: row.r_severity as ConflictSeverity,
    requestedBy: row.r_requested_by as string,
    evidence: json<JsonObject>(row.r_evidence),
    evidenceHash: row.r_evidence_hash as string,
    decidedBy: row.r_decided_by as string | null,
    decidedAt: isoOrNull(row.r_decided_at as Date | string | null),
    approvalId: row.r_approval_id as string | null,
    notes: row.r_notes as string | null,
    escalationLevel: Number(row.r_escalation_level),
    escalationPlan: Array.isArray(plan) ? (plan as EscalationStep[]).map((s) => ({ level: Number(s.level), at: iso(s.at) })) : [],
    nextEscalationAt: isoOrNull(row.r_next_escalation_at as Date | string | null),
    timeoutAt: isoOrNull(row.r_timeout_at as Date | string | null),
    evaluatedAt: isoOrNull(row.r_evaluated_at as Date | string | null),
    createdAt: iso(row.r_created_at as Date | string),
  };
}

const FROM_OPERATIONS = `operations o JOIN services s ON s.id = o.service_id`;
/** Operations newest first; pending reviews oldest first (the queue's order). */
const OPERATIONS_KEYSET: Keyset = { at: "o.created_at", id: "o.id", order: "DESC" };
const PENDING_REVIEWS_KEYSET: Keyset = { at: "r.created_at", id: "r.id", order: "ASC" };

export class PostgresOperationQueries implements OperationQueries {
  constructor(private readonly db: Database) {}

  async listOperations(filter: OperationFilter, page: PageRequest): Promise<Keyed<OperationSummary>[]> {
    const q = new SqlQuery();
    if (filter.states) {
      q.where(`o.state = ANY(?::text[]::"OperationState"[])`, filter.states);
      // Only unfinished states asked for (the work in flight): say so in the form of
      // the claim's partial index (operations_claimable_idx), which holds only those
      // rows, so the read does not walk every finished operation in created_at order.
      if (filter.states.length > 0 && !filter.states.some(isFinished)) q.where(`o.finished_at IS NULL`);
    }
    if (filter.type) q.where(`o.type = ?::"OperationType"`, filter.type);
    if (filter.service) q.where(`s.name = ?`, filter.service);
    if (filter.actor) q.where(`o.actor = ?`, filter.actor);
    if (filter.correlationId) q.where(`o.correlation_id = ?`, filter.correlationId);
    if (filter.incidentId) q.where(`o.incident_id = ?::uuid`, filter.incidentId);
    if (filter.since) q.where(`o.created_at >= ?::timestamptz`, filter.since.toISOString());
    if (filter.before) q.where(`o.created_at < ?::timestamptz`, filter.before.toISOString());
    const tail = q.page(OPERATIONS_KEYSET, page);
    const rows = await this.db.query<Row>(`SELECT ${operationSummaryColumns()} FROM ${FROM_OPERATIONS} ${q.whereClause()} ${tail}`, q.params);
    return rows.map((row) => ({ item: toOperationSummary(row), position: positionOf(row) }));
  }

  async getOperationDetail(id: string, options: { auditLimit: number }): Promise<OperationDetailRecord | null> {
    return readSnapshot(this.db, async (sql) => {
      const [op] = await sql.query<Row>(`SELECT ${operationSummaryColumns()}, o.lock_keys, o.conflict_check, o.outcome FROM ${FROM_OPERATIONS} WHERE o.id = $1::uuid`, [id]);
      if (!op) return null;
      const transitions = await sql.query<{ version: number; from_state: string | null; to_state: string; actor: string; at: Date | string; metadata: unknown }>(
        `SELECT version, from_state::text AS from_state, to_state::text AS to_state, actor, at, metadata FROM operation_transitions WHERE operation_id = $1::uuid ORDER BY version`,
        [id],
      );
      const steps = await sql.query<{ id: string; attempt: number; name: string; outcome: string; detail: unknown; started_at: Date | string; ended_at: Date | string }>(
        `SELECT id::text AS id, attempt, name, outcome, detail, started_at, ended_at FROM operation_steps WHERE operation_id = $1::uuid ORDER BY started_at, ended_at, id`,
        [id],
      );
      const gates = await sql.query<{ id: string; gate: string; source: string; passed: boolean; skipped: boolean; observed: number | string | null; threshold: number | string; unit: string; reason: string; checked_at: Date | string }>(
        `SELECT id::text AS id, gate::text AS gate, source, passed, skipped, observed, threshold, unit, reason, checked_at FROM gate_results WHERE operation_id = $1::uuid ORDER BY checked_at, gate`,
        [id],
      );
      // The other side of each conflict, looked up by primary key (ids that are not uuids match nothing).
      const conflicts = await sql.query<{
        id: string;
        type: string;
        severity: string;
        action: string;
        explanation: string;
        recommendation: string;
        blast_radius: number | string;
        affected_services: string[];
        conflicting: unknown;
        detected_at: Date | string;
      }>(
        `SELECT c.id::text AS id, c.type::text AS type, c.severity::text AS severity, c.action::text AS action, c.explanation, c.recommendation,
                c.blast_radius, c.affected_services, c.detected_at,
                COALESCE((SELECT jsonb_agg(jsonb_build_object('id', x.id, 'service', s2.name, 'type', o2.type::text, 'state', o2.state::text) ORDER BY x.n)
                            FROM unnest(c.conflicting_operation_ids) WITH ORDINALITY AS x(id, n)
                            LEFT JOIN operations o2 ON o2.id = CASE WHEN x.id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN x.id::uuid END
                            LEFT JOIN services s2 ON s2.id = o2.service_id), '[]'::jsonb) AS conflicting
           FROM conflicts c WHERE c.operation_id = $1::uuid ORDER BY c.detected_at, c.severity DESC, c.type, c.id`,
        [id],
      );
      const [review] = await sql.query<Row>(`SELECT ${REVIEW_COLUMNS} FROM reviews r WHERE r.operation_id = $1::uuid ORDER BY r.created_at DESC, r.id DESC LIMIT 1`, [id]);
      const events = await sql.query<{
        seq: string;
        at: string;
        category: string;
        severity: string;
        actor: string;
        service: string | null;
        correlation_id: string | null;
        action: string;
        payload: unknown;
        hash: string;
        prev_hash: string;
      }>(
        `SELECT e.seq::text AS seq, ${keyAt("e.at")} AS at, e.category::text AS category, e.severity::text AS severity, e.actor, e.service,
                e.correlation_id, e.action, e.payload, e.hash, e.prev_hash
           FROM audit_events e WHERE e.operation_id = $1::uuid ORDER BY e.seq LIMIT $2`,
        [id, options.auditLimit + 1],
      );
      const audit = splitPage(events, options.auditLimit);
      const [lease] = await sql.query<Row>(
        `SELECT state, fencing_token::text AS fencing_token, fences, lease_seconds, deadline, granted_at, last_heartbeat_at, heartbeats, hold_reason, ended_at, end_reason
           FROM execution_leases WHERE operation_id = $1::uuid`,
        [id],
      );
      return {
        operation: toOperationSummary(op),
        lockKeys: json<LockRequirementView[]>(op.lock_keys).map((k) => ({ scope: k.scope, resource: k.resource, mode: k.mode })),
        conflictCheck: op.conflict_check === null ? null : json<JsonObject>(op.conflict_check),
        outcome: op.outcome === null ? null : json<JsonObject>(op.outcome),
        transitions: transitions.map(
          (t): OperationTransitionView => ({ version: Number(t.version), from: t.from_state as OperationState | null, to: t.to_state as OperationState, actor: t.actor, at: iso(t.at), metadata: json<JsonObject>(t.metadata) }),
        ),
        steps: steps.map(
          (s): OperationStepView => ({
            id: s.id,
            attempt: Number(s.attempt),
            name: s.name,
            outcome: s.outcome as OperationStepView["outcome"],
            detail: json<JsonObject>(s.detail),
            startedAt: iso(s.started_at),
            endedAt: iso(s.ended_at),
          }),
        ),
        gateResults: gates.map(
          (g): GateResultView => ({
            id: g.id,
            gate: g.gate as SafetyGate,
            // '' on rows written before sources were kept.
            source: (GATE_SOURCES as readonly string[]).includes(g.source) ? (g.source as GateSource) : null,
            passed: g.passed,
            skipped: g.skipped,
            observed: numberOrNull(g.observed),
            threshold: Number(g.threshold),
            unit: g.unit,
            reason: g.reason,
            checkedAt: iso(g.checked_at),
          }),
        ),
        conflicts: conflicts.map(
          (c): ConflictView => ({
            id: c.id,
            type: c.type as ConflictType,
            severity: c.severity as ConflictSeverity,
            action: c.action as ConflictAction,
            explanation: c.explanation,
            recommendation: c.recommendation,
            blastRadius: Number(c.blast_radius),
            affectedServices: c.affected_services,
            conflictingOperations: json<ConflictView["conflictingOperations"]>(c.conflicting),
            detectedAt: iso(c.detected_at),
          }),
        ),
        review: review ? toReview(review) : null,
        auditEvents: audit.items.map(
          (e): OperationAuditEvent => ({
            seq: e.seq,
            at: e.at,
            category: e.category as AuditCategory,
            severity: e.severity as AuditSeverity,
            actor: e.actor,
            service: e.service,
            correlationId: e.correlation_id,
            action: e.action,
            payload: json<JsonObject>(e.payload),
            hash: e.hash,
            prevHash: e.prev_hash,
          }),
        ),
        auditEventsTruncated: audit.more,
        lease: lease ? leaseViewOf(lease) : null,
      };
    });
  }

  async listPendingReviews(page: PageRequest): Promise<Keyed<PendingReviewRecord>[]> {
    return readSnapshot(this.db, async (sql) => {
      // reviews (status, created_at) serves both the filter and the order.
      const q = new SqlQuery().where(`r.status = 'PENDING'`);
      const tail = q.page(PENDING_REVIEWS_KEYSET, page);
      const rows = await sql.query<Row>(
        `SELECT ${REVIEW_COLUMNS}, ${operationSummaryColumns("o_")}
           FROM reviews r JOIN operations o ON o.id = r.operation_id JOIN services s ON s.id = o.service_id
          ${q.whereClause()} ${tail}`,
        q.params,
      );
      if (rows.length === 0) return [];
      const ids = [...new Set(rows.map((r) => r.o_id as string))];
      const conflicts = await sql.query<{ operation_id: string; type: string; severity: string; action: string }>(
        `SELECT c.operation_id::text AS operation_id, c.type::text AS type, c.severity::text AS severity, c.action::text AS action
           FROM conflicts c WHERE c.operation_id = ANY($1::uuid[]) ORDER BY c.detected_at, c.severity DESC, c.type`,
        [ids],
      );
      // The failed gates of each operation's latest gate check (one check writes all its rows with one checked_at).
      const gates = await sql.query<{ operation_id: string; gate: string; observed: number | string | null; threshold: number | string; unit: string; reason: string }>(
        `SELECT g.operation_id::text AS operation_id, g.gate::text AS gate, g.observed, g.threshold, g.unit, g.reason
           FROM gate_results g
          WHERE g.operation_id = ANY($1::uuid[]) AND NOT g.passed AND NOT g.skipped
            AND g.checked_at = (SELECT max(l.checked_at) FROM gate_results l WHERE l.operation_id = g.operation_id)
          ORDER BY g.gate`,
        [ids],
      );
      const conflictsOf = groupBy(conflicts, (c) => c.operation_id);
      const gatesOf = groupBy(gates, (g) => g.operation_id);
      return rows.map((row) => {
        const operation = toOperationSummary(row, "o_");
        return {
          item: {
            review: toReview(row),
            operation,
            conflicts: (conflictsOf.get(operation.id) ?? []).map((c) => ({ type: c.type as ConflictType, severity: c.severity as ConflictSeverity, action: c.action as ConflictAction })),
            failedGates: (gatesOf.get(operation.id) ?? []).map((g) => ({ gate: g.gate as SafetyGate, observed: numberOrNull(g.observed), threshold: Number(g.threshold), unit: g.unit, reason: g.reason })),
          },
          position: positionOf(row, "r_"),
        };
      });
    });
  }
}

function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

function leaseViewOf(row: Row): ExecutionLeaseView {
  return {
    state: row.state as LeaseState,
    fencingToken: row.fencing_token as string,
    fences: json<ExecutionLeaseView["fences"]>(row.fences),
    leaseSeconds: Number(row.lease_seconds),
    deadline: isoOrNull(row.deadline as Date | string | null),
    grantedAt: iso(row.granted_at as Date | string),
    lastHeartbeatAt: isoOrNull(row.last_heartbeat_at as Date | string | null),
    heartbeats: Number(row.heartbeats),
    holdReason: row.hold_reason as string | null,
    endedAt: isoOrNull(row.ended_at as Date | string | null),
    endReason: row.end_reason as string | null,
  };
}
