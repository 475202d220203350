import "server-only";
import type { StoreTransaction } from "../../core/audit/ports";
import type { ApiTokenRecord, IdentityStore, TokenCredential, UserRecord, UserUpdate } from "../../core/identity/ports";
import type { Database } from "./database";
import { runInRawTransaction, sqlOf } from "./transactions";

// Users and API tokens. Tokens are found by the SHA-256 of the token (unique
// index), never by the token itself, which is not stored.

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: UserRecord["role"];
  password_hash: string | null;
  disabled_at: Date | null;
  created_at: Date;
  session_epoch: number;
  teams: string[] | null;
}

interface TokenRow {
  id: string;
  name: string;
  prefix: string;
  role: ApiTokenRecord["role"];
  created_by_id: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  expires_at: Date | null;
}

const USER_COLUMNS = "id, email, name, role, password_hash, disabled_at, created_at, session_epoch, teams";
const TOKEN_COLUMNS = "id, name, prefix, role, created_by_id, created_at, last_used_at, revoked_at, expires_at";
const TOKEN_COLUMNS_OF_T = TOKEN_COLUMNS.split(", ").map((column) => `t.${column}`).join(", ");
// "users" as a number: the advisory lock every change of users takes first.
const USER_CHANGE_LOCK_KEY = 0x7573657273;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const toDate = (value: Date | string | null): Date | null => (value === null ? null : value instanceof Date ? value : new Date(value));

function userOf(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    passwordHash: row.password_hash,
    disabledAt: toDate(row.disabled_at),
    createdAt: toDate(row.created_at)!,
    sessionEpoch: Number(row.session_epoch),
    teams: row.teams ?? [],
  };
}

function tokenOf(row: TokenRow): ApiTokenRecord {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    role: row.role,
    createdById: row.created_by_id,
    createdAt: toDate(row.created_at)!,
    lastUsedAt: toDate(row.last_used_at),
    revokedAt: toDate(row.revoked_at),
    expiresAt: toDate(row.expires_at),
  };
}

export class PostgresIdentityStore implements IdentityStore {
  constructor(private readonly db: Database) {}

