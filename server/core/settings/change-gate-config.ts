// An admin's change of the safety gates (console Settings, PUT
// /api/v1/settings/gates): validated by the core's own parser (every bad field
// named, nothing written), stored complete, and audited with what it was before
// and what it is now, in one transaction. The orchestrator reads it through a
// short cache, so a change is in force on every replica within seconds.
import { parseGateConfig, type GateConfig } from "../gates/gate-config";
import { getGateConfig, type GateConfigStore } from "../gates/get-gate-config";
import { asJson, writeAuditedSetting, type SettingAudit } from "./write-audited-setting";

export async function changeGateConfig(deps: { gates: GateConfigStore; audit: SettingAudit }, input: unknown, actor: string): Promise<GateConfig> {
  const config = parseGateConfig(input);
  // An unreadable stored configuration must not block the admin fixing it.
  const before = await getGateConfig(deps).catch(() => null);
  await writeAuditedSetting(deps.gates, deps.audit, config, actor, {
    category: "MANUAL_INTERVENTION",
    severity: "WARNING",
    actor,
    action: "settings.gates_updated",
    payload: { before: asJson(before), after: asJson(config) },
  });
  return config;
}
