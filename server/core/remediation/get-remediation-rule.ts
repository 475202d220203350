// One rule as the console's rule page shows it: its breaker state, its count
// of the last hour, and its recent matches, dry runs included
// (docs/incidents.md#remediation-rules).
import { AppError } from "../errors";
import { HOUR, type RuleView } from "./list-remediation-rules";
import type { RemediationStore } from "./ports";
import type { RemediationMatchRecord } from "./types";

export const RULE_MATCH_LIMIT = 100;

export async function getRemediationRule(deps: { remediation: RemediationStore }, id: string, now: Date): Promise<{ rule: RuleView; matches: RemediationMatchRecord[] }> {
  const rule = await deps.remediation.getRule(id);
  if (!rule) throw new AppError("NOT_FOUND", `No remediation rule ${id}`, { id });
  const [matches, counts] = await Promise.all([deps.remediation.listMatches({ ruleId: id, limit: RULE_MATCH_LIMIT }), deps.remediation.matchCountsSince(new Date(now.getTime() - HOUR))]);
  return { rule: { ...rule, matchesLastHour: counts.get(id) ?? 0 }, matches };
}
