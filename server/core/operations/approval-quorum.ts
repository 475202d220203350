// How many approvals an operation needs and whether it has them
// (docs/approvals.md): pure, so the rules are tested without a store.
//
//  - Every enabled policy whose scope covers the operation applies, and all of
//    them must be met; one approval counts toward each policy it is eligible for.
//  - No policy applies: one approval by an APPROVER or ADMIN (the rule before
//    policies existed).
//  - A policy counts distinct people: a person and their API tokens are one.
//  - The requester never counts (four-eyes, ./four-eyes.ts).
import { scopeMatches, type ScopeTarget } from "../freezes/scope-match";
import type { ApprovalPolicy } from "../approvals/types";
import { DEFAULT_APPROVER_ROLES, OWNING_TEAM } from "../approvals/types";
import type { Role } from "../identity/roles";
import { fourEyesRefusal, type ReviewParty } from "./four-eyes";

/** The rule a review is counted against: a stored policy, or the default one. */
export interface QuorumRule {
  /** Null for the default rule. */
  id: string | null;
  name: string;
  requiredApprovals: number;
  fromRoles: readonly Role[];
  fromTeams: readonly string[];
}

export const DEFAULT_RULE: QuorumRule = { id: null, name: "default", requiredApprovals: 1, fromRoles: DEFAULT_APPROVER_ROLES, fromTeams: [] };

/** An approval as the count sees it. */
export interface CountableApproval {
  actor: string;
  person: string;
  role: Role;
  teams: readonly string[];
  at: Date;
}

export interface RuleTally {
  policyId: string | null;
  name: string;
  required: number;
  have: number;
  met: boolean;
  /** Actors of the approvals counted toward this rule, in the order given. */
  approvers: string[];
  /** Who may count: "role APPROVER or ADMIN from team payments". */
  eligible: string;
}

export interface Quorum {
  met: boolean;
  /** Distinct approvals counted so far plus the fewest still needed. */
  required: number;
  approvals: { by: string; at: Date }[];
  /** "1 of 2 approvals". */
  summary: string;
  policies: RuleTally[];
  /** What is still needed, one sentence per unmet rule. */
  needed: string[];
}

/** A quorum as the API answers it (times as ISO strings). */
export interface QuorumView extends Omit<Quorum, "approvals"> {
  approvals: { by: string; at: string }[];
}

/** The rules that apply to an operation: every enabled policy whose scope covers it, else the default. */
export function rulesFor(policies: readonly ApprovalPolicy[], target: ScopeTarget): QuorumRule[] {
  const matching = policies
    .filter((p) => p.enabled && scopeMatches(p.scope, target))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((p) => ({ id: p.id, name: p.name, requiredApprovals: p.requiredApprovals, fromRoles: p.fromRoles, fromTeams: p.fromTeams }));
  return matching.length > 0 ? matching : [DEFAULT_RULE];
}

/** The teams a rule draws on, with "owning" read as the service's owning team. */
export function teamsOf(rule: QuorumRule, owningTeam: string | null): string[] {
  return [...new Set(rule.fromTeams.flatMap((t) => (t === OWNING_TEAM ? (owningTeam ? [owningTeam] : []) : [t])))];
}

export function isEligible(rule: QuorumRule, approver: { role: Role; teams: readonly string[] }, owningTeam: string | null): boolean {
  if (!rule.fromRoles.includes(approver.role)) return false;
  if (rule.fromTeams.length === 0) return true;
  const teams = teamsOf(rule, owningTeam);
  return approver.teams.some((t) => teams.includes(t));
}

export function eligibleText(rule: QuorumRule, owningTeam: string | null): string {
  const roles = `role ${rule.fromRoles.join(" or ")}`;
  if (rule.fromTeams.length === 0) return roles;
  const teams = teamsOf(rule, owningTeam);
  return teams.length === 0 ? `${roles} from the owning team (the service has none in the topology)` : `${roles} from team ${teams.join(" or ")}`;
}

/**
 * Counts `approvals` against `rules`. An approval by the requester (same
 * actor, or the same person through a token) is left out; of several
 * approvals by one person only the first counts.
 */
export function countQuorum(input: { rules: readonly QuorumRule[]; approvals: readonly CountableApproval[]; requester: ReviewParty; owningTeam: string | null }): Quorum {
  const seen = new Set<string>();
  const valid = input.approvals.filter((a) => {
    if (seen.has(a.person)) return false;
    seen.add(a.person);
    return fourEyesRefusal(input.requester, { actor: a.actor, people: [a.person] }) === null;
  });
  const policies: RuleTally[] = input.rules.map((rule) => {
    const approvers = valid.filter((a) => isEligible(rule, a, input.owningTeam)).map((a) => a.actor);
    return {
      policyId: rule.id,
      name: rule.name,
      required: rule.requiredApprovals,
      have: Math.min(approvers.length, rule.requiredApprovals),
      met: approvers.length >= rule.requiredApprovals,
      approvers,
      eligible: eligibleText(rule, input.owningTeam),
    };
  });
  const counted = valid.filter((a) => policies.some((p) => p.approvers.includes(a.actor)));
  const missing = Math.max(0, ...policies.map((p) => p.required - p.have));
  const required = counted.length + missing;
  const needed = policies.filter((p) => !p.met).map((p) => neededText(p));
  return {
    met: policies.every((p) => p.met),
    required,
    approvals: counted.map((a) => ({ by: a.actor, at: a.at })),
    summary: `${counted.length} of ${required} approval${required === 1 ? "" : "s"}`,
    policies,
    needed,
  };
}

function neededText(p: RuleTally): string {
  const more = p.required - p.have;
  const from = p.eligible.match(/^role (.*?) from (.*)$/);
  return `${p.policyId === null ? "" : `policy ${p.name} `}needs ${more} more approval${more === 1 ? "" : "s"} ${from ? `from ${from[2]} (role ${from[1]})` : `(${p.eligible})`}`;
}

export type ApprovalRefusal = { kind: "already-approved"; message: string } | { kind: "not-eligible"; message: string } | null;

/**
 * Whether one more approval by `approver` may be recorded, given the count so
 * far: refused when they already approved (409), or when they are eligible
 * for no rule still unmet (403, naming what is needed).
 */
export function approvalRefusal(quorum: Quorum, rules: readonly QuorumRule[], approver: { actor: string; person: string; role: Role; teams: readonly string[] }, alreadyApproved: boolean, owningTeam: string | null): ApprovalRefusal {
  if (alreadyApproved) return { kind: "already-approved", message: `${approver.actor} already approved; ${quorum.summary}` };
  const unmet = quorum.policies.map((tally, i) => ({ tally, rule: rules[i]! })).filter((x) => !x.tally.met);
  if (unmet.length === 0) return null;
  if (unmet.some((x) => isEligible(x.rule, approver, owningTeam))) return null;
  return {
    kind: "not-eligible",
    message: `${approver.actor} (role ${approver.role}${approver.teams.length ? `, team ${approver.teams.join(", ")}` : ", no team"}) cannot count toward this approval: ${quorum.needed.join("; ")}`,
  };
}
