import type { AuditEventInput, JsonValue } from "../audit/types";
import type { StoreTransaction } from "../audit/ports";
import type { Clock } from "../clock";
import { isAppError } from "../errors";
import { getOperationDetail, type OperationDetail } from "../operations/get-operation-detail";
import type { OperationQueries } from "../operations/query-ports";
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs } from "./delivery-policy";
import { NOTIFIABLE_ACTIONS, eventNeeds, messagesForAuditEvent, transitionTarget, type OutboxEvent, type PlannedMessage } from "./messages-for-audit-event";
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
  /** How often the dispatcher reads the audit log for other processes' events (this process's commits wake it at once). */
  dispatchMs: number;
  /** Audit events read per dispatch transaction. */
  dispatchBatch: number;
  /** The dispatcher's cursor (a row of notification_cursors). */
  cursorName: string;
}

export const DEFAULT_NOTIFIER_CONFIG: NotifierConfig = {
  pollMs: 1_000,
  escalationSweepMs: 15_000,
  mergeSweepMs: 30_000,
  batch: 50,
  leaseMs: 60_000,
  sendTimeoutMs: 10_000,
  escalateAtTimeout: false,
  dispatchMs: 1_000,
  dispatchBatch: 200,
  cursorName: "notifier",
};

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

/** Who reads a message in the console inbox: review requests go to those who can decide them (a held graph change: admins). */
export function inboxRole(message: NotificationMessage): "VIEWER" | "APPROVER" | "ADMIN" {
  if (message.template === "graph_removal_held") return "ADMIN";
  return message.template === "human_review_required" || message.template === "review_escalated" ? "APPROVER" : "VIEWER";
}

/**
 * The notifier (docs/notifications.md). What happens to operations
 * reaches it through the committed audit log, its outbox: a dispatcher reads
 * the events past its cursor, turns those worth telling into messages, routes
 * them by severity to the configured channels and stores them, one row per
 * channel (and per inbox reader), in the transaction that moves the cursor,
 * so each event yields its notifications exactly once, whichever process
 * dies when. A delivery loop sends the rows with retries and backoff, so a
 * channel that is down delays its own messages and nothing else. Pending
 * reviews are escalated by a sweep that claims each level once across
 * processes.
 */
export class Notifier {
  private readonly senders: Map<NotifyChannel, ChannelSender>;
  private readonly configured: Set<NotifyChannel>;
  private timers: NodeJS.Timeout[] = [];
  private delivering: Promise<void> | null = null;
  private again = false;
  private dispatching: Promise<number> | null = null;
  private dispatchAgain = false;
  private stopped = true;

  constructor(private readonly deps: NotifierDeps) {
    this.senders = new Map(deps.senders.map((s) => [s.channel, s]));
    this.configured = new Set<NotifyChannel>([...this.senders.keys(), "INBOX"]);
  }

  /** The channels this deployment can send to. */
  channels(): NotifyChannel[] {
    return [...this.configured];
  }

