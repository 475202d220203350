import "server-only";
import { createHash } from "node:crypto";

import type { AuditSeverity } from "../../core/audit/types";
import type { ChannelSender } from "../../core/notify/ports";
import type { NotificationMessage } from "../../core/notify/types";
import { RetryableDeliveryError } from "./errors";
import { failureFor, postJson, snippet } from "./http-delivery";
import { truncate } from "./text";

// PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/).
// A trigger opens (or, with the same dedup_key, adds to) an alert; a resolve
// with that dedup_key closes it. PagerDuty answers 202 {status: "success"};
// 400 means the event itself is invalid (permanent); 429 and 5xx are retried,
// which is safe because the dedup_key makes a repeated trigger a no-op.

export const DEFAULT_PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";

export interface PagerDutyEventsConfig {
  /** The integration's 32-character routing key. It is the credential: never logged or echoed. */
  routingKey: string;
  eventsUrl: string;
  timeoutMs: number;
}

export const PAGERDUTY_LIMITS = { summary: 1024, dedupKey: 255 } as const;

export type PagerDutySeverity = "critical" | "error" | "warning" | "info";

const SEVERITY: Record<AuditSeverity, PagerDutySeverity> = { CRITICAL: "critical", ERROR: "error", WARNING: "warning", INFO: "info" };

/**
 * The event's severity. A high-urgency message (the routing's "phone" for
 * CRITICAL) is always sent as critical: the Events API has no urgency field of
 * its own, and a service whose urgency rule is "Use alert severity to
 * determine urgency" pages with high urgency (phone, SMS, push) only for
 * critical and error alerts, low urgency for warning and info. Sending
 * critical is what makes "high" page on every such service.
 */
export function pagerDutySeverity(message: Pick<NotificationMessage, "severity" | "urgency">): PagerDutySeverity {
  return message.urgency === "high" ? "critical" : SEVERITY[message.severity];
}

/** PagerDuty refuses a dedup_key over 255 characters; a longer key is replaced by its SHA-256, the same for the trigger and the resolve. */
export function pagerDutyDedupKey(dedupKey: string): string {
  return dedupKey.length <= PAGERDUTY_LIMITS.dedupKey ? dedupKey : `sha256:${createHash("sha256").update(dedupKey, "utf8").digest("hex")}`;
}

function fieldsObject(fields: NotificationMessage["fields"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { label, value } of fields) {
    let key = label;
    for (let n = 2; Object.hasOwn(out, key); n++) key = `${label} (${n})`;
    out[key] = value;
  }
  return out;
}

/** The event for `message`, with the routing key. */
export function pagerDutyEvent(message: NotificationMessage, routingKey: string): Record<string, unknown> {
  const dedupKey = pagerDutyDedupKey(message.dedupKey);
  // A resolve carries only what identifies the alert; PagerDuty ignores or refuses the rest.
  if (message.action === "resolve") return { routing_key: routingKey, event_action: "resolve", dedup_key: dedupKey };
  return {
    routing_key: routingKey,
    event_action: "trigger",
    dedup_key: dedupKey,
    payload: {
      summary: truncate(message.title, PAGERDUTY_LIMITS.summary),
      source: message.service ?? "interlock",
      severity: pagerDutySeverity(message),
      ...(message.service ? { component: message.service } : {}),
      ...(message.correlationId ? { group: message.correlationId } : {}),
      class: message.template,
      custom_details: {
        body: message.body,
        fields: fieldsObject(message.fields),
        operationId: message.operationId,
        urgency: message.urgency ?? null,
      },
    },
    links: message.links.filter((l) => l.url !== "").map((l) => ({ href: l.url, text: l.label })),
    client: "Interlock",
  };
}

export class PagerDutyEventsSender implements ChannelSender {
  readonly channel = "PAGERDUTY" as const;

  constructor(private readonly config: PagerDutyEventsConfig) {}

  async send(message: NotificationMessage, signal: AbortSignal): Promise<void> {
    const answer = await postJson("PagerDuty Events API", this.config.eventsUrl, pagerDutyEvent(message, this.config.routingKey), signal, this.config.timeoutMs);
    if (answer.status < 200 || answer.status >= 300) throw failureFor("PagerDuty Events API", answer);
    let status: unknown;
    try {
      status = (JSON.parse(answer.text) as { status?: unknown } | null)?.status;
    } catch {
      status = undefined;
    }
    // Not what the Events API answers: something else (a proxy, a captive portal) took the request.
    if (status !== "success") {
      throw new RetryableDeliveryError(`PagerDuty Events API answered HTTP ${answer.status} without status "success": ${snippet(answer.text)}`, { status: answer.status });
    }
  }
}
