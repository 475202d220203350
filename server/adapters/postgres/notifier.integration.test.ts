// The notifier end to end on real parts: the notification store on Postgres,
// the real Slack, Teams, email and PagerDuty adapters talking to real local
// receivers (an HTTP server, an SMTP server), real operations paused by a real
// orchestrator and told through the committed audit log (the dispatcher,
// docs/notifications.md). The notifier's clock is a manual one, so throttling
// windows, retries and escalation levels are reached without waiting.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { seedDemoUsers } from "../../core/identity/seed-demo-users";
import { DEFAULT_NOTIFIER_CONFIG, Notifier } from "../../core/notify/notifier";
import { DEFAULT_NOTIFY_ROUTING } from "../../core/notify/routing";
import { testMessage } from "../../core/notify/templates";
import type { NotificationMessage } from "../../core/notify/types";
import { BcryptPasswordHasher } from "../auth/bcrypt-password-hasher";
import { notifyChannelsFromEnv } from "../notify/notify-config";
import { openDatabase, type Database } from "./database";
import { PostgresIdentityStore } from "./identity-store";
import { PostgresNotificationStore } from "./notification-store";
import { PostgresOperationQueries } from "./operation-queries";
import { orchestratorFixture } from "../../testing/orchestrator";
import { startReceivers, type Receivers } from "../../testing/notify-receivers";
import { openTestStore, type TestStore } from "../../testing/stores";

let testStore: TestStore;
let receivers: Receivers;
let fixture: Awaited<ReturnType<typeof orchestratorFixture>>;
let clock: ManualClock;
let notifier: Notifier;
const extraDbs: Database[] = [];
const errors: unknown[] = [];

function makeNotifier(db: Database, options: { escalateAtTimeout?: boolean } = {}) {
  const channels = notifyChannelsFromEnv({
    SLACK_WEBHOOK_URL: `${receivers.http.url}/slack/T000/B000/secret`,
    TEAMS_WEBHOOK_URL: `${receivers.http.url}/teams/webhook`,
    SMTP_URL: `smtp://127.0.0.1:${receivers.smtp.port}`,
    SMTP_FROM: "interlock@example.com",
    SMTP_TO: "oncall@example.com,sre-lead@example.com",
    PAGERDUTY_ROUTING_KEY: "R0123456789abcdef0123456789ABCDE",
    PAGERDUTY_EVENTS_URL: `${receivers.http.url}/pagerduty/v2/enqueue`,
  });
  return new Notifier({
    store: new PostgresNotificationStore(db),
    senders: channels.senders,
    routing: async () => DEFAULT_NOTIFY_ROUTING,
    operations: new PostgresOperationQueries(db),
    audit: fixture.audit.log,
    clock,
    links: { baseUrl: "https://interlock.example.com" },
    config: { ...DEFAULT_NOTIFIER_CONFIG, sendTimeoutMs: 5_000, escalateAtTimeout: options.escalateAtTimeout ?? false },
    random: () => 0.5,
    onBackgroundError: (error) => errors.push(error),
  });
}

beforeAll(async () => {
  testStore = await openTestStore("postgres", "notifier", { poolSize: 8 });
  receivers = await startReceivers();
  fixture = await orchestratorFixture({ db: testStore.db, locks: "store", config: { timeScale: 100_000 } });
  await seedDemoUsers({ identities: new PostgresIdentityStore(testStore.db), hasher: new BcryptPasswordHasher(4) });
  clock = new ManualClock(new Date());
  notifier = makeNotifier(testStore.db);
  // The store's first dispatcher start: the cursor begins at the head, before any operation.
  expect(await notifier.dispatch()).toBe(0);
  await fixture.orchestrator.start();
});

afterAll(async () => {
  await notifier?.stop();
  await fixture?.close();
  for (const db of extraDbs) await db.close();
  await receivers?.close();
  await testStore?.close();
});

beforeEach(() => {
  receivers.http.received.length = 0;
  receivers.smtp.mails.length = 0;
});

