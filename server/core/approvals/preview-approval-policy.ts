// What a policy draft would do, before it is saved (the console's live
// preview, POST /api/v1/approval-policies/preview): the services of the
// topology its scope covers, for each type it names, and the people who could
// count toward it (docs/approvals.md#editing-policies). Writes nothing.
import { scopeMatches } from "../freezes/scope-match";
import { OPERATION_TYPES } from "../operations/types";
import { isEligible } from "../operations/approval-quorum";
import { parseInput } from "../parse-input";
import type { ApprovalFacts } from "./ports";
import { ZApprovalPolicyDraft } from "./types";

export interface ApprovalPolicyPreview {
  services: { name: string; team: string; tier: number }[];
  /** Per matched service, the people who could approve under this policy (for "owning", its team's members). */
  approvers: { email: string; role: string; teams: string[]; services: number }[];
  /** Matched services for which nobody could approve: the policy could never be met there. */
  unapprovable: string[];
  totalServices: number;
}

export async function previewApprovalPolicy(deps: { facts: ApprovalFacts }, input: unknown): Promise<ApprovalPolicyPreview> {
  const draft = parseInput(ZApprovalPolicyDraft, input, "approval policy");
  const [all, people] = await Promise.all([deps.facts.allServices(), deps.facts.approvers()]);
  const types = draft.scope.types.length > 0 ? draft.scope.types : OPERATION_TYPES;
  const services = all.filter((s) => types.some((type) => scopeMatches(draft.scope, { service: s.name, team: s.team, tier: s.tier, type })));
  const rule = { id: "draft", name: draft.name, requiredApprovals: draft.requiredApprovals, fromRoles: draft.fromRoles, fromTeams: draft.fromTeams };
  const counts = new Map<string, number>();
  const unapprovable: string[] = [];
  for (const s of services) {
    const eligible = people.filter((p) => isEligible(rule, p, s.team));
    if (eligible.length < draft.requiredApprovals) unapprovable.push(s.name);
    for (const p of eligible) counts.set(p.email, (counts.get(p.email) ?? 0) + 1);
  }
  return {
    services,
    approvers: people.filter((p) => counts.has(p.email)).map((p) => ({ email: p.email, role: p.role, teams: p.teams, services: counts.get(p.email)! })),
    unapprovable,
    totalServices: all.length,
  };
}
