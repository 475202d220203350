import type { AuditSeverity } from "../audit/types";

// What the notifier sends and where (docs/notifications.md). Channels are the
// Notification table's; "phone" is not a channel of its own but a high-urgency
// PagerDuty event, which pages by phone under PagerDuty's urgency rules.

export const NOTIFY_CHANNELS = ["SLACK", "TEAMS", "EMAIL", "PAGERDUTY", "INBOX"] as const;
export type NotifyChannel = (typeof NOTIFY_CHANNELS)[number];

export const NOTIFY_TEMPLATES = [
  "lock_acquired",
  "conflict_detected",
  "safety_gate_failed",
  "human_review_required",
  "review_escalated",
  "operation_failed",
  "operation_rolled_back",
  "operation_completed",
  "critical_operation_failed",
  "operation_control",
  "lock_order_violation",
  "incident_resolved",
  "remediation_breaker_tripped",
  "repeats_merged",
  "halt_called",
  "halt_lifted",
  "break_glass",
  "graph_removal_held",
  "test",
] as const;
export type NotifyTemplate = (typeof NOTIFY_TEMPLATES)[number];

export interface NotificationLink {
  label: string;
  url: string;
  /** How a chat button shows it: approve is primary, reject is danger. */
  style?: "primary" | "danger";
  /**
   * A review decision this link stands for: where the chat can post decisions
   * back (Slack with a signing secret), it is a button that decides in place,
   * carrying the operation and the evidence hash shown (docs/slack.md).
   */
  review?: { decision: "APPROVE" | "REJECT"; operationId: string; evidenceHash: string };
}

/** One message, rendered for every channel by its adapter. */
export interface NotificationMessage {
  template: NotifyTemplate;
  severity: AuditSeverity;
  /** One line: the chat header, the mail subject, PagerDuty's summary. */
  title: string;
  /** A few sentences of plain text. */
  body: string;
  fields: { label: string; value: string }[];
  links: NotificationLink[];
  /** Groups repeats for throttling, and is PagerDuty's dedup_key (a resolve closes the incident it opened). */
  dedupKey: string;
  service: string | null;
  operationId: string | null;
  correlationId: string | null;
  /** PagerDuty only: trigger (default) or resolve the incident with this dedupKey. */
  action?: "trigger" | "resolve";
  /** PagerDuty only: high pages by phone (the routing's "phone" for CRITICAL). */
  urgency?: "high" | "low";
}
