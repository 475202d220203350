import "server-only";
import type { StoreTransaction } from "../../core/audit/ports";
import { AppError } from "../../core/errors";
import type { RemediationCounts } from "../../core/remediation/decide-remediation";
import type { NewRule, RemediationStore, RuleChanges } from "../../core/remediation/ports";
import type { RemediationMatchRecord, RemediationMode, RemediationOutcome, RemediationRule, RuleBreaker, RuleMatch, RuleOperation } from "../../core/remediation/types";
import type { Database, SqlExecutor } from "./database";
import { json } from "./sql-query-builder";
import { runInRawTransaction, sqlOf } from "./transactions";

// Remediation rules and their matches in Postgres (and PGlite) (docs/incidents.md#remediation-rules).

const RULE_COLUMNS = `r.id::text AS id, r.name, r.enabled, r.mode::text AS mode, r.match, r.operation, r.max_per_incident, r.max_per_hour_per_service,
  r.tripped_at, r.tripped_reason, r.created_by, r.created_at, r.updated_by, r.updated_at`;

interface RuleRow {
  id: string;
  name: string;
  enabled: boolean;
  mode: string;
  match: unknown;
  operation: unknown;
  max_per_incident: number;
  max_per_hour_per_service: number;
  tripped_at: Date | string | null;
  tripped_reason: string | null;
  created_by: string;
  created_at: Date | string;
  updated_by: string;
  updated_at: Date | string;
}

const date = (v: Date | string) => (v instanceof Date ? v : new Date(v));

function toRule(row: RuleRow): RemediationRule {
  return {
    id: row.id,
    name: row.name,
    enabled: row.enabled,
    mode: row.mode as RemediationMode,
    match: json<RuleMatch>(row.match),
    operation: json<RuleOperation>(row.operation),
    breaker: { maxPerIncident: Number(row.max_per_incident), maxPerHourPerService: Number(row.max_per_hour_per_service) } satisfies RuleBreaker,
    trippedAt: row.tripped_at === null ? null : date(row.tripped_at),
    trippedReason: row.tripped_reason,
    createdBy: row.created_by,
    createdAt: date(row.created_at),
    updatedBy: row.updated_by,
    updatedAt: date(row.updated_at),
  };
}

interface MatchRow {
  id: string;
  rule_id: string;
  rule_name: string;
  incident_id: string;
  incident_key: string;
  service: string;
  fingerprint: string;
  at: Date | string;
  mode: string;
  outcome: string;
  reason: string;
  submission: unknown;
  operation_id: string | null;
}

export const MATCH_COLUMNS = `m.id::text AS id, m.rule_id::text AS rule_id, r.name AS rule_name, m.incident_id::text AS incident_id, i.key AS incident_key, m.service,
  m.fingerprint, m.at, m.mode::text AS mode, m.outcome, m.reason, m.submission, m.operation_id::text AS operation_id`;
export const FROM_MATCHES = `remediation_matches m JOIN remediation_rules r ON r.id = m.rule_id JOIN incidents i ON i.id = m.incident_id`;

export function toMatch(row: MatchRow): RemediationMatchRecord {
  return {
    id: row.id,
    ruleId: row.rule_id,
    ruleName: row.rule_name,
    incidentId: row.incident_id,
    incidentKey: row.incident_key,
    service: row.service,
    fingerprint: row.fingerprint,
    at: date(row.at),
    mode: row.mode as RemediationMode,
    outcome: row.outcome as RemediationOutcome,
    reason: row.reason,
    submission: json<Record<string, unknown>>(row.submission),
    operationId: row.operation_id,
  };
}

export async function readMatches(sql: Pick<SqlExecutor, "query">, filter: { ruleId?: string; incidentId?: string; limit: number }, order: "ASC" | "DESC" = "DESC"): Promise<RemediationMatchRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.ruleId) where.push(`m.rule_id = $${params.push(filter.ruleId)}::uuid`);
  if (filter.incidentId) where.push(`m.incident_id = $${params.push(filter.incidentId)}::uuid`);
  const rows = await sql.query<MatchRow>(
    `SELECT ${MATCH_COLUMNS} FROM ${FROM_MATCHES} ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY m.at ${order}, m.id ${order} LIMIT $${params.push(filter.limit)}`,
    params,
  );
  return rows.map(toMatch);
}

