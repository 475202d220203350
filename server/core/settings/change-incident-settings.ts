// An admin's change of the incident settings (console Settings, PUT
// /api/v1/settings/incidents): validated whole (every bad field named, nothing
// written), stored complete, and audited with before and after in one
// transaction (docs/incidents.md#settings).
import { getIncidentSettings, parseIncidentSettings, type IncidentSettings, type IncidentSettingsStore } from "../incidents/incident-settings";
import { asJson, writeAuditedSetting, type SettingAudit } from "./write-audited-setting";

export async function changeIncidentSettings(deps: { incidentSettings: IncidentSettingsStore; audit: SettingAudit }, input: unknown, actor: string): Promise<IncidentSettings> {
  const settings = parseIncidentSettings(input);
  const before = await getIncidentSettings(deps).catch(() => null);
  await writeAuditedSetting(deps.incidentSettings, deps.audit, settings, actor, {
    category: "MANUAL_INTERVENTION",
    severity: "WARNING",
    actor,
    action: "settings.incidents_updated",
    payload: { before: asJson(before), after: asJson(settings) },
  });
  return settings;
}
