import "server-only";
import { ZIdParams } from "@/lib/api/common";
import { ZRemediationRule, ZRemediationRuleDetail, ZRemediationRuleInput, ZRemediationRuleList, ZRemediationRulePatch } from "@/lib/api/remediation";
import type { z } from "zod";
import { changeRemediationRule } from "../../core/remediation/change-remediation-rule";
import { deleteRemediationRule } from "../../core/remediation/delete-remediation-rule";
import { createRemediationRule } from "../../core/remediation/create-remediation-rule";
import { getRemediationRule } from "../../core/remediation/get-remediation-rule";
import { listRemediationRules, type RuleView } from "../../core/remediation/list-remediation-rules";
import type { RemediationMatchRecord, RemediationRule } from "../../core/remediation/types";
import { endpoint } from "../endpoint";
import { remediationDeps } from "./incident-deps";
import { AUTH_ERRORS, CONFLICT, NOT_FOUND } from "./responses";

type TRule = z.infer<typeof ZRemediationRule>;

function ruleView(rule: RemediationRule, matchesLastHour: number): TRule {
  return {
    id: rule.id,
    name: rule.name,
    enabled: rule.enabled,
    mode: rule.mode,
    match: rule.match,
    operation: rule.operation,
    breaker: rule.breaker,
    trippedAt: rule.trippedAt?.toISOString() ?? null,
    trippedReason: rule.trippedReason,
    createdBy: rule.createdBy,
    createdAt: rule.createdAt.toISOString(),
    updatedBy: rule.updatedBy,
    updatedAt: rule.updatedAt.toISOString(),
    matchesLastHour,
  };
}

const viewOf = (rule: RuleView) => ruleView(rule, rule.matchesLastHour);
const matchView = (m: RemediationMatchRecord) => ({ ...m, at: m.at.toISOString(), submission: m.submission as { [key: string]: never } });

export const listRemediationRulesEndpoint = endpoint({
  operationId: "listRemediationRules",
  method: "GET",
  path: "/api/v1/remediation-rules",
  summary: "List remediation rules",
  description: "Every rule with its mode, its breaker state and how many alerts it matched in the last hour (docs/incidents.md#remediation-rules).",
  tags: ["remediation"],
  access: "VIEWER",
  responses: { 200: { description: "The rules, by name", schema: ZRemediationRuleList }, ...AUTH_ERRORS },
  async handler({ container }) {
    return { status: 200, body: { items: (await listRemediationRules({ remediation: container.incidents.remediation }, container.clock.now())).map(viewOf) } };
  },
});

export const createRemediationRuleEndpoint = endpoint({
  operationId: "createRemediationRule",
  method: "POST",
  path: "/api/v1/remediation-rules",
  summary: "Add a remediation rule",
  description: "When an alert matching `match` fires, submit `operation` (parameters templated from the alert's labels) for its incident: DRY_RUN records what it would submit, AUTO submits, ASK submits for a person's approval. The breaker stops the rule after `maxPerIncident` submissions for one incident or `maxPerHourPerService` for one service in an hour. Audited.",
  tags: ["remediation"],
  access: "ADMIN",
  body: ZRemediationRuleInput,
  responses: { 201: { description: "Created", schema: ZRemediationRule }, ...AUTH_ERRORS, ...CONFLICT },
  async handler({ container, principal, body }) {
    const rule = await createRemediationRule(remediationDeps(container), body, principal!.actor);
    return { status: 201, body: ruleView(rule, 0), headers: { location: `/api/v1/remediation-rules/${rule.id}` } };
  },
});

export const getRemediationRuleEndpoint = endpoint({
  operationId: "getRemediationRule",
  method: "GET",
  path: "/api/v1/remediation-rules/{id}",
  summary: "A remediation rule and its recent matches",
  description: "The rule, its breaker state, and its last 100 matches (dry runs included) with what each did.",
  tags: ["remediation"],
  access: "VIEWER",
  params: ZIdParams,
  responses: { 200: { description: "The rule", schema: ZRemediationRuleDetail }, ...AUTH_ERRORS, ...NOT_FOUND },
  async handler({ container, params }) {
    const { rule, matches } = await getRemediationRule({ remediation: container.incidents.remediation }, params.id, container.clock.now());
    return { status: 200, body: { rule: viewOf(rule), matches: matches.map(matchView) } };
  },
});

export const updateRemediationRuleEndpoint = endpoint({
  operationId: "updateRemediationRule",
  method: "PATCH",
  path: "/api/v1/remediation-rules/{id}",
  summary: "Change a remediation rule, or reset its breaker",
  description: "Any field of the rule; `resetBreaker: true` closes a tripped breaker so the rule submits again. Audited with before and after.",
  tags: ["remediation"],
  access: "ADMIN",
  params: ZIdParams,
  body: ZRemediationRulePatch,
  responses: { 200: { description: "The rule now", schema: ZRemediationRule }, ...AUTH_ERRORS, ...NOT_FOUND, ...CONFLICT },
  async handler({ container, principal, params, body }) {
    const rule = await changeRemediationRule(remediationDeps(container), params.id, body, principal!.actor);
    const counts = await container.incidents.remediation.matchCountsSince(new Date(container.clock.now().getTime() - 3_600_000));
    return { status: 200, body: ruleView(rule, counts.get(rule.id) ?? 0) };
  },
});

export const deleteRemediationRuleEndpoint = endpoint({
  operationId: "deleteRemediationRule",
  method: "DELETE",
  path: "/api/v1/remediation-rules/{id}",
  summary: "Delete a remediation rule",
  description: "The rule and its match history go; the audit trail keeps both. Operations it submitted are not touched.",
  tags: ["remediation"],
  access: "ADMIN",
  params: ZIdParams,
  responses: { 204: { description: "Deleted" }, ...AUTH_ERRORS, ...NOT_FOUND },
  async handler({ container, principal, params }) {
    await deleteRemediationRule(remediationDeps(container), params.id, principal!.actor);
    return new Response(null, { status: 204 });
  },
});