const rows = async (where: string, params: unknown[] = []) =>
  testStore.db.query<{ channel: string; status: string; attempts: number; last_error: string | null; template: string; title: string; merged_into_id: string | null; recipient_id: string | null }>(
    `SELECT channel::text, status::text, attempts, last_error, template, title, merged_into_id::text, recipient_id::text FROM notifications WHERE ${where} ORDER BY created_at, channel::text`,
    params,
  );

function msg(severity: NotificationMessage["severity"], dedupKey: string, title = `${severity} test`): NotificationMessage {
  return { ...testMessage("tests", clock.now(), { baseUrl: "https://interlock.example.com" }), template: "lock_acquired", severity, title, dedupKey };
}

async function pausedOperation(service: string): Promise<string> {
  fixture.signals.set(service, { errorBudgetPct: 9 });
  const { operation } = await fixture.orchestrator.submit({ type: "DEPLOYMENT", service, actor: "operator@interlock.local", params: { version: `v-${Math.random()}` } });
  await fixture.waitFor(operation.id, (op) => op.state === "PAUSED_FOR_HUMAN_REVIEW");
  fixture.signals.set(service, { errorBudgetPct: 0.5 });
  return operation.id;
}

describe("routing by severity to real receivers", () => {
  it("sends INFO to chat, WARNING also by email and to the inbox, ERROR also to PagerDuty, CRITICAL to PagerDuty as critical", async () => {
    for (const severity of ["INFO", "WARNING", "ERROR", "CRITICAL"] as const) await notifier.notify(msg(severity, `route-${severity}`));
    await notifier.deliverDue();

    expect(receivers.http.of("/slack").map((r) => r.body.blocks[0].text.text)).toEqual(expect.arrayContaining([expect.stringContaining("INFO test"), expect.stringContaining("CRITICAL test")]));
    expect(receivers.http.of("/slack")).toHaveLength(4);
    expect(receivers.http.of("/teams")).toHaveLength(4);
    expect(receivers.smtp.mails).toHaveLength(3);
    expect(receivers.smtp.mails[0]!.to).toEqual(["oncall@example.com", "sre-lead@example.com"]);
    expect(receivers.smtp.mails.map((m) => /^Subject: (.*)$/m.exec(m.raw)?.[1])).toEqual(expect.arrayContaining([expect.stringContaining("[Interlock] WARNING")]));
    const pages = receivers.http.of("/pagerduty").map((r) => r.body);
    expect(pages.map((p) => [p.event_action, p.payload.severity, p.dedup_key])).toEqual(
      expect.arrayContaining([
        ["trigger", "error", "route-ERROR"],
        ["trigger", "critical", "route-CRITICAL"],
      ]),
    );
    expect(pages).toHaveLength(2);
    // The inbox: one copy per active user for WARNING and above.
    expect(await rows(`channel = 'INBOX' AND dedup_key LIKE 'route-%'`)).toHaveLength(3 * 4);
    expect((await rows(`channel <> 'INBOX' AND dedup_key LIKE 'route-%'`)).every((r) => r.status === "SENT" && r.attempts === 1)).toBe(true);
  });
});

