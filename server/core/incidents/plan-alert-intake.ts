// What one Alertmanager notification does to the incidents of one alert group
// (docs/incidents.md#alertmanager-intake): a pure function of the
// notification's alerts, what the store holds for the group, and `now`.
//
// Each alert is compared with the last record of its fingerprint in the group:
// - a redelivered or repeated notification finds every alert as recorded and
//   changes nothing;
// - a firing alert that starts no later than its recorded resolution is a late
//   copy of an episode that already ended, and is ignored (out of order);
// - a firing alert that starts after its recorded resolution fires again (a
//   new episode: the rules see it again, which is what the breaker is for).
// The incident resolves when every alert it holds is resolved, at the latest
// alert end (never before it was detected).
import type { AuditSeverity } from "../audit/types";
import { endOf, type AlertmanagerAlert } from "./alertmanager-payload";
import type { IncidentSettings } from "./incident-settings";

/** An alert as the store records it. */
export interface StoredAlert {
  fingerprint: string;
  alertname: string;
  status: "firing" | "resolved";
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: Date;
  endsAt: Date | null;
  generatorUrl: string | null;
}

/** The group's open incident, if any, with every alert it holds. */
export interface OpenIncidentState {
  id: string;
  key: string;
  correlationId: string;
  severity: AuditSeverity;
  detectedAt: Date;
  alerts: StoredAlert[];
}

export type AlertChange = "FIRING" | "FIRING_AGAIN" | "RESOLVED" | "UNCHANGED" | "LATE";

export interface GroupIntakePlan {
  groupKey: string;
  service: string;
  /** "open": a new incident (possibly already resolved, when its only alerts arrive resolved); "update": the open one; "none": nothing to write. */
  action: "open" | "update" | "none";
  /** For "open": the incident to create. */
  incident: { title: string; severity: AuditSeverity; detectedAt: Date } | null;
  /** Alert rows to insert or replace, under the incident. */
  writes: StoredAlert[];
  /** What happened to each alert of the notification, in its order. */
  changes: { fingerprint: string; alertname: string; change: AlertChange }[];
  /** The incident's severity after the notification (raised by a more severe alert, never lowered). */
  severity: AuditSeverity;
  /** Set when every alert of the incident is resolved after the notification. */
  resolvedAt: Date | null;
  /** Alerts that fired (for the first time or again): the remediation rules look at these. */
  firing: StoredAlert[];
}

const SEVERITY_RANK: Record<AuditSeverity, number> = { INFO: 0, WARNING: 1, ERROR: 2, CRITICAL: 3 };
const worse = (a: AuditSeverity, b: AuditSeverity) => (SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a);

export function severityOf(labels: Record<string, string>, intake: IncidentSettings["intake"]): AuditSeverity {
  const value = labels[intake.severityLabel];
  return (value !== undefined ? intake.severityMap[value.toLowerCase()] : undefined) ?? intake.defaultSeverity;
}

/**
 * The group an alert belongs to: its service and the values of the configured
 * labels. The service is always part of it, since an incident is about one
 * service.
 */
export function groupKeyOf(service: string, labels: Record<string, string>, intake: IncidentSettings["intake"]): string {
  const parts = [`${intake.serviceLabel}=${JSON.stringify(service)}`];
  for (const name of intake.groupBy) if (name !== intake.serviceLabel) parts.push(`${name}=${JSON.stringify(labels[name] ?? "")}`);
  return parts.join(",");
}

function stored(alert: AlertmanagerAlert): StoredAlert {
  return {
    fingerprint: alert.fingerprint,
    alertname: alert.labels.alertname!,
    status: alert.status,
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt: new Date(alert.startsAt),
    endsAt: alert.status === "resolved" ? endOf(alert) : null,
    generatorUrl: alert.generatorURL ?? null,
  };
}

/** How an incoming alert relates to the last record of its fingerprint. */
export function classifyAlert(incoming: StoredAlert, previous: StoredAlert | undefined): AlertChange {
  const starts = incoming.startsAt.getTime();
  if (!previous) return incoming.status === "firing" ? "FIRING" : "RESOLVED";
  const prevStarts = previous.startsAt.getTime();
  if (previous.status === "firing") {
    if (incoming.status === "firing") return "UNCHANGED";
    // The resolution of an episode older than the one recorded as firing.
    return starts < prevStarts ? "LATE" : "RESOLVED";
  }
  const prevEnd = (previous.endsAt ?? previous.startsAt).getTime();
  if (incoming.status === "firing") return starts > prevEnd ? "FIRING_AGAIN" : "LATE";
  return starts > prevStarts ? "RESOLVED" : "UNCHANGED";
}

export function planGroupIntake(input: {
  groupKey: string;
  service: string;
  alerts: AlertmanagerAlert[];
  open: OpenIncidentState | null;
  /** The last record of each fingerprint in any incident of the group (open or resolved). */
  previous: Map<string, StoredAlert>;
  intake: IncidentSettings["intake"];
  now: Date;
}): GroupIntakePlan {
  const { open, previous } = input;
  // One notification may carry a fingerprint once; if it carries it twice, the last copy counts.
  const incoming = new Map<string, StoredAlert>();
  for (const alert of input.alerts) incoming.set(alert.fingerprint, stored(alert));
  const changes: GroupIntakePlan["changes"] = [];
  const writes: StoredAlert[] = [];
  const firing: StoredAlert[] = [];
  for (const alert of incoming.values()) {
    const change = classifyAlert(alert, previous.get(alert.fingerprint));
    changes.push({ fingerprint: alert.fingerprint, alertname: alert.alertname, change });
    if (change === "UNCHANGED" || change === "LATE") continue;
    writes.push(alert);
    if (change === "FIRING" || change === "FIRING_AGAIN") firing.push(alert);
  }
  const base = { groupKey: input.groupKey, service: input.service, changes, firing };
  if (writes.length === 0) return { ...base, action: "none", incident: null, writes, severity: open?.severity ?? input.intake.defaultSeverity, resolvedAt: null };

  // The incident's alerts after the notification: what it held, replaced by what changed.
  const after = new Map<string, StoredAlert>();
  for (const alert of open?.alerts ?? []) after.set(alert.fingerprint, alert);
  for (const alert of writes) after.set(alert.fingerprint, alert);
  const all = [...after.values()];
  let severity: AuditSeverity = open?.severity ?? "INFO";
  for (const alert of all) if (alert.status === "firing" || !open) severity = worse(severity, severityOf(alert.labels, input.intake));
  const detectedAt = open?.detectedAt ?? new Date(Math.min(...writes.map((a) => a.startsAt.getTime())));
  const resolved = all.every((a) => a.status === "resolved");
  const lastEnd = Math.max(...all.map((a) => (a.endsAt ?? input.now).getTime()));
  const resolvedAt = resolved ? new Date(Math.max(lastEnd, detectedAt.getTime())) : null;
  if (open) return { ...base, action: "update", incident: null, writes, severity, resolvedAt };
  const first = writes[0]!;
  const title = first.annotations.summary?.trim() || `${first.alertname} on ${input.service}`;
  return { ...base, action: "open", incident: { title: title.slice(0, 500), severity, detectedAt }, writes, severity, resolvedAt };
}
