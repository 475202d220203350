import "server-only";
import type { ApiTokenRecord, IdentityStore, UserRecord } from "../../core/identity/ports";
import type { Database } from "./database";

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

const USER_COLUMNS = "id, email, name, role, password_hash, disabled_at, created_at";
const TOKEN_COLUMNS = "id, name, prefix, role, created_by_id, created_at, last_used_at, revoked_at, expires_at";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const toDate = (value: Date | string | null): Date | null => (value === null ? null : value instanceof Date ? value : new Date(value));

function userOf(row: UserRow): UserRecord {
  return { id: row.id, email: row.email, name: row.name, role: row.role, passwordHash: row.password_hash, disabledAt: toDate(row.disabled_at), createdAt: toDate(row.created_at)! };
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
    const conflict = mode === "upsert" ? "ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name, role = EXCLUDED.role, password_hash = EXCLUDED.password_hash, disabled_at = NULL" : "";
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

  async findTokenByHash(tokenHash: string): Promise<ApiTokenRecord | null> {
    const [row] = await this.db.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1`, [tokenHash]);
    return row ? tokenOf(row) : null;
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
}
