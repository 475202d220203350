// An admin deletes a rule (docs/incidents.md#remediation-rules): its match
// history goes with it, the audit trail keeps both; operations it submitted
// are not touched.
import type { AuditRecord } from "../audit/types";
import { AppError } from "../errors";
import type { RuleChangeDeps } from "./change-remediation-rule";
import { ruleJson } from "./create-remediation-rule";

export async function deleteRemediationRule(deps: RuleChangeDeps, id: string, actor: string): Promise<void> {
  let records: AuditRecord[] = [];
  await deps.remediation.transact(async (tx) => {
    const before = await deps.remediation.lockRule(tx, id);
    if (!before) throw new AppError("NOT_FOUND", `No remediation rule ${id}`, { id });
    await deps.remediation.deleteRule(tx, id);
    records = await deps.audit.appendInTransaction(tx, [{ category: "MANUAL_INTERVENTION", severity: "WARNING", actor, action: "remediation.rule_deleted", payload: { ruleId: id, rule: before.name, before: ruleJson(before) } }]);
  });
  deps.audit.committed(records);
}
