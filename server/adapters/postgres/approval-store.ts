import "server-only";
import type { StoreTransaction } from "../../core/audit/ports";
import type { ApprovalDeps, ApprovalFacts, ApprovalPolicyStore, ReviewApprovalRecord, ReviewApprovalStore, ServiceFacts } from "../../core/approvals/ports";
import type { ApprovalPolicy, ApprovalPolicyDraft } from "../../core/approvals/types";
import type { ChangeScope } from "../../core/freezes/types";
import { AppError } from "../../core/errors";
import type { Role } from "../../core/identity/roles";
import type { Database } from "./database";
import { runInRawTransaction, sqlOf } from "./transactions";

// Approval policies, the approvals of reviews that need several, and the
// facts a count reads: a service's team and tier, users' roles and teams
// (docs/approvals.md). Prisma keeps list columns nullable: NULL reads as empty.

interface PolicyRow {
  id: string;
  name: string;
  scope: ChangeScope;
  required_approvals: number;
  from_roles: Role[] | string | null;
  from_teams: string[] | null;
  enabled: boolean;
  created_by: string;
  created_at: Date | string;
  updated_at: Date | string;
}

interface ApprovalRow {
  review_id: string;
  approver: string;
  person: string;
  at: Date | string;
  approval_id: string;
  notes: string | null;
  evidence_hash: string;
  counted_for: { policies?: string[]; role?: Role; teams?: string[] } | string;
}

const POLICY_COLUMNS = "id, name, scope, required_approvals, from_roles::text[] AS from_roles, from_teams, enabled, created_by, created_at, updated_at";
const APPROVAL_COLUMNS = "review_id, approver, person, at, approval_id, notes, evidence_hash, counted_for";
const toDate = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));
const json = <T,>(value: T | string): T => (typeof value === "string" ? (JSON.parse(value) as T) : value);
// A text[] can arrive as "{A,B}" from a driver that does not parse arrays.
const textArray = (value: string[] | string | null): string[] => (value === null ? [] : Array.isArray(value) ? value : value.replace(/^\{|\}$/g, "").split(",").filter(Boolean).map((s) => s.replace(/^"|"$/g, "")));