  /**
   * Routes and stores a message now; the delivery loop sends it. For what
   * happens outside operations (an incident resolved): operations are told
   * through the audit log (`dispatch`). Returns the rows stored.
   */
  async notify(message: NotificationMessage): Promise<NotificationRecord[]> {
    const expanded = await this.deliveriesOf({ message }, await this.deps.routing());
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

  /**
   * Something committed in this process (the orchestrator's onEvent): run the
   * dispatcher now rather than at its next poll. It reads what to send from
   * the audit log, so nothing here is lost if the process dies now.
   */
  poke(): void {
    if (this.stopped) return;
    void this.dispatch().catch((error: unknown) => this.deps.onBackgroundError(error, "dispatching notifications"));
  }

  /** @deprecated The orchestrator's events only wake the dispatcher now: use `poke()`. */
  async onOperationEvent(_event?: unknown): Promise<void> {
    this.poke();
  }

  /**
   * Turns the committed audit events past the cursor into notifications,
   * batch after batch, until it has caught up; the number of events read.
   * One run at a time per process; across processes the cursor row decides
   * (a dispatcher that finds it held or moved drops its batch and reads on
   * from where the other left it).
   */
  dispatch(): Promise<number> {
    if (this.dispatching) {
      this.dispatchAgain = true;
      return this.dispatching;
    }
    this.dispatching = (async () => {
      let read = 0;
      do {
        this.dispatchAgain = false;
        for (let lost = 0; ; ) {
          const step = await this.dispatchBatch();
          if (step === "held") {
            // Another process is committing this range: it will have moved the cursor by our next poll.
            if (++lost >= 3) break;
            continue;
          }
          if (step === "caught-up") break;
          read += step;
        }
      } while (this.dispatchAgain);
      return read;
    })().finally(() => {
      this.dispatching = null;
    });
    return this.dispatching;
  }

  /** One batch: read past the cursor, build the deliveries, store them and move the cursor in one transaction. */
  private async dispatchBatch(): Promise<number | "caught-up" | "held"> {
    const { cursorName, dispatchBatch } = this.deps.config;
    const from = await this.deps.store.dispatchCursor(cursorName);
    const { events, throughSeq } = await this.deps.store.readAuditPast(from, NOTIFIABLE_ACTIONS, dispatchBatch);
    if (throughSeq <= from) return "caught-up";
    const routing = await this.deps.routing();
    // Reads happen before the transaction: the embedded store has one connection, and a read outside the open transaction would wait for it forever.
    const deliveries: NewDelivery[] = [];
    const details = new Map<string, OperationDetail | null>();
    for (const event of events) deliveries.push(...(await this.deliveriesForEvent(event, routing, details)));
    const now = this.deps.clock.now();
    const advanced = await this.deps.store.advanceCursor(cursorName, from, throughSeq, async (tx) => {
      for (const d of deliveries) await this.deps.store.enqueue(tx, d, now);
    });
    if (!advanced) return "held";
    if (deliveries.length > 0) this.wake();
    return events.length;
  }

  private async deliveriesForEvent(event: OutboxEvent, routing: NotifyRouting, details: Map<string, OperationDetail | null>): Promise<NewDelivery[]> {
    const needs = eventNeeds(event);
    if (needs === "nothing") return [];
    // Nearly every operation takes locks and most complete: when INFO reaches no configured channel, skip reading the operation at all.
    const to = transitionTarget(event);
    if ((to === "LOCKED" || to === "COMPLETED") && !severityReachesAnyChannel("INFO", routing, this.configured)) return [];
    let detail: OperationDetail | null = null;
    if (needs === "operation" && event.operationId) {
      if (!details.has(event.operationId)) details.set(event.operationId, await this.operationDetail(event.operationId));
      detail = details.get(event.operationId)!;
    }
    let planned: PlannedMessage[];
    try {
      planned = messagesForAuditEvent(event, detail, this.deps.links);
    } catch (error) {
      // A message that cannot be built from this event never will be: say so and go on, rather than stop every notification behind it.
      this.deps.onBackgroundError(error, `building the notifications of audit event ${event.seq} (${event.action})`);
      return [];
    }
    const out: NewDelivery[] = [];
    for (const p of planned) out.push(...(await this.deliveriesOf(p, routing)));
    return out;
  }

  /** The operation as the store has it now; null when it is gone (nothing to tell about it). A store failure is thrown: the batch is retried. */
  private async operationDetail(id: string): Promise<OperationDetail | null> {
    try {
      return await getOperationDetail({ queries: this.deps.operations }, { id });
    } catch (error) {
      if (isAppError(error) && (error.code === "NOT_FOUND" || error.code === "VALIDATION_FAILED")) return null;
      throw error;
    }
  }

  /** A message's deliveries: routed by severity, or like the last escalation level; inbox copies per reader. */
  private async deliveriesOf(planned: PlannedMessage, routing: NotifyRouting): Promise<NewDelivery[]> {
    const { message } = planned;
    const top = planned.topEscalation ? Math.max(0, ...routing.escalation.map((e) => e.level)) : 0;
    let deliveries: NewDelivery[] = top > 0 ? deliveriesFor(message, routing, this.configured, top) : deliveriesFor(message, routing, this.configured);
    // A resolve only makes sense where a trigger went out; elsewhere it is an ordinary message.
    if (message.action === "resolve") {
      const open = this.configured.has("PAGERDUTY") && (await this.deps.store.hasPagerDutyTrigger(message.dedupKey));
      deliveries = deliveries.filter((d) => d.channel !== "PAGERDUTY");
      if (open) deliveries.push({ channel: "PAGERDUTY", message, throttleMs: 0 });
    }
    return this.withInboxReaders(deliveries);
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
    await this.deps.audit.append({ category: "NOTIFICATION", severity: "INFO", actor, action: "notification.test_sent", payload: { results: results.map((r): JsonValue => ({ channel: r.channel, ok: r.ok, error: r.error })) } });
    return results;
  }

  /**
   * Starts the dispatcher, the delivery loop, the escalation sweep and the
   * merging of throttled repeats. Resolves once the dispatcher's cursor is
   * there (on a store's first start, at the head of the audit log), so what
   * commits afterwards is told.
   */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.deps.store.dispatchCursor(this.deps.config.cursorName);
    if (this.stopped) return;
    const every = (ms: number, fn: () => Promise<unknown>, context: string) => {
      const timer = setInterval(() => void fn().catch((error: unknown) => this.deps.onBackgroundError(error, context)), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.deps.config.dispatchMs, () => this.dispatch(), "dispatching notifications");
    every(this.deps.config.pollMs, () => this.deliverDue(), "delivering notifications");
    every(this.deps.config.escalationSweepMs, () => this.escalateDue(), "escalating reviews");
    every(this.deps.config.mergeSweepMs, () => this.mergeRepeats(), "merging throttled notifications");
    this.poke();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.dispatching?.catch(() => {});
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
