import type { Role } from "./roles";

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  role: Role;
  passwordHash: string | null;
  disabledAt: Date | null;
  createdAt: Date;
}

export interface ApiTokenRecord {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  createdById: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date | null;
}

export interface IdentityStore {
  findUserByEmail(email: string): Promise<UserRecord | null>;
  findUserById(id: string): Promise<UserRecord | null>;
  /** Inserts the user, or (upsert) replaces name, role and password of the one with this email. */
  saveUser(user: { email: string; name: string; role: Role; passwordHash: string | null }, mode: "insert" | "upsert"): Promise<UserRecord>;
  listUsers(): Promise<UserRecord[]>;
  insertToken(token: { name: string; tokenHash: string; prefix: string; role: Role; createdById: string | null; expiresAt: Date | null }): Promise<ApiTokenRecord>;
  findTokenByHash(tokenHash: string): Promise<ApiTokenRecord | null>;
  /** Records use, at most once per `minIntervalMs` per token (a write per request would cost more than it tells). */
  markTokenUsed(id: string, at: Date, minIntervalMs: number): Promise<void>;
  /** Sets revoked_at if not yet revoked; null when no such token. */
  revokeToken(id: string, at: Date): Promise<ApiTokenRecord | null>;
  listTokens(): Promise<ApiTokenRecord[]>;
}

/** Password hashing lives in an adapter (a maintained library), never in the core. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** With a null hash: takes as long as a real check and answers false. */
  verify(password: string, hash: string | null): Promise<boolean>;
}
