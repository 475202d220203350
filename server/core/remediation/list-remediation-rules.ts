// The rules as the console and the API show them: each with its breaker state
// and how many alerts it matched in the last hour.
import type { RemediationStore } from "./ports";
import type { RemediationRule } from "./types";

export const HOUR = 3_600_000;

export type RuleView = RemediationRule & { matchesLastHour: number };

export async function listRemediationRules(deps: { remediation: RemediationStore }, now: Date): Promise<RuleView[]> {
  const [rules, counts] = await Promise.all([deps.remediation.listRules(), deps.remediation.matchCountsSince(new Date(now.getTime() - HOUR))]);
  return rules.map((rule) => ({ ...rule, matchesLastHour: counts.get(rule.id) ?? 0 }));
}
