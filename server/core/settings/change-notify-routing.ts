// An admin's change of the notification routing (console Settings, PUT
// /api/v1/settings/notifications): validated, stored, and audited with before
// and after, in one transaction. The notifier reads it through a short cache.
import { getNotifyRouting, type NotifyRoutingStore } from "../notify/notify-routing-settings";
import { parseNotifyRouting, type NotifyRouting } from "../notify/routing";
import { asJson, writeAuditedSetting, type SettingAudit } from "./write-audited-setting";

export async function changeNotifyRouting(deps: { routing: NotifyRoutingStore; audit: SettingAudit }, input: unknown, actor: string): Promise<NotifyRouting> {
  const routing = parseNotifyRouting(input);
  // A stored routing that no longer validates is recorded as null, not as the fallback in force.
  let invalid = false;
  const before = await getNotifyRouting({ routing: deps.routing, onInvalid: () => (invalid = true) });
  await writeAuditedSetting(deps.routing, deps.audit, routing, actor, {
    category: "MANUAL_INTERVENTION",
    severity: "WARNING",
    actor,
    action: "settings.notifications_updated",
    payload: { before: invalid ? null : asJson(before), after: asJson(routing) },
  });
  return routing;
}
