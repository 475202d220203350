// Alertmanager's webhook (docs/incidents.md#alertmanager-intake): one
// notification opens, updates or resolves the incidents of its alert groups,
// and the remediation rules decide on the alerts that fired; then the
// operations they decided on are submitted.
//
// All or nothing: a payload that does not parse, or whose alerts name no
// service or a service the topology does not know, is refused before anything
// is written. The groups' changes, the rules' decisions and their audit events
// commit together (intake-writer.ts), compared with what the store holds, so a
// redelivered notification changes nothing.
import type { Clock } from "../clock";
import { AppError } from "../errors";
import type { RemediationDeps, RemediationResult } from "../remediation/run-remediation-rules";
import { submitRemediation } from "../remediation/run-remediation-rules";
import type { RemediationStore } from "../remediation/ports";
import { ZAlertmanagerNotification, type AlertmanagerAlert } from "./alertmanager-payload";
import type { IncidentSettings } from "./incident-settings";
import type { IncidentStore } from "./incident-store";
import type { IntakeGroupResult, IntakeWriter } from "./intake-writer";
import { groupKeyOf } from "./plan-alert-intake";

export { ALERTMANAGER_ACTOR, type IntakeGroupResult } from "./intake-writer";

export interface IntakeDeps {
  incidents: IncidentStore;
  /** Writes notifications in batches (one per container, shared by every request). */
  writer: IntakeWriter;
  audit: RemediationDeps["audit"];
  settings(): Promise<IncidentSettings>;
  clock: Clock;
  newId(): string;
  /** The remediation rules and the orchestrator's submit; absent, no rule runs. */
  remediation?: { remediation: RemediationStore; submit: RemediationDeps["submit"] };
}

export interface IntakeResult {
  /** Whether any incident or alert changed. */
  changed: boolean;
  groups: IntakeGroupResult[];
  remediations: RemediationResult[];
}

export async function receiveAlertmanagerNotification(deps: IntakeDeps, body: unknown, receivedBy: string): Promise<IntakeResult> {
  const parsed = ZAlertmanagerNotification.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`);
    throw new AppError("VALIDATION_FAILED", `Not an Alertmanager webhook notification (version 4): ${problems.slice(0, 10).join("; ")}`, { problems: problems.slice(0, 50) });
  }
  const notification = parsed.data;
  const { intake } = await deps.settings();

  // Every alert must name a service the topology knows; otherwise nothing is written.
  const named = notification.alerts.map((alert, i) => ({ alert, i, service: alert.labels[intake.serviceLabel] }));
  const unnamed = named.filter((a) => !a.service);
  if (unnamed.length > 0) {
    throw new AppError("VALIDATION_FAILED", `Alert ${unnamed[0]!.alert.labels.alertname} has no "${intake.serviceLabel}" label: Interlock needs it to know which service is affected (the label is the incident setting intake.serviceLabel)`, {
      problems: unnamed.map((a) => `alerts.${a.i}.labels.${intake.serviceLabel}: missing`),
    });
  }
  const known = await deps.incidents.knownServices([...new Set(named.map((a) => a.service!))]);
  const unknown = named.filter((a) => !known.has(a.service!));
  if (unknown.length > 0) {
    const names = [...new Set(unknown.map((a) => a.service!))];
    throw new AppError("VALIDATION_FAILED", `The topology has no service named ${names.map((n) => JSON.stringify(n)).join(", ")}: the alert's "${intake.serviceLabel}" label must name a known service`, {
      problems: unknown.map((a) => `alerts.${a.i}.labels.${intake.serviceLabel}: no service ${JSON.stringify(a.service)}`),
      services: names,
    });
  }

  const groups = new Map<string, { service: string; alerts: AlertmanagerAlert[] }>();
  for (const { alert, service } of named) {
    const key = groupKeyOf(service!, alert.labels, intake);
    const group = groups.get(key) ?? { service: service!, alerts: [] };
    group.alerts.push(alert);
    groups.set(key, group);
  }
  const firing = notification.alerts.some((a) => a.status === "firing");
  const rules = deps.remediation && firing ? await deps.remediation.remediation.enabledRules() : [];
  const outcome = await deps.writer.write({ groups, receiver: notification.receiver, receivedBy, intake, rules });

  const remediations: RemediationResult[] = [];
  if (deps.remediation && outcome.pending.length > 0) {
    const remediationDeps: RemediationDeps = { ...deps.remediation, incidents: deps.incidents, audit: deps.audit, clock: deps.clock, newId: deps.newId };
    remediations.push(...(await Promise.all(outcome.pending.map((pending) => submitRemediation(remediationDeps, pending)))));
  }
  return { changed: outcome.changed, groups: outcome.groups, remediations };
}
