import "server-only";
import type { StoreTransaction } from "../../core/audit/ports";
import type { AuditCategory, AuditSeverity, JsonValue } from "../../core/audit/types";
import type { OutboxEvent } from "../../core/notify/messages-for-audit-event";
import type { DueEscalation, NewDelivery, NotificationRecord, NotificationStatus, NotificationStore, OutboxRead } from "../../core/notify/ports";
import { isThrottled } from "../../core/notify/delivery-policy";
import { escalationStep } from "../../core/notify/escalation-step";
import type { NotificationMessage, NotifyChannel } from "../../core/notify/types";
import type { Database } from "./database";
import { json, keyAt } from "./sql-query-builder";
import { runInRawTransaction, sqlOf } from "./transactions";

// Notifications and their deliveries in the notifications table: one row per
// message and channel (per reader for the inbox). The message itself is kept
// whole in `payload`, so a retry sends exactly what was queued.

const COLUMNS = `id::text, channel::text, status::text, payload, dedup_key, attempts, last_error, recipient_id::text, next_attempt_at, sent_at, read_at, created_at, merged_into_id::text`;

interface Row {
  id: string;
  channel: NotifyChannel;
  status: NotificationStatus;
  payload: unknown;
  dedup_key: string | null;
  attempts: number;
  last_error: string | null;
  recipient_id: string | null;
  next_attempt_at: Date | string | null;
  sent_at: Date | string | null;
  read_at: Date | string | null;
  created_at: Date | string;
  merged_into_id: string | null;
}

const date = (v: Date | string | null): Date | null => (v === null ? null : v instanceof Date ? v : new Date(v));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function recordOf(row: Row): NotificationRecord {
  return {
    id: row.id,
    channel: row.channel,
    status: row.status,
    message: json<{ message: NotificationMessage; throttleMs?: number }>(row.payload).message,
    throttleKey: row.dedup_key ?? "",
    attempts: Number(row.attempts),
    lastError: row.last_error,
    recipientId: row.recipient_id,
    nextAttemptAt: date(row.next_attempt_at),
    sentAt: date(row.sent_at),
    readAt: date(row.read_at),
    createdAt: date(row.created_at)!,
    mergedIntoId: row.merged_into_id,
  };
}

export class PostgresNotificationStore implements NotificationStore {
  constructor(private readonly db: Database) {}

  transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return runInRawTransaction(this.db, fn);
  }

  async enqueue(tx: StoreTransaction, delivery: NewDelivery, now: Date): Promise<NotificationRecord> {
    const sql = sqlOf(tx);
    const { channel, message, throttleMs } = delivery;
    let status: NotificationStatus = channel === "INBOX" ? "SENT" : "PENDING";
    if (throttleMs > 0) {
      // Held until the transaction ends: the decision and the insert are one step for every process.
      await sql.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7351))`, [`notify:${channel}:${delivery.recipientId ?? ""}:${message.dedupKey}`]);
      const [last] = await sql.query<{ at: Date | string | null }>(
        `SELECT max(created_at) AS at FROM notifications
          WHERE dedup_key = $1 AND channel = $2::"NotificationChannel" AND status IN ('PENDING', 'SENT')
            AND recipient_id IS NOT DISTINCT FROM $3::uuid AND created_at > $4`,
        [message.dedupKey, channel, delivery.recipientId ?? null, new Date(now.getTime() - throttleMs)],
      );
      if (isThrottled(date(last?.at ?? null), now, throttleMs)) status = "THROTTLED";
    }
    const nextAttemptAt = status === "PENDING" ? new Date(now.getTime() + (delivery.heldForMs ?? 0)) : null;
    const [row] = await sql.query<Row>(
      `INSERT INTO notifications (id, channel, severity, template, title, body, payload, status, dedup_key, recipient_id, operation_id, correlation_id, next_attempt_at, sent_at, created_at)
       VALUES (gen_random_uuid(), $1::"NotificationChannel", $2::"AuditSeverity", $3, $4, $5, $6::jsonb, $7::"NotificationStatus", $8, $9::uuid, $10::uuid, $11, $12, $13, $14)
       RETURNING ${COLUMNS}`,
      [
        channel,
        message.severity,
        message.template,
        message.title.slice(0, 1000),
        message.body.slice(0, 10_000),
        JSON.stringify({ message, throttleMs }),
        status,
        message.dedupKey,
        delivery.recipientId ?? null,
        message.operationId && UUID.test(message.operationId) ? message.operationId : null,
        message.correlationId,
        nextAttemptAt,
        status === "SENT" ? now : null,
        now,
      ],
    );
    return recordOf(row!);
  }

  async claimDue(now: Date, limit: number, leaseMs: number): Promise<NotificationRecord[]> {
    const rows = await this.db.query<Row>(
      `UPDATE notifications n SET next_attempt_at = $2
         FROM (SELECT id FROM notifications
                WHERE status = 'PENDING' AND channel <> 'INBOX' AND next_attempt_at <= $1
                ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
        WHERE n.id = due.id
      RETURNING ${COLUMNS.replace(/(^|, )(\w+)/g, "$1n.$2")}`,
      [now, new Date(now.getTime() + leaseMs), limit],
    );
    return rows.map(recordOf);
  }

  async markSent(id: string, attempts: number, at: Date): Promise<void> {
    await this.db.query(`UPDATE notifications SET status = 'SENT', attempts = $2, sent_at = $3, next_attempt_at = NULL WHERE id = $1 AND status = 'PENDING'`, [id, attempts, at]);
  }

  async markFailed(id: string, attempts: number, error: string, nextAttemptAt: Date | null): Promise<void> {
    await this.db.query(
      `UPDATE notifications SET attempts = $2, last_error = $3, next_attempt_at = $4,
              status = CASE WHEN $4::timestamptz IS NULL THEN 'FAILED'::"NotificationStatus" ELSE 'PENDING'::"NotificationStatus" END
        WHERE id = $1 AND status = 'PENDING'`,
      [id, attempts, error, nextAttemptAt],
    );
  }

  async unmergedRepeats(now: Date, limit: number): Promise<{ channel: NotifyChannel; throttleKey: string; rows: NotificationRecord[] }[]> {
    const rows = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM notifications
        WHERE status = 'THROTTLED' AND merged_into_id IS NULL
          AND created_at <= $1::timestamptz - (COALESCE((payload->>'throttleMs')::bigint, 0) * interval '1 millisecond')
        ORDER BY channel, dedup_key, recipient_id, created_at
        LIMIT 1000`,
      [now],
    );
    const groups = new Map<string, { channel: NotifyChannel; throttleKey: string; rows: NotificationRecord[] }>();
    for (const row of rows.map(recordOf)) {
      const key = `${row.channel}\u0000${row.throttleKey}\u0000${row.recipientId ?? ""}`;
      if (!groups.has(key)) {
        if (groups.size >= limit) break;
        groups.set(key, { channel: row.channel, throttleKey: row.throttleKey, rows: [] });
      }
      groups.get(key)!.rows.push(row);
    }
    return [...groups.values()];
  }

  async markMerged(tx: StoreTransaction, ids: string[], summaryId: string): Promise<number> {
    const rows = await sqlOf(tx).query<{ id: string }>(`UPDATE notifications SET merged_into_id = $2::uuid WHERE id = ANY($1::uuid[]) AND merged_into_id IS NULL RETURNING id`, [ids, summaryId]);
    return rows.length;
  }

  async escalateDue(now: Date, limit: number, afterPlan: boolean, record: (tx: StoreTransaction, due: DueEscalation) => Promise<void>): Promise<DueEscalation[]> {
    return runInRawTransaction(this.db, async (tx) => {
      const sql = sqlOf(tx);
      const rows = await sql.query<{
        id: string;
        operation_id: string;
        reason: string;
        evidence_hash: string;
        created_at: Date | string;
        escalation_level: number;
        escalation_plan: unknown;
        timeout_at: Date | string | null;
        service: string;
        type: string;
        actor: string;
        correlation_id: string;
      }>(
        `SELECT r.id::text, r.operation_id::text, r.reason, r.evidence_hash, r.created_at, r.escalation_level, r.escalation_plan, r.timeout_at,
                s.name AS service, o.type::text AS type, o.actor, o.correlation_id
           FROM reviews r JOIN operations o ON o.id = r.operation_id JOIN services s ON s.id = o.service_id
          WHERE r.status = 'PENDING' AND r.next_escalation_at <= $1
          ORDER BY r.next_escalation_at
          LIMIT $2
          FOR UPDATE OF r SKIP LOCKED`,
        [now, limit],
      );
      const claimed: DueEscalation[] = [];
      for (const row of rows) {
        const plan = json<{ level: number; at: string }[]>(row.escalation_plan);
        const { level, next, finalLevel } = escalationStep(plan, Number(row.escalation_level), date(row.timeout_at), now, afterPlan);
        await sql.query(`UPDATE reviews SET escalation_level = $2, next_escalation_at = $3 WHERE id = $1::uuid`, [row.id, level, next]);
        if (level <= Number(row.escalation_level)) continue; // nothing new is due (the plan changed under us)
        const due: DueEscalation = {
          level,
          finalLevel,
          review: {
            reviewId: row.id,
            operationId: row.operation_id,
            service: row.service,
            type: row.type,
            actor: row.actor,
            correlationId: row.correlation_id,
            reason: row.reason,
            evidenceHash: row.evidence_hash,
            createdAt: date(row.created_at)!,
          },
        };
        await record(tx, due);
        claimed.push(due);
      }
      return claimed;
    });
  }

  async dispatchCursor(name: string): Promise<number> {
    let [row] = await this.db.query<{ last_seq: string }>(`SELECT last_seq::text FROM notification_cursors WHERE name = $1`, [name]);
    if (!row) {
      // A first start begins at the head: history before it is not replayed. Two first starts at once: one row wins, both read it.
      await this.db.query(
        `INSERT INTO notification_cursors (name, last_seq, updated_at) SELECT $1, coalesce(max(e.seq), 0), now() FROM audit_events e ON CONFLICT (name) DO NOTHING`,
        [name],
      );
      [row] = await this.db.query<{ last_seq: string }>(`SELECT last_seq::text FROM notification_cursors WHERE name = $1`, [name]);
    }
    return Number(row!.last_seq);
  }

  /**
   * One statement, so one snapshot: the head and the events below it are read
   * as of the same moment. Appends take the chain's transaction-scoped
   * advisory lock before reading the head and hold it until they commit
   * (audit-store.ts, appendUnderLock), so seq order is commit order and every
   * event at or below a visible head is itself visible (docs/notifications.md).
   */
  async readAuditPast(afterSeq: number, actions: readonly string[], limit: number): Promise<OutboxRead> {
    const rows = await this.db.query<{
      head: string;
      seq: string | null;
      category: string;
      severity: string;
      actor: string;
      service: string | null;
      operation_id: string | null;
      correlation_id: string | null;
      action: string;
      payload: unknown;
      at: string;
    }>(
      `WITH head AS (SELECT coalesce(max(h.seq), 0) AS seq FROM audit_events h)
       SELECT head.seq::text AS head, e.seq::text AS seq, e.category::text AS category, e.severity::text AS severity, e.actor, e.service,
              e.operation_id::text AS operation_id, e.correlation_id, e.action, e.payload,
              ${keyAt("e.at")} AS at
         FROM head LEFT JOIN LATERAL (
           SELECT * FROM audit_events a WHERE a.seq > $1 AND a.seq <= head.seq AND a.action = ANY($2::text[]) ORDER BY a.seq LIMIT $3
         ) e ON true
        ORDER BY e.seq`,
      [afterSeq, [...actions], limit],
    );
    const head = Number(rows[0]?.head ?? 0);
    const events: OutboxEvent[] = rows
      .filter((r) => r.seq !== null)
      .map((r) => ({
        seq: Number(r.seq),
        category: r.category as AuditCategory,
        severity: r.severity as AuditSeverity,
        actor: r.actor,
        service: r.service,
        operationId: r.operation_id,
        correlationId: r.correlation_id,
        action: r.action,
        payload: json<{ [key: string]: JsonValue }>(r.payload),
        at: r.at,
      }));
    const throughSeq = events.length >= limit ? events.at(-1)!.seq : Math.max(head, afterSeq);
    return { events, throughSeq };
  }

  advanceCursor(name: string, fromSeq: number, toSeq: number, record: (tx: StoreTransaction) => Promise<void>): Promise<boolean> {
    return runInRawTransaction(this.db, async (tx) => {
      const sql = sqlOf(tx);
      // Held until commit; a second dispatcher skips the row rather than queueing behind it, and retries later.
      const [row] = await sql.query<{ last_seq: string }>(`SELECT last_seq::text FROM notification_cursors WHERE name = $1 FOR UPDATE SKIP LOCKED`, [name]);
      if (!row || Number(row.last_seq) !== fromSeq) return false;
      await record(tx);
      await sql.query(`UPDATE notification_cursors SET last_seq = $2, updated_at = now() WHERE name = $1`, [name, toSeq]);
      return true;
    });
  }

  async hasPagerDutyTrigger(dedupKey: string): Promise<boolean> {
    const rows = await this.db.query(
      `SELECT 1 FROM notifications WHERE dedup_key = $1 AND channel = 'PAGERDUTY' AND status IN ('PENDING', 'SENT') AND COALESCE(payload->'message'->>'action', 'trigger') = 'trigger' LIMIT 1`,
      [dedupKey],
    );
    return rows.length > 0;
  }

  async inboxRecipients(minRole: "VIEWER" | "OPERATOR" | "APPROVER" | "ADMIN"): Promise<string[]> {
    const roles = ["VIEWER", "OPERATOR", "APPROVER", "ADMIN"];
    const allowed = roles.slice(roles.indexOf(minRole));
    const rows = await this.db.query<{ id: string }>(`SELECT id::text FROM users WHERE disabled_at IS NULL AND role::text = ANY($1::text[]) ORDER BY email`, [allowed]);
    return rows.map((r) => r.id);
  }

  async listInbox(userId: string, options: { unreadOnly: boolean; limit: number; before: Date | null }): Promise<NotificationRecord[]> {
    if (!UUID.test(userId)) return [];
    const rows = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM notifications
        WHERE recipient_id = $1::uuid AND channel = 'INBOX' AND ($2::boolean = false OR read_at IS NULL) AND ($3::timestamptz IS NULL OR created_at < $3)
        ORDER BY created_at DESC LIMIT $4`,
      [userId, options.unreadOnly, options.before, options.limit],
    );
    return rows.map(recordOf);
  }

  async unreadCount(userId: string): Promise<number> {
    if (!UUID.test(userId)) return 0;
    const [row] = await this.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM notifications WHERE recipient_id = $1::uuid AND channel = 'INBOX' AND read_at IS NULL`, [userId]);
    return Number(row?.n ?? 0);
  }

  async markRead(userId: string, id: string, at: Date): Promise<boolean> {
    if (!UUID.test(userId) || !UUID.test(id)) return false;
    const rows = await this.db.query(`UPDATE notifications SET read_at = COALESCE(read_at, $3) WHERE id = $2::uuid AND recipient_id = $1::uuid RETURNING id`, [userId, id, at]);
    return rows.length > 0;
  }

  async listDeliveries(options: { status: NotificationStatus | null; channel: NotifyChannel | null; limit: number; before: Date | null }): Promise<NotificationRecord[]> {
    const rows = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM notifications
        WHERE ($1::text IS NULL OR status::text = $1) AND ($2::text IS NULL OR channel::text = $2) AND ($3::timestamptz IS NULL OR created_at < $3)
          AND channel <> 'INBOX'
        ORDER BY created_at DESC LIMIT $4`,
      [options.status, options.channel, options.before, options.limit],
    );
    return rows.map(recordOf);
  }
}