const isUniqueViolation = (error: unknown) => typeof error === "object" && error !== null && (error as { code?: unknown }).code === "23505";

/**
 * How long the enabled rules read for the intake are reused. Each decision
 * re-reads its rule under a row lock, so a rule disabled, changed or deleted
 * meanwhile never acts as it was; a rule added on another replica starts
 * matching there within this time (at once here: a change clears the cache).
 */
const ENABLED_RULES_MS = 2_000;

export class PostgresRemediationStore implements RemediationStore {
  private enabled: { rules: Promise<RemediationRule[]>; at: number } | null = null;

  constructor(private readonly db: Database) {}

  transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return runInRawTransaction(this.db, fn);
  }

  async listRules(): Promise<RemediationRule[]> {
    return (await this.db.query<RuleRow>(`SELECT ${RULE_COLUMNS} FROM remediation_rules r ORDER BY r.name`)).map(toRule);
  }

  enabledRules(): Promise<RemediationRule[]> {
    const now = performance.now();
    if (this.enabled && now - this.enabled.at < ENABLED_RULES_MS) return this.enabled.rules;
    const rules = this.db.query<RuleRow>(`SELECT ${RULE_COLUMNS} FROM remediation_rules r WHERE r.enabled ORDER BY r.name`).then((rows) => rows.map(toRule));
    this.enabled = { rules, at: now };
    // A failed read is not kept.
    rules.catch(() => {
      if (this.enabled?.rules === rules) this.enabled = null;
    });
    return rules;
  }

  async getRule(id: string): Promise<RemediationRule | null> {
    const [row] = await this.db.query<RuleRow>(`SELECT ${RULE_COLUMNS} FROM remediation_rules r WHERE r.id = $1::uuid`, [id]);
    return row ? toRule(row) : null;
  }

  async createRule(tx: StoreTransaction, rule: NewRule): Promise<RemediationRule> {
    this.enabled = null;
    try {
      const [row] = await sqlOf(tx).query<RuleRow>(
        `INSERT INTO remediation_rules AS r (id, name, enabled, mode, match, operation, max_per_incident, max_per_hour_per_service, created_by, created_at, updated_by, updated_at)
         VALUES ($1::uuid, $2, $3, $4::"RemediationMode", $5::jsonb, $6::jsonb, $7, $8, $9, $10::timestamptz, $9, $10::timestamptz)
         RETURNING ${RULE_COLUMNS}`,
        [rule.id, rule.name, rule.enabled, rule.mode, JSON.stringify(rule.match), JSON.stringify(rule.operation), rule.breaker.maxPerIncident, rule.breaker.maxPerHourPerService, rule.createdBy, rule.at.toISOString()],
      );
      return toRule(row!);
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError("CONFLICT", `A remediation rule named "${rule.name}" exists already: choose another name`, { name: rule.name });
      throw error;
    }
  }

  async lockRule(tx: StoreTransaction, id: string): Promise<RemediationRule | null> {
    const [row] = await sqlOf(tx).query<RuleRow>(`SELECT ${RULE_COLUMNS} FROM remediation_rules r WHERE r.id = $1::uuid FOR UPDATE`, [id]);
    return row ? toRule(row) : null;
  }

  async updateRule(tx: StoreTransaction, id: string, changes: RuleChanges, by: string, at: Date): Promise<RemediationRule> {
    this.enabled = null;
    try {
      const [row] = await sqlOf(tx).query<RuleRow>(
        `UPDATE remediation_rules AS r SET
            name = coalesce($2, r.name), enabled = coalesce($3, r.enabled), mode = coalesce($4::"RemediationMode", r.mode),
            match = coalesce($5::jsonb, r.match), operation = coalesce($6::jsonb, r.operation),
            max_per_incident = coalesce($7, r.max_per_incident), max_per_hour_per_service = coalesce($8, r.max_per_hour_per_service),
            tripped_at = CASE WHEN $9 THEN NULL ELSE r.tripped_at END, tripped_reason = CASE WHEN $9 THEN NULL ELSE r.tripped_reason END,
            updated_by = $10, updated_at = $11::timestamptz
          WHERE r.id = $1::uuid RETURNING ${RULE_COLUMNS}`,
        [
          id,
          changes.name ?? null,
          changes.enabled ?? null,
          changes.mode ?? null,
          changes.match ? JSON.stringify(changes.match) : null,
          changes.operation ? JSON.stringify(changes.operation) : null,
          changes.breaker?.maxPerIncident ?? null,
          changes.breaker?.maxPerHourPerService ?? null,
          changes.resetBreaker === true,
          by,
          at.toISOString(),
        ],
      );
      if (!row) throw new AppError("NOT_FOUND", `No remediation rule ${id}`, { id });
      return toRule(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError("CONFLICT", `A remediation rule named "${changes.name}" exists already: choose another name`, { name: changes.name });
      throw error;
    }
  }

  async deleteRule(tx: StoreTransaction, id: string): Promise<void> {
    this.enabled = null;
    await sqlOf(tx).query(`DELETE FROM remediation_rules WHERE id = $1::uuid`, [id]);
  }

  async trip(tx: StoreTransaction, id: string, at: Date, reason: string): Promise<void> {
    await sqlOf(tx).query(`UPDATE remediation_rules SET tripped_at = $2::timestamptz, tripped_reason = $3 WHERE id = $1::uuid`, [id, at.toISOString(), reason]);
  }

  async counts(tx: StoreTransaction, ruleId: string, incidentId: string, service: string, since: Date): Promise<RemediationCounts> {
    const [row] = await sqlOf(tx).query<{ for_incident: number; for_service: number }>(
      `SELECT (SELECT count(*)::int FROM remediation_matches WHERE rule_id = $1::uuid AND incident_id = $2::uuid AND outcome IN ('SUBMITTED', 'BREAKER_TRIPPED')) AS for_incident,
              (SELECT count(*)::int FROM remediation_matches WHERE rule_id = $1::uuid AND service = $3 AND at > $4::timestamptz AND outcome IN ('SUBMITTED', 'BREAKER_TRIPPED')) AS for_service`,
      [ruleId, incidentId, service, since.toISOString()],
    );
    return { forIncident: Number(row?.for_incident ?? 0), forServiceLastHour: Number(row?.for_service ?? 0) };
  }

  async recordMatch(tx: StoreTransaction, m: Omit<RemediationMatchRecord, "ruleName" | "incidentKey">): Promise<void> {
    await sqlOf(tx).query(
      `INSERT INTO remediation_matches (id, rule_id, incident_id, service, fingerprint, at, mode, outcome, reason, submission, operation_id)
       VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6::timestamptz, $7::"RemediationMode", $8, $9, $10::jsonb, $11::uuid)`,
      [m.id, m.ruleId, m.incidentId, m.service, m.fingerprint, m.at.toISOString(), m.mode, m.outcome, m.reason, JSON.stringify(m.submission), m.operationId],
    );
  }

  async settleMatch(tx: StoreTransaction, id: string, outcome: RemediationOutcome, reason: string, operationId: string | null): Promise<void> {
    await sqlOf(tx).query(`UPDATE remediation_matches SET outcome = $2, reason = $3, operation_id = $4::uuid WHERE id = $1::uuid`, [id, outcome, reason, operationId]);
  }

  listMatches(filter: { ruleId?: string; incidentId?: string; limit: number }): Promise<RemediationMatchRecord[]> {
    return readMatches(this.db, filter);
  }

  async matchCountsSince(since: Date): Promise<Map<string, number>> {
    const rows = await this.db.query<{ rule_id: string; n: number }>(`SELECT rule_id::text AS rule_id, count(*)::int AS n FROM remediation_matches WHERE at > $1::timestamptz GROUP BY rule_id`, [since.toISOString()]);
    return new Map(rows.map((r) => [r.rule_id, Number(r.n)]));
  }
}