describe("throttling", () => {
  it("holds back repeats inside the window and later sends one summary of them; nothing is dropped", async () => {
    for (let i = 0; i < 5; i++) await notifier.notify(msg("INFO", "lock_acquired:payment-service", "Lock acquired for payment-service"));
    await notifier.deliverDue();
    expect(receivers.http.of("/slack")).toHaveLength(1);
    const slack = await rows(`channel = 'SLACK' AND dedup_key = 'lock_acquired:payment-service'`);
    expect(slack.map((r) => r.status).sort()).toEqual(["SENT", "THROTTLED", "THROTTLED", "THROTTLED", "THROTTLED"]);

    expect(await notifier.mergeRepeats()).toBe(0); // the window has not passed
    clock.advance(5 * 60_000 + 1);
    expect(await notifier.mergeRepeats()).toBe(8); // 4 on Slack, 4 on Teams
    await notifier.deliverDue();
    const summaries = receivers.http.of("/slack").slice(1);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]!.body.text).toContain("4 more: Lock acquired for payment-service");
    const after = await rows(`channel = 'SLACK' AND dedup_key = 'lock_acquired:payment-service'`);
    expect(after.filter((r) => r.status === "THROTTLED").every((r) => r.merged_into_id !== null)).toBe(true);
    expect(await notifier.mergeRepeats()).toBe(0);

    // The summary is itself the window's one message; once its window has passed too, a new one goes out again.
    await notifier.notify(msg("INFO", "lock_acquired:payment-service", "Lock acquired for payment-service"));
    // The new row is the only throttled one not yet merged (it shares its created_at with the summary: the clock did not move).
    const unmerged = (await rows(`channel = 'SLACK' AND dedup_key = 'lock_acquired:payment-service' AND merged_into_id IS NULL AND status = 'THROTTLED'`));
    expect(unmerged).toHaveLength(1);
    clock.advance(5 * 60_000 + 1);
    await notifier.notify(msg("INFO", "lock_acquired:payment-service", "Lock acquired for payment-service"));
    await notifier.deliverDue();
    expect(receivers.http.of("/slack")).toHaveLength(3);
  });
});

describe("retries", () => {
  it("retries a delivery after the receiver failed, with backoff, and records every attempt", async () => {
    receivers.http.answer("/slack", [500, 503]);
    await notifier.notify(msg("ERROR", "retry-me"));
    await notifier.deliverDue();
    let [slack] = await rows(`channel = 'SLACK' AND dedup_key = 'retry-me'`);
    expect(slack).toMatchObject({ status: "PENDING", attempts: 1 });
    expect(slack!.last_error).toMatch(/500/);
    await notifier.deliverDue(); // not due yet: the backoff is 5 s
    expect((await rows(`channel = 'SLACK' AND dedup_key = 'retry-me'`))[0]!.attempts).toBe(1);
    clock.advance(5_001);
    await notifier.deliverDue();
    [slack] = await rows(`channel = 'SLACK' AND dedup_key = 'retry-me'`);
    expect(slack).toMatchObject({ status: "PENDING", attempts: 2 });
    clock.advance(10_001);
    await notifier.deliverDue();
    [slack] = await rows(`channel = 'SLACK' AND dedup_key = 'retry-me'`);
    expect(slack).toMatchObject({ status: "SENT", attempts: 3 });
    // The other channels were not held up by Slack's trouble.
    expect((await rows(`channel IN ('TEAMS','EMAIL','PAGERDUTY') AND dedup_key = 'retry-me'`)).map((r) => [r.status, r.attempts])).toEqual([
      ["SENT", 1],
      ["SENT", 1],
      ["SENT", 1],
    ]);
  });

  it("gives up at once on a delivery the receiver refuses as malformed", async () => {
    receivers.http.answer("/slack", [400]);
    await notifier.notify(msg("ERROR", "refused"));
    await notifier.deliverDue();
    const [slack] = await rows(`channel = 'SLACK' AND dedup_key = 'refused'`);
    expect(slack).toMatchObject({ status: "FAILED", attempts: 1 });
    expect(slack!.last_error).toMatch(/400/);
  });
});

