import "server-only";
import type { AuditCategory } from "../../core/audit/types";
import type { ChangePosition, ChangeSource } from "../../core/live/change-feed";
import type { Database } from "./database";

/** Where the console's live updates look: the audit chain's head and the newest inbox row (both indexed). */
export class PostgresChangeSource implements ChangeSource {
  constructor(private readonly db: Database) {}

  async position(): Promise<ChangePosition> {
    const [row] = await this.db.query<{ seq: string | null; inbox: Date | string | null }>(
      `SELECT (SELECT max(seq) FROM audit_events)::text AS seq, (SELECT max(created_at) FROM notifications) AS inbox`,
    );
    return { auditSeq: Number(row?.seq ?? 0), inboxAt: row?.inbox ? new Date(row.inbox).getTime() : 0 };
  }

  async categoriesAfter(seq: number): Promise<AuditCategory[]> {
    const rows = await this.db.query<{ category: AuditCategory }>(`SELECT DISTINCT category::text AS category FROM (SELECT category FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT 5000) recent`, [seq]);
    return rows.map((r) => r.category);
  }
}
