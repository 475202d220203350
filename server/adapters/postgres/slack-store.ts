import "server-only";
import type { StoreTransaction } from "../../core/audit/ports";
import type { SlackLinkedUser, SlackStore } from "../../core/slack/ports";
import type { Database } from "./database";
import { sqlOf } from "./transactions";

// Slack member ids on users (users.slack_user_id, unique) and the replay guard
// of Slack's signed requests (slack_request_nonces): docs/slack.md.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class PostgresSlackStore implements SlackStore {
  constructor(private readonly db: Database) {}

  async userForSlackId(slackUserId: string): Promise<SlackLinkedUser | null> {
    const [row] = await this.db.query<{ id: string; email: string; role: SlackLinkedUser["role"]; disabled_at: Date | string | null }>(
      `SELECT id::text AS id, email, role::text AS role, disabled_at FROM users WHERE slack_user_id = $1`,
      [slackUserId],
    );
    if (!row) return null;
    return { id: row.id, email: row.email, role: row.role, disabledAt: row.disabled_at === null ? null : new Date(row.disabled_at) };
  }

  async slackIdOf(userId: string): Promise<string | null> {
    if (!UUID.test(userId)) return null;
    const [row] = await this.db.query<{ slack_user_id: string | null }>(`SELECT slack_user_id FROM users WHERE id = $1`, [userId]);
    return row?.slack_user_id ?? null;
  }

  async slackIds(): Promise<Map<string, string>> {
    const rows = await this.db.query<{ id: string; slack_user_id: string }>(`SELECT id::text AS id, slack_user_id FROM users WHERE slack_user_id IS NOT NULL`);
    return new Map(rows.map((r) => [r.id, r.slack_user_id]));
  }

  async userIdWithSlackIdIn(tx: StoreTransaction, slackUserId: string): Promise<string | null> {
    const [row] = await sqlOf(tx).query<{ id: string }>(`SELECT id::text AS id FROM users WHERE slack_user_id = $1`, [slackUserId]);
    return row?.id ?? null;
  }

  async slackIdOfIn(tx: StoreTransaction, userId: string): Promise<string | null> {
    const [row] = await sqlOf(tx).query<{ slack_user_id: string | null }>(`SELECT slack_user_id FROM users WHERE id = $1`, [userId]);
    return row?.slack_user_id ?? null;
  }

  async setSlackUserId(tx: StoreTransaction, userId: string, slackUserId: string | null): Promise<void> {
    await sqlOf(tx).query(`UPDATE users SET slack_user_id = $2 WHERE id = $1`, [userId, slackUserId]);
  }

  async claimRequest(signatureHash: string, receivedAt: Date, forgetBefore: Date): Promise<boolean> {
    // One statement each: the insert is the claim (the primary key refuses a second one anywhere); the delete keeps the table to the window.
    await this.db.query(`DELETE FROM slack_request_nonces WHERE received_at < $1`, [forgetBefore]);
    const rows = await this.db.query<{ signature_hash: string }>(
      `INSERT INTO slack_request_nonces (signature_hash, received_at) VALUES ($1, $2) ON CONFLICT (signature_hash) DO NOTHING RETURNING signature_hash`,
      [signatureHash, receivedAt],
    );
    return rows.length === 1;
  }
}