describe("operations and notifications", () => {
  it("never holds up an operation when a channel is down, and tells its locks and its completion from the audit log", async () => {
    receivers.http.answer("/slack", Array(50).fill(500));
    try {
      const { operation } = await fixture.orchestrator.submit({ type: "DEPLOYMENT", service: "search-service", actor: "operator@interlock.local", params: { version: "v-down" } });
      const done = await fixture.waitFor(operation.id);
      expect(done.state).toBe("COMPLETED");
      await notifier.dispatch();
      await notifier.deliverDue();
      const slack = await rows(`channel = 'SLACK' AND operation_id = $1::uuid`, [operation.id]);
      // One dispatch writes both rows in one transaction (same created_at): compare them as a set.
      expect(slack.map((r) => [r.template, r.status]).sort()).toEqual([
        ["lock_acquired", "PENDING"],
        ["operation_completed", "PENDING"],
      ]);
      expect(slack.find((r) => r.template === "lock_acquired")!.last_error).toMatch(/500/);
      // Teams is up: the success notice went out there.
      expect(receivers.http.of("/teams").some((r) => JSON.stringify(r.body).includes("Completed: DEPLOYMENT of search-service"))).toBe(true);
      // INFO reaches chat only.
      expect((await rows(`operation_id = $1::uuid AND template = 'operation_completed'`, [operation.id])).map((r) => r.channel)).toEqual(["SLACK", "TEAMS"]);
    } finally {
      receivers.http.answer("/slack", []);
    }
  });

  it("escalates a failed rollback (lock priority CRITICAL) like an unanswered review's last level: PagerDuty at high urgency", async () => {
    // No to_version and nothing in the ledger to roll back to: the rollback fails.
    const { operation } = await fixture.orchestrator.submit({ type: "ROLLBACK", service: "payment-service", actor: "operator@interlock.local", params: {} });
    const done = await fixture.waitFor(operation.id);
    expect(done.state).toBe("FAILED");
    await notifier.dispatch();
    const failed = await rows(`operation_id = $1::uuid AND template LIKE '%failed'`, [operation.id]);
    expect(failed.filter((r) => r.channel !== "INBOX").map((r) => [r.template, r.channel]).sort()).toEqual([
      ["critical_operation_failed", "EMAIL"],
      ["critical_operation_failed", "PAGERDUTY"],
      ["critical_operation_failed", "SLACK"],
      ["critical_operation_failed", "TEAMS"],
    ]);
    expect(failed.filter((r) => r.channel === "INBOX")).toHaveLength(4);
    await notifier.deliverDue();
    const page = receivers.http.of("/pagerduty").map((r) => r.body).find((b) => b.dedup_key === `critical_operation_failed:${operation.id}`);
    expect(page).toMatchObject({ event_action: "trigger", payload: { severity: "critical" } });
  });
});

