import type { AuditEventInput, JsonValue } from "../audit/types";
import type { StoreTransaction } from "../audit/ports";
import type { Clock } from "../clock";
import { getOperationDetail } from "../operations/get-operation-detail";
import type { OperationEvent } from "../operations/orchestrator-deps";
import type { OperationQueries } from "../operations/query-ports";
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs } from "./delivery-policy";
import { isNotifiable, messagesForOperationEvent } from "./messages-for-operation-event";
import type { ChannelSender, NewDelivery, NotificationRecord, NotificationStore } from "./ports";
import { deliveriesFor, severityReachesAnyChannel, type NotifyRouting } from "./routing";
import { repeatsMergedMessage, reviewEscalatedMessage, testMessage, type ConsoleLinks } from "./templates";
import type { NotificationMessage, NotifyChannel } from "./types";

export interface NotifierConfig {
  /** How often the delivery loop looks for due deliveries (it is also woken when something is queued here). */
  pollMs: number;
  escalationSweepMs: number;
  mergeSweepMs: number;
  batch: number;
  /** A claimed delivery is retried after this if its sender died mid-send. */
  leaseMs: number;
  sendTimeoutMs: number;
  /** REVIEW_TIMEOUT_OUTCOME=escalate_only: a review's timeout is one more escalation. */
  escalateAtTimeout: boolean;
}

export const DEFAULT_NOTIFIER_CONFIG: NotifierConfig = { pollMs: 1_000, escalationSweepMs: 15_000, mergeSweepMs: 30_000, batch: 50, leaseMs: 60_000, sendTimeoutMs: 10_000, escalateAtTimeout: false };

export interface NotifierDeps {
  store: NotificationStore;
  /** The channels configured in this deployment (the inbox is always there). */
  senders: readonly ChannelSender[];
  routing(): Promise<NotifyRouting>;
  operations: OperationQueries;
  audit: { appendInTransaction(tx: StoreTransaction, events: AuditEventInput[]): Promise<unknown>; append(event: AuditEventInput): Promise<unknown> };
  clock: Clock;
  links: ConsoleLinks;
  config: NotifierConfig;
  random: () => number;
  onBackgroundError: (error: unknown, context: string) => void;
}

/** Who reads a message in the console inbox: review requests go to those who can decide them. */
function inboxRole(message: NotificationMessage): "VIEWER" | "APPROVER" {
  return message.template === "human_review_required" || message.template === "review_escalated" ? "APPROVER" : "VIEWER";
}

/**
 * The notifier (C8). Messages are routed by severity to the configured
 * channels and stored, one row per channel (and per inbox reader), after the
 * change that caused them has committed; a delivery loop sends them with
 * retries and backoff, so a channel that is down delays its own messages and
 * nothing else. Pending reviews are escalated by a sweep that claims each
 * level once across processes.
 */
export class Notifier {
  private readonly senders: Map<NotifyChannel, ChannelSender>;
  private readonly configured: Set<NotifyChannel>;
  private timers: NodeJS.Timeout[] = [];
  private delivering: Promise<void> | null = null;
  private again = false;
  private stopped = true;

  constructor(private readonly deps: NotifierDeps) {
    this.senders = new Map(deps.senders.map((s) => [s.channel, s]));
    this.configured = new Set<NotifyChannel>([...this.senders.keys(), "INBOX"]);
  }

  /** The channels this deployment can send to. */
  channels(): NotifyChannel[] {
    return [...this.configured];
  }

  /** Routes and stores a message; the delivery loop sends it. Returns the rows stored. */
  async notify(message: NotificationMessage): Promise<NotificationRecord[]> {
    const routing = await this.deps.routing();
    let deliveries = deliveriesFor(message, routing, this.configured);
    // A resolve only makes sense where a trigger went out; elsewhere it is an ordinary message.
    if (message.action === "resolve") {
      const open = this.configured.has("PAGERDUTY") && (await this.deps.store.hasPagerDutyTrigger(message.dedupKey));
      deliveries = deliveries.filter((d) => d.channel !== "PAGERDUTY");
      if (open) deliveries.push({ channel: "PAGERDUTY", message, throttleMs: 0 });
    }
    const expanded = await this.withInboxReaders(deliveries);
    if (expanded.length === 0) return [];
    const now = this.deps.clock.now();
    const rows = await this.deps.store.transact(async (tx) => {
      const stored: NotificationRecord[] = [];
      for (const d of expanded) stored.push(await this.deps.store.enqueue(tx, d, now));
      return stored;
    });
    this.wake();
    return rows;
  }

