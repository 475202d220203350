// An admin changes a rule or resets its tripped breaker
// (docs/incidents.md#remediation-rules); each with its audit event, before and
// after, in the same transaction.
import { ZRulePatch } from "./rule-schemas";
import type { AuditEventInput, AuditRecord } from "../audit/types";
import { AppError } from "../errors";
import { ruleJson } from "./create-remediation-rule";
import { parseInput } from "../parse-input";
import type { RemediationDeps } from "./run-remediation-rules";
import type { RemediationRule } from "./types";

export type RuleChangeDeps = Pick<RemediationDeps, "remediation" | "audit" | "clock">;

export async function changeRemediationRule(deps: RuleChangeDeps, id: string, input: unknown, actor: string): Promise<RemediationRule> {
  const patch = parseInput(ZRulePatch, input, "remediation rule change");
  let records: AuditRecord[] = [];
  const updated = await deps.remediation.transact(async (tx) => {
    const before = await deps.remediation.lockRule(tx, id);
    if (!before) throw new AppError("NOT_FOUND", `No remediation rule ${id}`, { id });
    const { resetBreaker, breaker, ...rest } = patch;
    const after = await deps.remediation.updateRule(tx, id, { ...rest, ...(breaker ? { breaker: { ...before.breaker, ...breaker } } : {}), resetBreaker: resetBreaker === true }, actor, deps.clock.now());
    const events: AuditEventInput[] = [];
    const edited = Object.keys(rest).length > 0 || breaker !== undefined;
    if (edited) events.push({ category: "MANUAL_INTERVENTION", severity: "WARNING", actor, action: "remediation.rule_updated", payload: { ruleId: id, rule: after.name, before: ruleJson(before), after: ruleJson(after) } });
    if (resetBreaker && before.trippedAt) {
      events.push({ category: "MANUAL_INTERVENTION", severity: "WARNING", actor, action: "remediation.breaker_reset", payload: { ruleId: id, rule: after.name, trippedAt: before.trippedAt.toISOString(), trippedReason: before.trippedReason } });
    }
    records = events.length ? await deps.audit.appendInTransaction(tx, events) : [];
    return after;
  });
  deps.audit.committed(records);
  return updated;
}
