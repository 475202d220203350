// An admin creates, changes or deletes an approval policy (console Settings →
// Approval policies, /api/v1/approval-policies): validated first (every bad
// field named, nothing written), then written with its audit event in one
// transaction (docs/approvals.md#editing-policies).
import type { AuditLog } from "../audit/audit-log";
import type { AuditEventInput, AuditRecord, JsonValue } from "../audit/types";
import { AppError } from "../errors";
import { parseInput } from "../parse-input";
import type { ApprovalPolicyStore } from "./ports";
import { ZApprovalPolicyDraft, ZApprovalPolicyPatch, type ApprovalPolicy } from "./types";

export interface PolicyDeps {
  policies: ApprovalPolicyStore;
  audit: Pick<AuditLog, "appendInTransaction" | "committed">;
  now: Date;
  newId: () => string;
}

export async function createApprovalPolicy(deps: PolicyDeps, input: unknown, actor: string): Promise<ApprovalPolicy> {
  const draft = parseInput(ZApprovalPolicyDraft, input, "approval policy");
  return audited(deps, async (tx) => {
    const created = await deps.policies.insertPolicy(tx, { ...draft, id: deps.newId(), createdBy: actor, now: deps.now });
    return { result: created, event: event(actor, "approval_policy.created", { policyId: created.id, after: view(created) }) };
  });
}

export async function changeApprovalPolicy(deps: PolicyDeps, id: string, input: unknown, actor: string): Promise<ApprovalPolicy> {
  const patch = parseInput(ZApprovalPolicyPatch, input, "approval policy change");
  return audited(deps, async (tx) => {
    const before = await deps.policies.policyForChange(tx, id);
    if (!before) throw notFound(id);
    const after = await deps.policies.updatePolicy(tx, { ...before, ...patch, updatedAt: deps.now });
    return { result: after, event: event(actor, "approval_policy.updated", { policyId: id, before: view(before), after: view(after) }) };
  });
}

export async function deleteApprovalPolicy(deps: PolicyDeps, id: string, actor: string): Promise<ApprovalPolicy> {
  return audited(deps, async (tx) => {
    const before = await deps.policies.policyForChange(tx, id);
    if (!before || !(await deps.policies.deletePolicy(tx, id))) throw notFound(id);
    return { result: before, event: event(actor, "approval_policy.deleted", { policyId: id, before: view(before) }) };
  });
}

async function audited<T>(deps: PolicyDeps, fn: (tx: Parameters<Parameters<ApprovalPolicyStore["transact"]>[0]>[0]) => Promise<{ result: T; event: AuditEventInput }>): Promise<T> {
  let records: AuditRecord[] = [];
  const result = await deps.policies.transact(async (tx) => {
    const { result, event } = await fn(tx);
    records = await deps.audit.appendInTransaction(tx, [event]);
    return result;
  });
  deps.audit.committed(records);
  return result;
}

function event(actor: string, action: string, payload: { [key: string]: JsonValue }): AuditEventInput {
  return { category: "MANUAL_INTERVENTION", severity: "WARNING", actor, action, payload };
}

function view(p: ApprovalPolicy): { [key: string]: JsonValue } {
  return { name: p.name, scope: { ...p.scope }, requiredApprovals: p.requiredApprovals, fromRoles: [...p.fromRoles], fromTeams: [...p.fromTeams], enabled: p.enabled };
}

function notFound(id: string): AppError {
  return new AppError("NOT_FOUND", `Approval policy ${id} does not exist`, { policyId: id });
}