  /** Messages for an orchestrator event (called after the transition committed); failures are reported, never thrown back. */
  async onOperationEvent(event: OperationEvent): Promise<void> {
    if (!isNotifiable(event)) return;
    // "Lock acquired" (INFO) comes with nearly every operation: when INFO reaches no configured channel, skip reading the operation at all.
    if (event.kind === "transition" && event.state === "LOCKED" && !severityReachesAnyChannel("INFO", await this.deps.routing(), this.configured)) return;
    const detail = await getOperationDetail({ queries: this.deps.operations }, { id: event.operationId });
    for (const message of messagesForOperationEvent(event, detail, this.deps.links)) await this.notify(message);
  }

  /**
   * An admin's "send test notification": sent now, not queued, on each of the
   * given channels (all configured by default), recorded like any other
   * delivery, and the outcome per channel returned.
   */
  async sendTest(actor: string, channels: NotifyChannel[] | null): Promise<{ channel: NotifyChannel; ok: boolean; error: string | null; notificationId: string }[]> {
    const now = this.deps.clock.now();
    const message = testMessage(actor, now, this.deps.links);
    const wanted = (channels ?? [...this.configured]).filter((c) => this.configured.has(c));
    const results: { channel: NotifyChannel; ok: boolean; error: string | null; notificationId: string }[] = [];
    for (const channel of wanted) {
      const deliveries = await this.withInboxReaders([{ channel, message, throttleMs: 0, heldForMs: this.deps.config.leaseMs }]);
      // One statement at a time: a transaction is one connection.
      const rows = await this.deps.store.transact(async (tx) => {
        const stored: NotificationRecord[] = [];
        for (const d of deliveries) stored.push(await this.deps.store.enqueue(tx, d, now));
        return stored;
      });
      if (channel === "INBOX") {
        results.push({ channel, ok: true, error: null, notificationId: rows[0]?.id ?? "" });
        continue;
      }
      const row = rows[0]!;
      const outcome = await this.attempt(row);
      results.push({ channel, ok: outcome === null, error: outcome, notificationId: row.id });
    }
    await this.deps.audit.append({ category: "NOTIFICATION", severity: "INFO", actor, action: "notification.test_sent", payload: { results: results.map((r) => ({ channel: r.channel, ok: r.ok, error: r.error })) as unknown as JsonValue[] } });
    return results;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const every = (ms: number, fn: () => Promise<unknown>, context: string) => {
      const timer = setInterval(() => void fn().catch((error: unknown) => this.deps.onBackgroundError(error, context)), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.deps.config.pollMs, () => this.deliverDue(), "delivering notifications");
    every(this.deps.config.escalationSweepMs, () => this.escalateDue(), "escalating reviews");
    every(this.deps.config.mergeSweepMs, () => this.mergeRepeats(), "merging throttled notifications");
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.delivering?.catch(() => {});
    await Promise.allSettled(this.deps.senders.map(async (s) => s.close?.()));
  }

  /** Sends what is due, batch after batch, until nothing is; one run at a time per process. */
  deliverDue(): Promise<void> {
    if (this.delivering) {
      this.again = true;
      return this.delivering;
    }
    this.delivering = (async () => {
      do {
        this.again = false;
        for (;;) {
          const due = await this.deps.store.claimDue(this.deps.clock.now(), this.deps.config.batch, this.deps.config.leaseMs);
          if (due.length === 0) break;
          await Promise.all(due.map((row) => this.attempt(row)));
          if (due.length < this.deps.config.batch) break;
        }
      } while (this.again);
    })().finally(() => {
      this.delivering = null;
    });
    return this.delivering;
  }

  /** Claims the reviews whose next escalation level is due and notifies that level's channels, once across processes. */
  async escalateDue(): Promise<number> {
    const routing = await this.deps.routing();
    const now = this.deps.clock.now();
    const approvers = this.configured.has("INBOX") ? await this.deps.store.inboxRecipients("APPROVER") : [];
    const claimed = await this.deps.store.escalateDue(now, this.deps.config.batch, this.deps.config.escalateAtTimeout, async (tx, due) => {
      const message = reviewEscalatedMessage(due.review, due.level, due.finalLevel, this.deps.links, now);
      const level = Math.min(due.level, due.finalLevel);
      const deliveries = deliveriesFor(message, routing, this.configured, level).flatMap((d) =>
        d.channel === "INBOX" ? approvers.map((recipientId) => ({ ...d, recipientId })) : [d],
      );
      for (const d of deliveries) await this.deps.store.enqueue(tx, d, now);
      await this.deps.audit.appendInTransaction(tx, [
        {
          category: "NOTIFICATION",
          severity: message.severity,
          actor: "system",
          action: "review.escalated",
          service: due.review.service,
          operationId: due.review.operationId,
          correlationId: due.review.correlationId,
          payload: { reviewId: due.review.reviewId, level: due.level, channels: deliveries.map((d) => d.channel) },
        },
      ]);
    });
    if (claimed.length) this.wake();
    return claimed.length;
  }

  /** Summarises repeats that throttling held back, once their window has passed. */
  async mergeRepeats(): Promise<number> {
    const groups = await this.deps.store.unmergedRepeats(this.deps.clock.now(), this.deps.config.batch);
    let merged = 0;
    for (const group of groups) {
      const first = group.rows[0]!;
      const last = group.rows[group.rows.length - 1]!;
      const summary = repeatsMergedMessage(first.message, group.rows.length, first.createdAt, last.createdAt);
      merged += await this.deps.store.transact(async (tx) => {
        const row = await this.deps.store.enqueue(tx, { channel: group.channel, message: summary, throttleMs: 0, recipientId: first.recipientId }, this.deps.clock.now());
        const marked = await this.deps.store.markMerged(tx, group.rows.map((r) => r.id), row.id);
        // Another process summarised them first: roll this summary back.
        if (marked !== group.rows.length) throw new MergeRace();
        return marked;
      }).catch((error: unknown) => {
        if (error instanceof MergeRace) return 0;
        throw error;
      });
    }
    if (merged) this.wake();
    return merged;
  }

  /** One send of a claimed delivery; the error text when it failed (recorded with the retry time, or FAILED for good). */
  private async attempt(row: NotificationRecord): Promise<string | null> {
    const sender = row.channel === "INBOX" ? null : this.senders.get(row.channel);
    const attempts = row.attempts + 1;
    const now = () => this.deps.clock.now();
    if (!sender) {
      await this.deps.store.markFailed(row.id, attempts, `channel ${row.channel} is not configured in this deployment`, null);
      return `channel ${row.channel} is not configured`;
    }
    try {
      await sender.send(row.message, AbortSignal.timeout(this.deps.config.sendTimeoutMs));
      await this.deps.store.markSent(row.id, attempts, now());
      return null;
    } catch (error) {
      const text = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
      // Adapters mark what retrying cannot fix (a 400, an unknown webhook) and may say when to come back (Retry-After).
      const failure = (error ?? {}) as { permanent?: unknown; retryAfterMs?: unknown };
      const permanent = failure.permanent === true;
      const wait = Math.max(retryDelayMs(attempts, this.deps.random()), typeof failure.retryAfterMs === "number" ? failure.retryAfterMs : 0);
      const retryAt = permanent || attempts >= MAX_DELIVERY_ATTEMPTS ? null : new Date(now().getTime() + wait);
      await this.deps.store.markFailed(row.id, attempts, text, retryAt);
      return text;
    }
  }

  private async withInboxReaders(deliveries: NewDelivery[]): Promise<NewDelivery[]> {
    const out: NewDelivery[] = [];
    for (const d of deliveries) {
      if (d.channel !== "INBOX") {
        out.push(d);
        continue;
      }
      // The inbox is per reader and never throttled (each reader's copy is their own).
      for (const recipientId of await this.deps.store.inboxRecipients(inboxRole(d.message))) out.push({ ...d, throttleMs: 0, recipientId });
    }
    return out;
  }

  private wake(): void {
    if (this.stopped) return;
    void this.deliverDue().catch((error: unknown) => this.deps.onBackgroundError(error, "delivering notifications"));
  }
}

class MergeRace extends Error {}