  async findUserByEmail(email: string): Promise<UserRecord | null> {
    const [row] = await this.db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE email = $1`, [email]);
    return row ? userOf(row) : null;
  }

  async findUserById(id: string): Promise<UserRecord | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
    return row ? userOf(row) : null;
  }

  async saveUser(user: { email: string; name: string; role: UserRecord["role"]; passwordHash: string | null }, mode: "insert" | "upsert"): Promise<UserRecord> {
    // Never disabled_at: an upsert does not re-enable anyone (docs/security.md#offboarding-users-sessions-and-tokens).
    const conflict = mode === "upsert" ? "ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name, role = EXCLUDED.role, password_hash = EXCLUDED.password_hash" : "";
    const [row] = await this.db.query<UserRow>(
      `INSERT INTO users (id, email, name, role, password_hash) VALUES (gen_random_uuid(), $1, $2, $3::"Role", $4) ${conflict} RETURNING ${USER_COLUMNS}`,
      [user.email, user.name, user.role, user.passwordHash],
    );
    return userOf(row!);
  }

  async listUsers(): Promise<UserRecord[]> {
    return (await this.db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY email`)).map(userOf);
  }

  async insertToken(token: { name: string; tokenHash: string; prefix: string; role: ApiTokenRecord["role"]; createdById: string | null; expiresAt: Date | null }): Promise<ApiTokenRecord> {
    const [row] = await this.db.query<TokenRow>(
      `INSERT INTO api_tokens (id, name, token_hash, prefix, role, created_by_id, expires_at) VALUES (gen_random_uuid(), $1, $2, $3, $4::"Role", $5, $6) RETURNING ${TOKEN_COLUMNS}`,
      [token.name, token.tokenHash, token.prefix, token.role, token.createdById, token.expiresAt],
    );
    return tokenOf(row!);
  }

  async findTokenByHash(tokenHash: string): Promise<TokenCredential | null> {
    const [row] = await this.db.query<TokenRow & { creator_disabled_at: Date | null }>(
      `SELECT ${TOKEN_COLUMNS_OF_T}, u.disabled_at AS creator_disabled_at
         FROM api_tokens t LEFT JOIN users u ON u.id = t.created_by_id WHERE t.token_hash = $1`,
      [tokenHash],
    );
    return row ? { ...tokenOf(row), creatorDisabledAt: toDate(row.creator_disabled_at) } : null;
  }

  async markTokenUsed(id: string, at: Date, minIntervalMs: number): Promise<void> {
    await this.db.query(`UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)`, [id, at, new Date(at.getTime() - minIntervalMs)]);
  }

  async revokeToken(id: string, at: Date): Promise<ApiTokenRecord | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.db.query<TokenRow>(`UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING ${TOKEN_COLUMNS}`, [id, at]);
    return row ? tokenOf(row) : null;
  }

  async listTokens(): Promise<ApiTokenRecord[]> {
    return (await this.db.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at DESC`)).map(tokenOf);
  }

  async tokenCreatorsNamed(name: string): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(`SELECT DISTINCT created_by_id::text AS id FROM api_tokens WHERE name = $1 AND created_by_id IS NOT NULL`, [name]);
    return rows.map((r) => r.id);
  }

  changeUsers<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return runInRawTransaction(this.db, async (tx) => {
      await sqlOf(tx).query(`SELECT pg_advisory_xact_lock($1::bigint)::text`, [USER_CHANGE_LOCK_KEY]);
      return fn(tx);
    });
  }

  async userForChange(tx: StoreTransaction, key: { id: string } | { email: string }): Promise<UserRecord | null> {
    if ("id" in key && !UUID.test(key.id)) return null;
    const [column, value] = "id" in key ? ["id", key.id] : ["email", key.email];
    const [row] = await sqlOf(tx).query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE ${column} = $1 FOR UPDATE`, [value]);
    return row ? userOf(row) : null;
  }

  async countEnabledAdmins(tx: StoreTransaction): Promise<number> {
    const [row] = await sqlOf(tx).query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE role = 'ADMIN' AND disabled_at IS NULL`);
    return Number(row?.n ?? 0);
  }

  async insertUser(tx: StoreTransaction, user: { email: string; name: string; role: UserRecord["role"]; passwordHash: string | null }): Promise<UserRecord> {
    const [row] = await sqlOf(tx).query<UserRow>(
      `INSERT INTO users (id, email, name, role, password_hash) VALUES (gen_random_uuid(), $1, $2, $3::"Role", $4) RETURNING ${USER_COLUMNS}`,
      [user.email, user.name, user.role, user.passwordHash],
    );
    return userOf(row!);
  }

  async updateUser(tx: StoreTransaction, id: string, update: UserUpdate): Promise<UserRecord> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    const set = (column: string, value: unknown, cast = "") => {
      params.push(value);
      sets.push(`${column} = $${params.length}${cast}`);
    };
    if (update.name !== undefined) set("name", update.name);
    if (update.role !== undefined) set("role", update.role, `::"Role"`);
    if (update.passwordHash !== undefined) set("password_hash", update.passwordHash);
    if (update.disabledAt !== undefined) set("disabled_at", update.disabledAt);
    if (update.teams !== undefined) set("teams", update.teams, "::text[]");
    if (update.raiseSessionEpoch) sets.push("session_epoch = session_epoch + 1");
    if (sets.length === 0) sets.push("id = id");
    const [row] = await sqlOf(tx).query<UserRow>(`UPDATE users SET ${sets.join(", ")} WHERE id = $1 RETURNING ${USER_COLUMNS}`, params);
    if (!row) throw new Error(`user ${id} vanished during its change`);
    return userOf(row);
  }

  async revokeTokensCreatedBy(tx: StoreTransaction, userId: string, at: Date): Promise<ApiTokenRecord[]> {
    const rows = await sqlOf(tx).query<TokenRow>(`UPDATE api_tokens SET revoked_at = $2 WHERE created_by_id = $1 AND revoked_at IS NULL RETURNING ${TOKEN_COLUMNS}`, [userId, at]);
    return rows.map(tokenOf).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
  }
}
