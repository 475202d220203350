// The incident's timeline (docs/incidents.md#the-timeline): every move read
// from stored times — detected, each alert firing and resolving, acknowledged,
// each remediation the rules submitted (or only recorded), each state of the
// incident's operations, mitigating, the demo pipeline's stages, resolved —
// oldest first. Pure.
import type { IncidentDetailRecord } from "./ports";

export type TimelineKind = "DETECTED" | "ALERT_FIRING" | "ALERT_RESOLVED" | "ACKNOWLEDGED" | "REMEDIATION" | "OPERATION" | "MITIGATING" | "STAGE" | "RESOLVED" | "NOTE";

export interface TimelineEntry {
  at: string;
  kind: TimelineKind;
  label: string;
  actor: string | null;
  operationId: string | null;
}

/** Ties at one instant keep this order: the cause before what it caused. */
const RANK: Record<TimelineKind, number> = { DETECTED: 0, ALERT_FIRING: 1, ACKNOWLEDGED: 2, REMEDIATION: 3, OPERATION: 4, MITIGATING: 5, STAGE: 6, NOTE: 7, ALERT_RESOLVED: 8, RESOLVED: 9 };

const OUTCOME_WORDS: Record<string, string> = {
  SUBMITTED: "submitted",
  DRY_RUN: "recorded as a dry run (nothing submitted)",
  BREAKER_TRIPPED: "tripped the rule's breaker and went to review",
  BREAKER_OPEN: "was stopped by the rule's open breaker",
  FAILED: "was not submitted",
};

export function buildIncidentTimeline(detail: Pick<IncidentDetailRecord, "incident" | "alerts" | "matches" | "transitions" | "stages" | "notes">): TimelineEntry[] {
  const { incident } = detail;
  const entries: TimelineEntry[] = [];
  const add = (at: string | null, kind: TimelineKind, label: string, actor: string | null = null, operationId: string | null = null) => {
    if (at) entries.push({ at, kind, label, actor, operationId });
  };
  const source = { ALERTMANAGER: "by Alertmanager", API: "through the API", CONSOLE: "in the console", DEMO: "by the demo" }[incident.source];
  add(incident.detectedAt, "DETECTED", `Detected ${source}: ${incident.title}`);
  for (const alert of detail.alerts) {
    add(alert.startsAt, "ALERT_FIRING", `Alert ${alert.alertname} firing`);
    if (alert.status === "resolved") add(alert.endsAt, "ALERT_RESOLVED", `Alert ${alert.alertname} resolved`);
  }
  add(incident.acknowledgedAt, "ACKNOWLEDGED", "Acknowledged", incident.acknowledgedBy);
  for (const match of detail.matches) {
    const type = typeof match.submission.type === "string" ? match.submission.type : "operation";
    add(match.at, "REMEDIATION", `Rule "${match.ruleName}" matched: ${type} ${OUTCOME_WORDS[match.outcome] ?? match.outcome.toLowerCase()}`, `rule:${match.ruleName}`, match.operationId);
  }
  for (const t of detail.transitions) {
    add(t.at, "OPERATION", t.from === null ? `${t.type} submitted` : `${t.type} ${t.from} → ${t.to}`, t.actor, t.operationId);
  }
  add(incident.mitigatingAt, "MITIGATING", "Mitigating");
  for (const stage of detail.stages) add(stage.startedAt, "STAGE", `${stage.stage}${stage.outcome ? `: ${stage.outcome}` : ""}`);
  for (const note of detail.notes) add(note.at, "NOTE", `Note (${note.status.toLowerCase()}): ${note.note}`, note.by);
  add(incident.resolvedAt, "RESOLVED", "Resolved", incident.resolvedBy);
  return entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || RANK[a.kind] - RANK[b.kind]);
}

/** resolved − detected, in seconds; null while unresolved. */
export function mttrSecondsOf(incident: { detectedAt: string; resolvedAt: string | null }): number | null {
  if (!incident.resolvedAt) return null;
  return Math.max(0, (Date.parse(incident.resolvedAt) - Date.parse(incident.detectedAt)) / 1000);
}
