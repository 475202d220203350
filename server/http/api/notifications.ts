import "server-only";
import { ZIdParams } from "@/lib/api/common";
import { ZDeliveries, ZDeliveriesQuery, ZInbox, ZInboxQuery, ZNotificationSettings, ZNotifyRoutingBody, ZTestNotificationRequest, ZTestNotificationResult } from "@/lib/api/notifications";
import { AppError } from "../../core/errors";
import type { NotificationRecord } from "../../core/notify/ports";
import { changeNotifyRouting } from "../../core/settings/change-notify-routing";
import { endpoint } from "../endpoint";
import { AUTH_ERRORS, NOT_FOUND } from "./responses";

function view(n: NotificationRecord) {
  return {
    id: n.id,
    channel: n.channel,
    status: n.status,
    message: n.message,
    attempts: n.attempts,
    lastError: n.lastError,
    nextAttemptAt: n.nextAttemptAt?.toISOString() ?? null,
    sentAt: n.sentAt?.toISOString() ?? null,
    readAt: n.readAt?.toISOString() ?? null,
    createdAt: n.createdAt.toISOString(),
    mergedIntoId: n.mergedIntoId,
  };
}

export const inboxEndpoint = endpoint({
  operationId: "getInbox",
  method: "GET",
  path: "/api/v1/notifications",
  summary: "My console inbox",
  description: "The signed-in user's notifications, newest first, with the unread count. API tokens have no inbox (an empty list).",
  tags: ["notifications"],
  access: "VIEWER",
  query: ZInboxQuery,
  responses: { 200: { description: "One page", schema: ZInbox }, ...AUTH_ERRORS },
  async handler({ container, principal, query }) {
    if (principal!.kind !== "user") return { status: 200, body: { items: [], unread: 0, nextBefore: null } };
    const userId = principal!.userId;
    const store = container.notifications.store;
    const items = await store.listInbox(userId, { unreadOnly: query.unreadOnly === "true", limit: query.limit, before: query.before ? new Date(query.before) : null });
    const unread = await store.unreadCount(userId);
    return { status: 200, body: { items: items.map(view), unread, nextBefore: items.length === query.limit ? items.at(-1)!.createdAt.toISOString() : null } };
  },
});

export const markReadEndpoint = endpoint({
  operationId: "markNotificationRead",
  method: "POST",
  path: "/api/v1/notifications/{id}/read",
  summary: "Mark one of my notifications read",
  tags: ["notifications"],
  access: "VIEWER",
  params: ZIdParams,
  responses: { 204: { description: "Marked read" }, ...AUTH_ERRORS, ...NOT_FOUND },
  async handler({ container, principal, params }) {
    const p = principal!;
    const done = p.kind === "user" && (await container.notifications.store.markRead(p.userId, params.id, container.clock.now()));
    if (!done) throw new AppError("NOT_FOUND", `No notification ${params.id} in your inbox`, { id: params.id });
    return new Response(null, { status: 204 });
  },
});

export const deliveriesEndpoint = endpoint({
  operationId: "listNotificationDeliveries",
  method: "GET",
  path: "/api/v1/notifications/deliveries",
  summary: "Notification deliveries",
  description: "Every delivery to Slack, Teams, email and PagerDuty with its status (PENDING, SENT, FAILED, THROTTLED), attempts and last error, newest first.",
  tags: ["notifications"],
  access: "ADMIN",
  query: ZDeliveriesQuery,
  responses: { 200: { description: "One page", schema: ZDeliveries }, ...AUTH_ERRORS },
  async handler({ container, query }) {
    const items = await container.notifications.store.listDeliveries({ status: query.status ?? null, channel: query.channel ?? null, limit: query.limit, before: query.before ? new Date(query.before) : null });
    return { status: 200, body: { items: items.map(view), nextBefore: items.length === query.limit ? items.at(-1)!.createdAt.toISOString() : null } };
  },
});

export const sendTestNotificationEndpoint = endpoint({
  operationId: "sendTestNotification",
  method: "POST",
  path: "/api/v1/notifications/test",
  summary: "Send a test notification",
  description: "Sends a test message now on each given channel (default: every configured one) and answers with what each receiver said. Recorded like any delivery, and audited.",
  tags: ["notifications"],
  access: "ADMIN",
  body: ZTestNotificationRequest,
  responses: { 200: { description: "The outcome per channel", schema: ZTestNotificationResult }, ...AUTH_ERRORS },
  async handler({ container, principal, body }) {
    const configured = container.notifications.notifier.channels();
    const missing = (body.channels ?? []).filter((c) => !configured.includes(c));
    if (missing.length) throw new AppError("VALIDATION_FAILED", `Not configured in this deployment: ${missing.join(", ")} (configured: ${configured.join(", ")})`, { missing, configured });
    return { status: 200, body: { results: await container.notifications.notifier.sendTest(principal!.actor, body.channels ?? null) } };
  },
});

export const getNotificationSettingsEndpoint = endpoint({
  operationId: "getNotificationSettings",
  method: "GET",
  path: "/api/v1/settings/notifications",
  summary: "Notification routing and channels",
  tags: ["settings"],
  access: "ADMIN",
  responses: { 200: { description: "The routing in force and the configured channels", schema: ZNotificationSettings }, ...AUTH_ERRORS },
  async handler({ container }) {
    return { status: 200, body: { routing: await container.notifications.routing(), channels: container.notifications.channels } };
  },
});

export const updateNotificationRoutingEndpoint = endpoint({
  operationId: "updateNotificationRouting",
  method: "PUT",
  path: "/api/v1/settings/notifications",
  summary: "Change the notification routing",
  description: "Channels and throttle per severity, and the channels of each escalation level. Takes effect within seconds on every replica; audited.",
  tags: ["settings"],
  access: "ADMIN",
  body: ZNotifyRoutingBody,
  responses: { 200: { description: "What is now in force", schema: ZNotificationSettings }, ...AUTH_ERRORS },
  async handler({ container, principal, body }) {
    const routing = await changeNotifyRouting({ routing: container.notifications.routingStore, audit: container.audit.log }, body, principal!.actor);
    container.notifications.invalidateRouting();
    return { status: 200, body: { routing, channels: container.notifications.channels } };
  },
});
