import type { StoreTransaction } from "../audit/ports";
import type { OutboxEvent } from "./messages-for-audit-event";
import type { EscalatingReview } from "./templates";
import type { NotificationMessage, NotifyChannel } from "./types";

/**
 * One delivery channel (Slack, Teams, email, PagerDuty). `send` resolves when
 * the receiver accepted the message and throws, with a message saying what the
 * receiver answered, when it did not: the delivery worker records the error and
 * retries with backoff.
 */
export interface ChannelSender {
  readonly channel: Exclude<NotifyChannel, "INBOX">;
  send(message: NotificationMessage, signal: AbortSignal): Promise<void>;
  /** Closes pooled connections (SMTP), at shutdown. */
  close?(): void | Promise<void>;
}

export type NotificationStatus = "PENDING" | "SENT" | "FAILED" | "THROTTLED";

/** A delivery as stored: one message on one channel (or, for the inbox, for one user). */
export interface NotificationRecord {
  id: string;
  channel: NotifyChannel;
  status: NotificationStatus;
  message: NotificationMessage;
  /** Throttle group (the message's dedup key). */
  throttleKey: string;
  attempts: number;
  lastError: string | null;
  recipientId: string | null;
  nextAttemptAt: Date | null;
  sentAt: Date | null;
  readAt: Date | null;
  createdAt: Date;
  mergedIntoId: string | null;
}

export interface NewDelivery {
  channel: NotifyChannel;
  message: NotificationMessage;
  throttleMs: number;
  /** Inbox only: the user it is for. */
  recipientId?: string | null;
  /** Kept from the delivery loop this long: the caller sends it itself now (the admin's test). */
  heldForMs?: number;
}


export interface DueEscalation {
  review: EscalatingReview;
  /** The level now due (the highest whose time has come). */
  level: number;
  /** The plan's last level; a level above it is the timeout's (ESCALATE_ONLY). */
  finalLevel: number;
}

/** What one read of the audit log past the dispatcher's cursor found. */
export interface OutboxRead {
  /** The events with the wanted actions, oldest first. */
  events: OutboxEvent[];
  /**
   * How far the read covered: the last event's seq when it was cut at the
   * limit, else the head of the log as the read saw it (every event up to it
   * was looked at; those not returned had other actions).
   */
  throughSeq: number;
}

export interface NotificationStore {
  /** One transaction around `fn` (the audit log can append in it too). */
  transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  /**
   * Stores a delivery in `tx`. Unless its throttle window is 0, the decision
   * is taken holding a lock on (channel, key) until `tx` ends, so two processes
   * never both send a repeat: THROTTLED when the same key was accepted
   * (pending or sent) on the channel within the window.
   */
  enqueue(tx: StoreTransaction, delivery: NewDelivery, now: Date): Promise<NotificationRecord>;
  /**
   * Takes up to `limit` PENDING channel deliveries that are due, pushing their
   * next attempt `leaseMs` ahead so that a process that dies while sending
   * leaves them to be retried, and no two processes send the same one.
   */
  claimDue(now: Date, limit: number, leaseMs: number): Promise<NotificationRecord[]>;
  markSent(id: string, attempts: number, at: Date): Promise<void>;
  /** A failed attempt: retried at `nextAttemptAt`, or FAILED for good when it is null. */
  markFailed(id: string, attempts: number, error: string, nextAttemptAt: Date | null): Promise<void>;
  /**
   * Throttle groups whose window has passed with repeats held back and not yet
   * summarised: each with its held-back rows, oldest first.
   */
  unmergedRepeats(now: Date, limit: number): Promise<{ channel: NotifyChannel; throttleKey: string; rows: NotificationRecord[] }[]>;
  /** Marks held-back rows as summarised by `summaryId` (only those still unmerged); how many were marked. */
  markMerged(tx: StoreTransaction, ids: string[], summaryId: string): Promise<number>;
  /**
   * In one transaction: claims PENDING reviews whose next escalation is due
   * (rows locked, SKIP LOCKED), records the level reached and the next due time
   * from the review's plan, and runs `record` for each inside the same
   * transaction. With several processes each level is claimed exactly once.
   * `afterPlan`: with the ESCALATE_ONLY timeout outcome, the review's timeout
   * counts as one more level after the plan's last.
   */
  escalateDue(now: Date, limit: number, afterPlan: boolean, record: (tx: StoreTransaction, due: DueEscalation) => Promise<void>): Promise<DueEscalation[]>;
  /** Whether a PagerDuty trigger with this dedup key was sent or is pending (so a resolve has something to close). */
  hasPagerDutyTrigger(dedupKey: string): Promise<boolean>;
  /**
   * The dispatcher's cursor: the seq of the last audit event it turned into
   * notifications. A store with no cursor of that name gets one at the
   * current head of the log (a first start does not replay history).
   */
  dispatchCursor(name: string): Promise<number>;
  /**
   * Committed audit events past `afterSeq` whose action is one of `actions`,
   * oldest first, at most `limit`. Every event at or below the head the read
   * saw is committed and visible (docs/notifications.md), so nothing is
   * passed over that commits later.
   */
  readAuditPast(afterSeq: number, actions: readonly string[], limit: number): Promise<OutboxRead>;
  /**
   * In one transaction: locks the cursor row (`FOR UPDATE SKIP LOCKED`: one
   * dispatcher commits at a time across processes), checks that it is still
   * at `fromSeq`, runs `record` (which enqueues in `tx`) and moves the cursor
   * to `toSeq`. False, with nothing written, when another dispatcher holds
   * the row or has moved it.
   */
  advanceCursor(name: string, fromSeq: number, toSeq: number, record: (tx: StoreTransaction) => Promise<void>): Promise<boolean>;
  /** Inbox recipients: active users with at least this role. */
  inboxRecipients(minRole: "VIEWER" | "OPERATOR" | "APPROVER" | "ADMIN"): Promise<string[]>;
  listInbox(userId: string, options: { unreadOnly: boolean; limit: number; before: Date | null }): Promise<NotificationRecord[]>;
  unreadCount(userId: string): Promise<number>;
  /** Marks the user's notification read; false when it is not theirs or does not exist. */
  markRead(userId: string, id: string, at: Date): Promise<boolean>;
  listDeliveries(options: { status: NotificationStatus | null; channel: NotifyChannel | null; limit: number; before: Date | null }): Promise<NotificationRecord[]>;
}
