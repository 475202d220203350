// The notifications API on the real container with channels configured from
// env at real local receivers: an admin's test send reaches each receiver and
// reports per channel; a paused operation lands in approvers' inboxes, which
// they read and mark read; deliveries are listed with their status; the
// routing is changed and validated.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZDeliveries, ZInbox, ZNotificationSettings, ZTestNotificationResult } from "@/lib/api/notifications";
import type { SimulatedSignalSource } from "../../adapters/signals/simulated-signal-source";
import type { Role } from "../../core/identity/roles";
import { startApiHarness, type ApiHarness } from "../../testing/api";
import { startReceivers, type Receivers } from "../../testing/notify-receivers";

let api: ApiHarness;
let receivers: Receivers;

beforeAll(async () => {
  receivers = await startReceivers();
  api = await startApiHarness("notifications_api", {
    SLACK_WEBHOOK_URL: `${receivers.http.url}/slack/hook`,
    SMTP_URL: `smtp://127.0.0.1:${receivers.smtp.port}`,
    SMTP_FROM: "interlock@example.com",
    SMTP_TO: "oncall@example.com",
    PAGERDUTY_ROUTING_KEY: "R0123456789abcdef0123456789ABCDE",
    PAGERDUTY_EVENTS_URL: `${receivers.http.url}/pagerduty/v2/enqueue`,
    CONSOLE_URL: "https://interlock.example.com",
  });
});
afterAll(async () => {
  await api?.close();
  await receivers?.close();
});

async function send(role: Role, path: string, init: { method?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { ...(await api.as(role)) };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const response = await api.fetch(path, { method: init.method ?? (init.body === undefined ? "GET" : "POST"), headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  return { status: response.status, json: response.status === 204 ? null : ((await response.json()) as any) };
}

describe("notifications through the API", () => {
  it("sends an admin's test notification to every configured channel and says how each went", async () => {
    receivers.http.answer("/pagerduty", [400]);
    const result = await send("ADMIN", "/api/v1/notifications/test", { body: {} });
    expect(result.status).toBe(200);
    const { results } = ZTestNotificationResult.parse(result.json);
    expect(Object.fromEntries(results.map((r) => [r.channel, r.ok]))).toEqual({ SLACK: true, EMAIL: true, PAGERDUTY: false, INBOX: true });
    expect(results.find((r) => r.channel === "PAGERDUTY")!.error).toMatch(/400/);
    expect(receivers.http.of("/slack").at(-1)!.body.text).toContain("Interlock test notification");
    expect(receivers.smtp.mails.at(-1)!.raw).toMatch(/Subject: \[Interlock\] INFO Interlock test notification/);

    const deliveries = ZDeliveries.parse((await send("ADMIN", "/api/v1/notifications/deliveries?limit=10")).json);
    expect(deliveries.items.filter((d) => d.message.template === "test").map((d) => [d.channel, d.status]).sort()).toEqual([
      ["EMAIL", "SENT"],
      ["PAGERDUTY", "FAILED"],
      ["SLACK", "SENT"],
    ]);
    const unconfigured = await send("ADMIN", "/api/v1/notifications/test", { body: { channels: ["TEAMS"] } });
    expect(unconfigured.status).toBe(422);
    expect(unconfigured.json.error.message).toMatch(/Not configured in this deployment: TEAMS/);
  });

  it("puts a review request in approvers' inboxes (not a viewer's), with links into the console, and marks it read", async () => {
    const signals = api.container.signals as SimulatedSignalSource;
    signals.set("search-service", { errorBudgetPct: 8 });
    const submitted = await send("OPERATOR", "/api/v1/operations", { body: { type: "DEPLOYMENT", service: "search-service", params: { version: "v7" } } });
    const id = submitted.json.operation.id as string;
    const deadline = Date.now() + 30_000;
    let inbox = ZInbox.parse((await send("APPROVER", "/api/v1/notifications")).json);
    while (!inbox.items.some((n) => n.message.template === "human_review_required" && n.message.operationId === id)) {
      if (Date.now() > deadline) throw new Error("no review request in the approver's inbox");
      await new Promise((r) => setTimeout(r, 100));
      inbox = ZInbox.parse((await send("APPROVER", "/api/v1/notifications")).json);
    }
    signals.set("search-service", { errorBudgetPct: 0.5 });
    const request = inbox.items.find((n) => n.message.template === "human_review_required" && n.message.operationId === id)!;
    expect(request.message.links.map((l) => l.url)).toContain(`https://interlock.example.com/approvals/${id}?decision=approve`);
    expect(request.readAt).toBeNull();
    const unreadBefore = inbox.unread;

    // The safety gate failure (ERROR) reaches everyone's inbox (queued just after the review request), the review request only approvers'.
    await expect
      .poll(async () => ZInbox.parse((await send("VIEWER", "/api/v1/notifications")).json).items.some((n) => n.message.template === "safety_gate_failed" && n.message.operationId === id), { timeout: 15_000 })
      .toBe(true);
    const viewer = ZInbox.parse((await send("VIEWER", "/api/v1/notifications")).json);
    expect(viewer.items.some((n) => n.message.template === "human_review_required")).toBe(false);

    expect((await send("VIEWER", `/api/v1/notifications/${request.id}/read`, { method: "POST" })).status).toBe(404); // not theirs
    expect((await send("APPROVER", `/api/v1/notifications/${request.id}/read`, { method: "POST" })).status).toBe(204);
    const after = ZInbox.parse((await send("APPROVER", "/api/v1/notifications?unreadOnly=true")).json);
    expect(after.unread).toBe(unreadBefore - 1);
    expect(after.items.map((n) => n.id)).not.toContain(request.id);
  });

  it("shows and changes the routing, refusing a routing that names an unknown channel", async () => {
    const current = ZNotificationSettings.parse((await send("ADMIN", "/api/v1/settings/notifications")).json);
    expect(current.routing.routes.INFO).toEqual({ channels: ["SLACK", "TEAMS"], throttleMinutes: 5 });
    expect(current.channels.map((c) => c.channel)).toEqual(["SLACK", "EMAIL", "PAGERDUTY", "INBOX"]);
    expect(JSON.stringify(current.channels)).not.toContain("R0123456789abcdef"); // no secrets

    const bad = await send("ADMIN", "/api/v1/settings/notifications", { method: "PUT", body: { ...current.routing, routes: { ...current.routing.routes, INFO: { channels: ["PIGEON"], throttleMinutes: 5 } } } });
    expect(bad.status).toBe(422);
    const next = { ...current.routing, routes: { ...current.routing.routes, INFO: { channels: ["SLACK", "EMAIL"], throttleMinutes: 10 } } };
    const saved = await send("ADMIN", "/api/v1/settings/notifications", { method: "PUT", body: next });
    expect(saved.status).toBe(200);
    expect(ZNotificationSettings.parse((await send("ADMIN", "/api/v1/settings/notifications")).json).routing.routes.INFO).toEqual({ channels: ["SLACK", "EMAIL"], throttleMinutes: 10 });
  });
});
