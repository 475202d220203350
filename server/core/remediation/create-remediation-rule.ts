// An admin adds a remediation rule (docs/incidents.md#remediation-rules); the
// rule and its audit event commit together.
import { ZRuleInput } from "./rule-schemas";
import type { AuditRecord, JsonValue } from "../audit/types";
import type { RemediationDeps } from "./run-remediation-rules";
import { parseInput } from "../parse-input";
import type { RemediationRule } from "./types";

export async function createRemediationRule(deps: Pick<RemediationDeps, "remediation" | "audit" | "clock" | "newId">, input: unknown, actor: string): Promise<RemediationRule> {
  const rule = parseInput(ZRuleInput, input, "remediation rule");
  let records: AuditRecord[] = [];
  const created = await deps.remediation.transact(async (tx) => {
    const row = await deps.remediation.createRule(tx, { id: deps.newId(), ...rule, createdBy: actor, updatedBy: actor, at: deps.clock.now() });
    records = await deps.audit.appendInTransaction(tx, [
      { category: "MANUAL_INTERVENTION", severity: "WARNING", actor, action: "remediation.rule_created", payload: { ruleId: row.id, rule: row.name, after: ruleJson(row) } },
    ]);
    return row;
  });
  deps.audit.committed(records);
  return created;
}

/** What the audit trail keeps of a rule. */
export function ruleJson(rule: RemediationRule): JsonValue {
  const operation: JsonValue = { type: rule.operation.type, params: { ...rule.operation.params }, ...(rule.operation.priority ? { priority: rule.operation.priority } : {}) };
  const match: JsonValue = { ...rule.match, ...(rule.match.labels ? { labels: { ...rule.match.labels } } : {}) };
  return { name: rule.name, enabled: rule.enabled, mode: rule.mode, match, operation, breaker: { ...rule.breaker } };
}
