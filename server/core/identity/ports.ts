import type { StoreTransaction } from "../audit/ports";
import type { Role } from "./roles";

export type { StoreTransaction };

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  role: Role;
  passwordHash: string | null;
  disabledAt: Date | null;
  createdAt: Date;
  /** Raised by every disable, enable and role change; a session signed in at another epoch is refused. */
  sessionEpoch: number;
  /** The teams the person belongs to (the topology's `team` names), for approval policies (docs/approvals.md#teams). */
  teams: string[];
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

/** A token as a request presents it: with whether the person who created it is disabled now. */
export interface TokenCredential extends ApiTokenRecord {
  creatorDisabledAt: Date | null;
}

/** What a change of a user writes; absent fields stay as they are. */
export interface UserUpdate {
  name?: string;
  role?: Role;
  passwordHash?: string | null;
  disabledAt?: Date | null;
  teams?: string[];
  /** Raise the session epoch: every session of the user is signed out. */
  raiseSessionEpoch: boolean;
}

export interface IdentityStore {
  findUserByEmail(email: string): Promise<UserRecord | null>;
  findUserById(id: string): Promise<UserRecord | null>;
  /**
   * Inserts the user, or (upsert) replaces name, role and password of the one
   * with this email. A disabled user stays disabled: enabling is a change of its
   * own (changeUser), never a side effect.
   */
  saveUser(user: { email: string; name: string; role: Role; passwordHash: string | null }, mode: "insert" | "upsert"): Promise<UserRecord>;
  listUsers(): Promise<UserRecord[]>;
  insertToken(token: { name: string; tokenHash: string; prefix: string; role: Role; createdById: string | null; expiresAt: Date | null }): Promise<ApiTokenRecord>;
  findTokenByHash(tokenHash: string): Promise<TokenCredential | null>;
  /** Records use, at most once per `minIntervalMs` per token (a write per request would cost more than it tells). */
  markTokenUsed(id: string, at: Date, minIntervalMs: number): Promise<void>;
  /** Sets revoked_at if not yet revoked; null when no such token. */
  revokeToken(id: string, at: Date): Promise<ApiTokenRecord | null>;
  listTokens(): Promise<ApiTokenRecord[]>;
  /** The users who created a token of this name, whether it is live, expired or revoked. */
  tokenCreatorsNamed(name: string): Promise<string[]>;

  /**
   * Runs `fn` in one transaction, after every other change of users has
   * committed or rolled back (changes of users are serialised, so two admins
   * demoting each other cannot both pass the last-admin check).
   */
  changeUsers<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  userForChange(tx: StoreTransaction, key: { id: string } | { email: string }): Promise<UserRecord | null>;
  countEnabledAdmins(tx: StoreTransaction): Promise<number>;
  insertUser(tx: StoreTransaction, user: { email: string; name: string; role: Role; passwordHash: string | null }): Promise<UserRecord>;
  updateUser(tx: StoreTransaction, id: string, update: UserUpdate): Promise<UserRecord>;
  /** Revokes every live token the user created; returns the tokens it revoked. */
  revokeTokensCreatedBy(tx: StoreTransaction, userId: string, at: Date): Promise<ApiTokenRecord[]>;
}

/** Password hashing lives in an adapter (a maintained library), never in the core. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** With a null hash: takes as long as a real check and answers false. */
  verify(password: string, hash: string | null): Promise<boolean>;
}
