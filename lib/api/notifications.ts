import { z } from "zod";
import { AUDIT_SEVERITIES } from "./audit";
import { ZTimestamp } from "./common";

export const NOTIFY_CHANNELS = ["SLACK", "TEAMS", "EMAIL", "PAGERDUTY", "INBOX"] as const;
export const ROUTE_CHANNELS = ["SLACK", "TEAMS", "EMAIL", "PAGERDUTY", "PHONE", "INBOX"] as const;
export const NOTIFICATION_STATUSES = ["PENDING", "SENT", "FAILED", "THROTTLED"] as const;

const ZMessage = z.object({
  template: z.string(),
  severity: z.enum(AUDIT_SEVERITIES),
  title: z.string(),
  body: z.string(),
  fields: z.array(z.object({ label: z.string(), value: z.string() })),
  links: z.array(z.object({ label: z.string(), url: z.string(), style: z.enum(["primary", "danger"]).optional() })),
  dedupKey: z.string(),
  service: z.string().nullable(),
  operationId: z.string().nullable(),
  correlationId: z.string().nullable(),
  action: z.enum(["trigger", "resolve"]).optional(),
  urgency: z.enum(["high", "low"]).optional(),
});

export const ZNotification = z
  .object({
    id: z.uuid(),
    channel: z.enum(NOTIFY_CHANNELS),
    status: z.enum(NOTIFICATION_STATUSES),
    message: ZMessage,
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    nextAttemptAt: ZTimestamp.nullable(),
    sentAt: ZTimestamp.nullable(),
    readAt: ZTimestamp.nullable(),
    createdAt: ZTimestamp,
    mergedIntoId: z.string().nullable().meta({ description: "For a THROTTLED repeat: the summary notification that reported it" }),
  })
  .meta({ id: "Notification" });

export const ZInbox = z.object({ items: z.array(ZNotification), unread: z.number().int(), nextBefore: ZTimestamp.nullable() }).meta({ id: "Inbox" });
export const ZDeliveries = z.object({ items: z.array(ZNotification), nextBefore: ZTimestamp.nullable() }).meta({ id: "NotificationDeliveries" });

export const ZInboxQuery = z.strictObject({
  unreadOnly: z.enum(["true", "false"]).default("false"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.iso.datetime({ offset: true }).optional().meta({ description: "Cursor: nextBefore of the previous page" }),
});

export const ZDeliveriesQuery = z.strictObject({
  status: z.enum(NOTIFICATION_STATUSES).optional(),
  channel: z.enum(NOTIFY_CHANNELS).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.iso.datetime({ offset: true }).optional(),
});

export const ZTestNotificationRequest = z
  .strictObject({ channels: z.array(z.enum(NOTIFY_CHANNELS)).min(1).max(NOTIFY_CHANNELS.length).optional().meta({ description: "Default: every configured channel" }) })
  .meta({ id: "TestNotificationRequest" });

export const ZTestNotificationResult = z
  .object({ results: z.array(z.object({ channel: z.enum(NOTIFY_CHANNELS), ok: z.boolean(), error: z.string().nullable(), notificationId: z.string() })) })
  .meta({ id: "TestNotificationResult" });

const ZChannels = z.array(z.enum(ROUTE_CHANNELS));
export const ZNotifyRoutingBody = z
  .strictObject({
    routes: z.strictObject(Object.fromEntries(AUDIT_SEVERITIES.map((s) => [s, z.strictObject({ channels: ZChannels, throttleMinutes: z.number().min(0).max(1440) })])) as Record<
      (typeof AUDIT_SEVERITIES)[number],
      z.ZodObject<{ channels: typeof ZChannels; throttleMinutes: z.ZodNumber }>
    >),
    escalation: z.array(z.strictObject({ level: z.number().int().min(1).max(10), notify: ZChannels })).max(10),
  })
  .meta({ id: "NotifyRouting" });

export const ZNotificationSettings = z
  .object({
    routing: ZNotifyRoutingBody,
    channels: z.array(z.object({ channel: z.enum(NOTIFY_CHANNELS), target: z.string().meta({ description: "Where it goes (host only; no secrets)" }) })),
  })
  .meta({ id: "NotificationSettings" });
