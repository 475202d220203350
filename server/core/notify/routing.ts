import { z } from "zod";
import { AppError } from "../errors";
import { AUDIT_SEVERITIES, type AuditSeverity } from "../audit/types";
import type { NotificationMessage, NotifyChannel } from "./types";

// Where each message goes (docs/notifications.md), with two readings made
// explicit: the routing's "slack" is the chat channel, so a configured Teams webhook gets
// what Slack gets; its "phone" is PagerDuty at high urgency. The console inbox
// gets WARNING and above (INFO such as "lock acquired" is chat-only noise there).

export const ROUTE_CHANNELS = ["SLACK", "TEAMS", "EMAIL", "PAGERDUTY", "PHONE", "INBOX"] as const;
export type RouteChannel = (typeof ROUTE_CHANNELS)[number];

export const NOTIFY_ROUTING_SETTING = "notifications.routing";

const ZChannels = z.array(z.enum(ROUTE_CHANNELS)).max(ROUTE_CHANNELS.length).refine((c) => new Set(c).size === c.length, "a channel is listed twice");

export const ZNotifyRouting = z.strictObject({
  routes: z.strictObject(
    Object.fromEntries(AUDIT_SEVERITIES.map((s) => [s, z.strictObject({ channels: ZChannels, throttleMinutes: z.number().min(0).max(1440) })])) as Record<
      AuditSeverity,
      z.ZodObject<{ channels: typeof ZChannels; throttleMinutes: z.ZodNumber }>
    >,
  ),
  /** The escalation of unanswered reviews (docs/notifications.md): who is told at each level (the times are the review's plan: 15/30/60 min). */
  escalation: z.array(z.strictObject({ level: z.number().int().min(1).max(10), notify: ZChannels })).max(10),
});
export type NotifyRouting = z.infer<typeof ZNotifyRouting>;

export const DEFAULT_NOTIFY_ROUTING: NotifyRouting = {
  routes: {
    INFO: { channels: ["SLACK", "TEAMS"], throttleMinutes: 5 },
    WARNING: { channels: ["SLACK", "TEAMS", "EMAIL", "INBOX"], throttleMinutes: 2 },
    ERROR: { channels: ["SLACK", "TEAMS", "EMAIL", "PAGERDUTY", "INBOX"], throttleMinutes: 0 },
    CRITICAL: { channels: ["SLACK", "TEAMS", "EMAIL", "PAGERDUTY", "PHONE", "INBOX"], throttleMinutes: 0 },
  },
  escalation: [
    { level: 1, notify: ["SLACK", "TEAMS", "EMAIL", "INBOX"] },
    { level: 2, notify: ["SLACK", "TEAMS", "EMAIL", "PAGERDUTY", "INBOX"] },
    { level: 3, notify: ["SLACK", "TEAMS", "EMAIL", "PAGERDUTY", "PHONE", "INBOX"] },
  ],
};

export function parseNotifyRouting(input: unknown): NotifyRouting {
  const parsed = ZNotifyRouting.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "routing"}: ${i.message}`);
    throw new AppError("VALIDATION_FAILED", `Invalid notification routing: ${problems.join("; ")}`, { problems });
  }
  return parsed.data;
}

/** One message on one channel, as the store records it. */
export interface Delivery {
  channel: NotifyChannel;
  message: NotificationMessage;
  /** Repeats with the same key on the same channel within this window are merged, not sent. */
  throttleMs: number;
}

/**
 * The deliveries of a message: the channels its severity routes to (or, for an
 * escalation, the channels of its level), those not configured left out.
 * PHONE becomes the PagerDuty delivery at high urgency (one PagerDuty event,
 * never two). Throttling never applies to what must reach someone: ERROR and
 * CRITICAL have no window by default, and escalations none at all.
 */
export function deliveriesFor(message: NotificationMessage, routing: NotifyRouting, configured: ReadonlySet<NotifyChannel>, escalationLevel?: number): Delivery[] {
  const route = routing.routes[message.severity];
  const channels: readonly RouteChannel[] =
    escalationLevel === undefined ? route.channels : (routing.escalation.find((e) => e.level === escalationLevel)?.notify ?? routing.escalation.at(-1)?.notify ?? []);
  const throttleMs = escalationLevel === undefined ? route.throttleMinutes * 60_000 : 0;
  const phone = channels.includes("PHONE");
  const out: Delivery[] = [];
  for (const channel of ["SLACK", "TEAMS", "EMAIL", "PAGERDUTY", "INBOX"] as const) {
    const wanted = channel === "PAGERDUTY" ? channels.includes("PAGERDUTY") || phone : channels.includes(channel);
    if (!wanted || !configured.has(channel)) continue;
    out.push({ channel, throttleMs, message: channel === "PAGERDUTY" && phone ? { ...message, urgency: "high" } : message });
  }
  return out;
}

/** Whether a message of this severity would reach any configured channel (PHONE counts as PagerDuty). */
export function severityReachesAnyChannel(severity: AuditSeverity, routing: NotifyRouting, configured: ReadonlySet<NotifyChannel>): boolean {
  return routing.routes[severity].channels.some((c) => configured.has(c === "PHONE" ? "PAGERDUTY" : c));
}
