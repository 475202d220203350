// An admin's change of the safety gates or the conflict policy (console
// Settings, PUT /api/v1/settings/…): validated by the core's own parser (every
// bad field named, nothing written), stored complete, and audited with what it
// was before and what it is now. The orchestrator reads both through a short
// cache, so a change is in force on every replica within seconds.
import type { AuditLog } from "../audit/audit-log";
import type { JsonValue } from "../audit/types";
import { getConflictPolicy } from "../conflicts/get-conflict-policy";
import type { ConflictPolicy } from "../conflicts/policy";
import type { ConflictPolicyStore } from "../conflicts/ports";
import { updateConflictPolicy } from "../conflicts/update-conflict-policy";
import type { GateConfig } from "../gates/gate-config";
import { getGateConfig, updateGateConfig, type GateConfigStore } from "../gates/get-gate-config";

type Audit = Pick<AuditLog, "append">;
const json = (value: unknown) => value as unknown as JsonValue;

export async function changeGateConfig(deps: { gates: GateConfigStore; audit: Audit }, input: unknown, actor: string): Promise<GateConfig> {
  // An unreadable stored configuration must not block the admin fixing it.
  const before = await getGateConfig(deps).catch(() => null);
  const config = await updateGateConfig(deps, input, actor);
  await deps.audit.append({ category: "MANUAL_INTERVENTION", severity: "WARNING", actor, action: "settings.gates_updated", payload: { before: json(before), after: json(config) } });
  return config;
}

export async function changeConflictPolicy(deps: { policies: ConflictPolicyStore; audit: Audit }, input: unknown, actor: string): Promise<ConflictPolicy> {
  const before = await getConflictPolicy(deps).catch(() => null);
  const policy = await updateConflictPolicy(deps, input, actor);
  await deps.audit.append({ category: "MANUAL_INTERVENTION", severity: "WARNING", actor, action: "settings.conflict_policy_updated", payload: { before: json(before), after: json(policy) } });
  return policy;
}