describe("escalation of pending reviews", () => {
  it("notifies levels 1, 2 and 3 at 15, 30 and 60 minutes, each once, and a decision closes the page", async () => {
    const id = await pausedOperation("loyalty-service");
    const [review] = await testStore.db.query<{ id: string; created_at: Date }>(`SELECT id::text, created_at FROM reviews WHERE operation_id = $1::uuid`, [id]);
    const at = (minutes: number) => clock.set(new Date(review!.created_at.getTime() + minutes * 60_000));
    const escalations = async () => rows(`template = 'review_escalated' AND operation_id = $1::uuid AND channel <> 'INBOX'`, [id]);

    at(10);
    expect(await notifier.escalateDue()).toBe(0);
    at(15);
    expect(await notifier.escalateDue()).toBe(1);
    expect(await notifier.escalateDue()).toBe(0);
    await notifier.deliverDue();
    expect((await escalations()).map((r) => r.channel).sort()).toEqual(["EMAIL", "SLACK", "TEAMS"]);
    expect(receivers.http.of("/slack").at(-1)!.body.blocks[0].text.text).toContain("Escalation level 1");
    expect(receivers.http.of("/slack").at(-1)!.body.blocks.find((b: { type: string }) => b.type === "actions").elements.map((e: { url: string }) => e.url)).toEqual([
      `https://interlock.example.com/approvals/${id}?decision=approve`,
      `https://interlock.example.com/approvals/${id}?decision=reject`,
      `https://interlock.example.com/approvals/${id}`,
    ]);
    // Level 1's inbox copies go to those who can decide: approver and admin.
    expect(await rows(`template = 'review_escalated' AND operation_id = $1::uuid AND channel = 'INBOX'`, [id])).toHaveLength(2);

    at(30);
    expect(await notifier.escalateDue()).toBe(1);
    at(60);
    expect(await notifier.escalateDue()).toBe(1);
    at(500);
    expect(await notifier.escalateDue()).toBe(0);
    await notifier.deliverDue();
    expect((await escalations()).map((r) => r.channel)).toEqual(["EMAIL", "SLACK", "TEAMS", "EMAIL", "PAGERDUTY", "SLACK", "TEAMS", "EMAIL", "PAGERDUTY", "SLACK", "TEAMS"]);
    const pages = receivers.http.of("/pagerduty").map((r) => r.body).filter((b) => b.dedup_key === `review:${review!.id}`);
    expect(pages.map((p) => [p.event_action, p.payload.severity])).toEqual([
      ["trigger", "error"],
      ["trigger", "critical"],
    ]);
    const [{ level }] = (await testStore.db.query<{ level: number }>(`SELECT escalation_level AS level FROM reviews WHERE id = $1::uuid`, [review!.id])) as [{ level: number }];
    expect(level).toBe(3);

    await fixture.orchestrator.decide({ operationId: id, decision: "APPROVE", actor: "approver@interlock.local", notes: "fine" });
    await notifier.dispatch();
    expect(await rows(`channel = 'PAGERDUTY' AND dedup_key = $1`, [`review:${review!.id}`])).toHaveLength(3);
    await notifier.deliverDue();
    const resolve = receivers.http.of("/pagerduty").map((r) => r.body).filter((b) => b.dedup_key === `review:${review!.id}`).at(-1);
    expect(resolve).toEqual({ routing_key: "R0123456789abcdef0123456789ABCDE", event_action: "resolve", dedup_key: `review:${review!.id}` });
    const audit = await fixture.audit.store.query({ action: "review.escalated", operationId: id, limit: 10 });
    expect(audit.events.map((e) => e.payload.level).sort()).toEqual([1, 2, 3]);
  });

  it("escalates each level once when two processes sweep at the same moment", async () => {
    const id = await pausedOperation("recommendation-service");
    const [review] = await testStore.db.query<{ created_at: Date }>(`SELECT created_at FROM reviews WHERE operation_id = $1::uuid`, [id]);
    const other = await openDatabase({ kind: "postgres", url: testStore.url!, poolSize: 4 });
    extraDbs.push(other);
    const second = makeNotifier(other);
    clock.set(new Date(review!.created_at.getTime() + 61 * 60_000));
    const claimed = await Promise.all([notifier.escalateDue(), second.escalateDue(), notifier.escalateDue(), second.escalateDue()]);
    expect(claimed.reduce((a, b) => a + b, 0)).toBe(1);
    expect((await rows(`template = 'review_escalated' AND operation_id = $1::uuid AND channel <> 'INBOX'`, [id])).map((r) => r.channel)).toEqual(["EMAIL", "PAGERDUTY", "SLACK", "TEAMS"]);
    await second.stop();
  });
});

describe("the escalate_only timeout outcome", () => {
  it("escalates once more when the review times out, and then stays quiet", async () => {
    const id = await pausedOperation("promotion-service");
    const [review] = await testStore.db.query<{ id: string; created_at: Date; timeout_at: Date }>(`SELECT id::text, created_at, timeout_at FROM reviews WHERE operation_id = $1::uuid`, [id]);
    const escalating = makeNotifier(testStore.db, { escalateAtTimeout: true });
    clock.set(new Date(review!.created_at.getTime() + 61 * 60_000));
    expect(await escalating.escalateDue()).toBe(1);
    const [{ next }] = (await testStore.db.query<{ next: Date }>(`SELECT next_escalation_at AS next FROM reviews WHERE id = $1::uuid`, [review!.id])) as [{ next: Date }];
    expect(next.getTime()).toBe(review!.timeout_at.getTime());
    clock.set(new Date(review!.timeout_at.getTime() + 1_000));
    expect(await escalating.escalateDue()).toBe(1);
    expect(await escalating.escalateDue()).toBe(0);
    await escalating.deliverDue();
    expect(receivers.http.of("/slack").at(-1)!.body.blocks[0].text.text).toMatch(/timed out after \d+ min and is still waiting/);
    const audit = await fixture.audit.store.query({ action: "review.escalated", operationId: id, limit: 10 });
    expect(audit.events.map((e) => e.payload.level).sort()).toEqual([3, 4]);
    await fixture.orchestrator.cancel({ operationId: id, actor: "operator@interlock.local" });
    await escalating.stop();
  });
});

describe("background errors", () => {
  it("had none", () => {
    expect(errors).toEqual([]);
  });
});
