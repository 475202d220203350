import "server-only";
import type { KeyObject } from "node:crypto";
import type { AuditLog } from "../../server/core/audit/audit-log";
import type { AuditStore, CheckpointSink } from "../../server/core/audit/ports";
import { verifyAndRecord } from "../../server/core/audit/verify-and-record";
import type { AuditDrill, AuditTampering } from "../pipeline/demo-environment";
import type { Database } from "../../server/adapters/postgres/database";

/**
 * Failure matrix row 14: edits one stored audit event the way someone with
 * write access to the table could ("change actor from 'system' to 'alice'"),
 * then puts it back. The verification is the real one, and records its verdict.
 */
export class PostgresAuditDrill implements AuditDrill {
  constructor(private readonly parts: { db: Database; store: AuditStore; sink: CheckpointSink; publicKey: KeyObject; log: AuditLog }) {}

  async tamper(): Promise<AuditTampering> {
    const { db } = this.parts;
    await this.parts.log.settle();
    // The newest event written by "system", else the newest event: the edit a cover-up would make.
    const rows = await db.query<{ seq: string; actor: string }>(
      `(SELECT seq::text AS seq, actor FROM audit_events WHERE actor = 'system' ORDER BY seq DESC LIMIT 1)
       UNION ALL (SELECT seq::text AS seq, actor FROM audit_events ORDER BY seq DESC LIMIT 1) LIMIT 1`,
    );
    const row = rows[0];
    if (!row) throw new Error("The audit log is empty: there is nothing to tamper with");
    const to = row.actor === "alice" ? "mallory" : "alice";
    await db.query(`UPDATE audit_events SET actor = $2 WHERE seq = $1::bigint`, [row.seq, to]);
    return {
      seq: row.seq,
      field: "actor",
      from: row.actor,
      to,
      restore: async () => void (await db.query(`UPDATE audit_events SET actor = $2 WHERE seq = $1::bigint AND actor = $3`, [row.seq, row.actor, to])),
    };
  }

  async verify(actor: string) {
    await this.parts.log.settle();
    const result = await verifyAndRecord({ ...this.parts, actor });
    return { valid: result.valid, checked: result.checked, firstBadSeq: result.firstBadSeq === null ? null : String(result.firstBadSeq), kind: result.kind };
  }
}
