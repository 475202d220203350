// An admin's change of the conflict policy (console Settings, PUT
// /api/v1/settings/conflict-policy): validated (every bad field named, nothing
// written), stored complete, and audited with before and after, in one
// transaction. In force on every replica within seconds (a short cache).
import { getConflictPolicy } from "../conflicts/get-conflict-policy";
import { parseConflictPolicy, type ConflictPolicy } from "../conflicts/policy";
import type { ConflictPolicyStore } from "../conflicts/ports";
import { asJson, writeAuditedSetting, type SettingAudit } from "./write-audited-setting";

export async function changeConflictPolicy(deps: { policies: ConflictPolicyStore; audit: SettingAudit }, input: unknown, actor: string): Promise<ConflictPolicy> {
  const policy = parseConflictPolicy(input);
  const before = await getConflictPolicy(deps).catch(() => null);
  await writeAuditedSetting(deps.policies, deps.audit, policy, actor, {
    category: "MANUAL_INTERVENTION",
    severity: "WARNING",
    actor,
    action: "settings.conflict_policy_updated",
    payload: { before: asJson(before), after: asJson(policy) },
  });
  return policy;
}