function policyOf(row: PolicyRow): ApprovalPolicy {
  const scope = json(row.scope);
  return {
    id: row.id,
    name: row.name,
    scope: { services: scope.services ?? [], teams: scope.teams ?? [], tiers: scope.tiers ?? [], types: scope.types ?? [] },
    requiredApprovals: Number(row.required_approvals),
    fromRoles: textArray(row.from_roles) as Role[],
    fromTeams: textArray(row.from_teams),
    enabled: row.enabled,
    createdBy: row.created_by,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

function approvalOf(row: ApprovalRow): ReviewApprovalRecord {
  const counted = json(row.counted_for);
  return {
    reviewId: row.review_id,
    approver: row.approver,
    person: row.person,
    at: toDate(row.at),
    approvalId: row.approval_id,
    notes: row.notes,
    evidenceHash: row.evidence_hash,
    standing: { role: counted.role ?? "APPROVER", teams: counted.teams ?? [] },
    countedFor: counted.policies ?? [],
  };
}

export class PostgresApprovalStore implements ApprovalPolicyStore, ApprovalFacts, ReviewApprovalStore {
  constructor(private readonly db: Database) {}

  async listPolicies(): Promise<ApprovalPolicy[]> {
    return (await this.db.query<PolicyRow>(`SELECT ${POLICY_COLUMNS} FROM approval_policies ORDER BY name`)).map(policyOf);
  }

  async getPolicy(id: string): Promise<ApprovalPolicy | null> {
    const [row] = await this.db.query<PolicyRow>(`SELECT ${POLICY_COLUMNS} FROM approval_policies WHERE id::text = $1`, [id]);
    return row ? policyOf(row) : null;
  }

  transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return runInRawTransaction(this.db, fn);
  }

  async insertPolicy(tx: StoreTransaction, p: ApprovalPolicyDraft & { id: string; createdBy: string; now: Date }): Promise<ApprovalPolicy> {
    const [row] = await sqlOf(tx).query<PolicyRow>(
      `INSERT INTO approval_policies (id, name, scope, required_approvals, from_roles, from_teams, enabled, created_by, created_at, updated_at)
       VALUES ($1::uuid, $2, $3::jsonb, $4, $5::text[]::"Role"[], $6::text[], $7, $8, $9, $9)
       ON CONFLICT (name) DO NOTHING RETURNING ${POLICY_COLUMNS}`,
      [p.id, p.name, JSON.stringify(p.scope), p.requiredApprovals, p.fromRoles, p.fromTeams, p.enabled, p.createdBy, p.now],
    );
    if (!row) throw nameTaken(p.name);
    return policyOf(row);
  }

  async policyForChange(tx: StoreTransaction, id: string): Promise<ApprovalPolicy | null> {
    const [row] = await sqlOf(tx).query<PolicyRow>(`SELECT ${POLICY_COLUMNS} FROM approval_policies WHERE id::text = $1 FOR UPDATE`, [id]);
    return row ? policyOf(row) : null;
  }

  async updatePolicy(tx: StoreTransaction, p: ApprovalPolicy): Promise<ApprovalPolicy> {
    const [taken] = await sqlOf(tx).query<{ id: string }>(`SELECT id FROM approval_policies WHERE name = $1 AND id <> $2::uuid`, [p.name, p.id]);
    if (taken) throw nameTaken(p.name);
    const [row] = await sqlOf(tx).query<PolicyRow>(
      `UPDATE approval_policies SET name = $2, scope = $3::jsonb, required_approvals = $4, from_roles = $5::text[]::"Role"[], from_teams = $6::text[], enabled = $7, updated_at = $8
       WHERE id = $1::uuid RETURNING ${POLICY_COLUMNS}`,
      [p.id, p.name, JSON.stringify(p.scope), p.requiredApprovals, p.fromRoles, p.fromTeams, p.enabled, p.updatedAt],
    );
    if (!row) throw new AppError("NOT_FOUND", `Approval policy ${p.id} does not exist`, { policyId: p.id });
    return policyOf(row);
  }

  async deletePolicy(tx: StoreTransaction, id: string): Promise<boolean> {
    const rows = await sqlOf(tx).query<{ id: string }>(`DELETE FROM approval_policies WHERE id::text = $1 RETURNING id`, [id]);
    return rows.length > 0;
  }

  async serviceFacts(service: string): Promise<ServiceFacts | null> {
    const [row] = await this.db.query<ServiceFacts>(`SELECT name, team, tier FROM services WHERE name = $1`, [service]);
    return row ? { name: row.name, team: row.team, tier: Number(row.tier) } : null;
  }

  async allServices(): Promise<ServiceFacts[]> {
    return (await this.db.query<ServiceFacts>(`SELECT name, team, tier FROM services ORDER BY name`)).map((r) => ({ name: r.name, team: r.team, tier: Number(r.tier) }));
  }

  async usersStanding(ids: string[]): Promise<{ id: string; email: string; role: Role; teams: string[] }[]> {
    const rows = await this.db.query<{ id: string; email: string; role: Role; teams: string[] | string | null }>(
      `SELECT id::text AS id, email, role::text AS role, teams FROM users WHERE id::text = ANY($1::text[]) AND disabled_at IS NULL ORDER BY id`,
      [ids],
    );
    return rows.map((r) => ({ ...r, teams: textArray(r.teams) }));
  }

  async approvers(): Promise<{ id: string; email: string; role: Role; teams: string[] }[]> {
    const rows = await this.db.query<{ id: string; email: string; role: Role; teams: string[] | string | null }>(
      `SELECT id::text AS id, email, role::text AS role, teams FROM users WHERE disabled_at IS NULL AND role IN ('APPROVER', 'ADMIN') ORDER BY email`,
    );
    return rows.map((r) => ({ ...r, teams: textArray(r.teams) }));
  }

  async lockReview(tx: StoreTransaction, reviewId: string): Promise<{ status: string; evidenceHash: string } | null> {
    const [row] = await sqlOf(tx).query<{ status: string; evidence_hash: string }>(`SELECT status::text AS status, evidence_hash FROM reviews WHERE id = $1::uuid FOR UPDATE`, [reviewId]);
    return row ? { status: row.status, evidenceHash: row.evidence_hash } : null;
  }

  async approvalsOf(tx: StoreTransaction, reviewId: string): Promise<ReviewApprovalRecord[]> {
    return (await sqlOf(tx).query<ApprovalRow>(`SELECT ${APPROVAL_COLUMNS} FROM review_approvals WHERE review_id = $1::uuid ORDER BY at, id`, [reviewId])).map(approvalOf);
  }

  async approvalsOfReviews(reviewIds: string[]): Promise<Map<string, ReviewApprovalRecord[]>> {
    const result = new Map<string, ReviewApprovalRecord[]>();
    if (reviewIds.length === 0) return result;
    const rows = await this.db.query<ApprovalRow>(`SELECT ${APPROVAL_COLUMNS} FROM review_approvals WHERE review_id::text = ANY($1::text[]) ORDER BY at, id`, [reviewIds]);
    for (const row of rows) {
      const list = result.get(row.review_id) ?? [];
      list.push(approvalOf(row));
      result.set(row.review_id, list);
    }
    return result;
  }

  async recordApproval(tx: StoreTransaction, a: ReviewApprovalRecord): Promise<void> {
    await sqlOf(tx).query(
      `INSERT INTO review_approvals (id, review_id, approver, person, at, approval_id, notes, evidence_hash, counted_for)
       VALUES (gen_random_uuid(), $1::uuid, $2, $3, $4, $5, $6, $7, $8::jsonb)
       ON CONFLICT (review_id, person) DO UPDATE SET approver = EXCLUDED.approver, at = EXCLUDED.at, approval_id = EXCLUDED.approval_id, notes = EXCLUDED.notes, evidence_hash = EXCLUDED.evidence_hash, counted_for = EXCLUDED.counted_for`,
      [a.reviewId, a.approver, a.person, a.at, a.approvalId, a.notes, a.evidenceHash, JSON.stringify({ policies: a.countedFor, role: a.standing.role, teams: a.standing.teams })],
    );
  }

  async voidApprovals(tx: StoreTransaction, reviewId: string): Promise<number> {
    return (await sqlOf(tx).query<{ id: string }>(`DELETE FROM review_approvals WHERE review_id = $1::uuid RETURNING id`, [reviewId])).length;
  }
}

function nameTaken(name: string): AppError {
  return new AppError("CONFLICT", `An approval policy named "${name}" already exists`, { name });
}

/** The orchestrator's view of approvals over one database. */
export function approvalDeps(db: Database): ApprovalDeps {
  const store = new PostgresApprovalStore(db);
  return { policies: store, facts: store, reviews: store };
}
