import "server-only";
import { createHash } from "node:crypto";
import type { SignInThrottleStore, ThrottleCounter } from "../../core/identity/sign-in-throttle";
import type { Database } from "./database";

// Sign-in throttle counters in the store's own table (sign_in_throttle), for
// deployments without Redis. Each operation is one statement on one row:
// INSERT … ON CONFLICT DO UPDATE and a conditional UPDATE take the row's lock,
// so replicas sharing the database count every attempt once and exactly one of
// them sets a block. Keys are stored as their SHA-256: the table never holds
// what was typed into the email field (docs/security.md#sign-in-abuse).

interface CounterRow {
  attempts: number;
  strikes: number;
  blocked_until: Date | string | null;
}

export const digestThrottleKey = (key: string) => createHash("sha256").update(key).digest("hex");

export class PostgresSignInThrottleStore implements SignInThrottleStore {
  readonly backend = "postgres" as const;

  constructor(private readonly db: Database) {}

  async hit(key: string, nowMs: number, windowMs: number): Promise<ThrottleCounter> {
    const now = new Date(nowMs);
    const [row] = await this.db.query<CounterRow>(
      `INSERT INTO sign_in_throttle AS t (key, attempts, strikes, blocked_until, expires_at)
       VALUES ($1, 1, 0, NULL, $3)
       ON CONFLICT (key) DO UPDATE SET
         attempts = CASE WHEN t.expires_at <= $2 THEN 1 WHEN t.blocked_until > $2 THEN t.attempts ELSE t.attempts + 1 END,
         strikes = CASE WHEN t.expires_at <= $2 THEN 0 ELSE t.strikes END,
         blocked_until = CASE WHEN t.expires_at <= $2 THEN NULL ELSE t.blocked_until END,
         expires_at = CASE WHEN t.expires_at <= $2 THEN excluded.expires_at ELSE t.expires_at END
       RETURNING attempts, strikes, blocked_until`,
      [digestThrottleKey(key), now, new Date(nowMs + windowMs)],
    );
    return { attempts: Number(row!.attempts), strikes: Number(row!.strikes), blockedUntilMs: row!.blocked_until === null ? null : new Date(row!.blocked_until).getTime() };
  }

  async block(key: string, nowMs: number, block: { untilMs: number; attemptsAfter: number; keepUntilMs: number }): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE sign_in_throttle
          SET blocked_until = $3, strikes = strikes + 1, attempts = $4, expires_at = greatest(expires_at, $5)
        WHERE key = $1 AND (blocked_until IS NULL OR blocked_until <= $2)
        RETURNING 1 AS set`,
      [digestThrottleKey(key), new Date(nowMs), new Date(block.untilMs), block.attemptsAfter, new Date(block.keepUntilMs)],
    );
    return rows.length === 1;
  }

  async clear(key: string): Promise<void> {
    await this.db.query(`DELETE FROM sign_in_throttle WHERE key = $1`, [digestThrottleKey(key)]);
  }

  async purgeExpired(nowMs: number): Promise<number> {
    const rows = await this.db.query(`DELETE FROM sign_in_throttle WHERE expires_at <= $1 RETURNING 1 AS gone`, [new Date(nowMs)]);
    return rows.length;
  }

  async close(): Promise<void> {
    // The database is the container's, closed by it.
  }
}
