import "server-only";
import type { StoreTransaction } from "../../core/audit/ports";
import { AppError } from "../../core/errors";
import type { NewOidcIdentity, OidcIdentityRecord, OidcIdentityStore, OidcUser } from "../../core/identity/oidc-ports";
import type { Role } from "../../core/identity/roles";
import type { Database } from "./database";
import { runInRawTransaction, sqlOf } from "./transactions";

// Identity-provider accounts linked to users (docs/security.md#identity-oidc). The
// unique index on (issuer, subject) is what makes one provider account belong
// to at most one user, however many sign-ins race.

interface IdentityRow {
  id: string;
  user_id: string;
  issuer: string;
  subject: string;
  linked_at: Date | string;
  linked_by: string;
}

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled_at: Date | string | null;
}

const IDENTITY_COLUMNS = "id, user_id, issuer, subject, linked_at, linked_by";
const USER_COLUMNS = "id, email, name, role, disabled_at";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const toDate = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));
const isUniqueViolation = (error: unknown) => typeof error === "object" && error !== null && (error as { code?: unknown }).code === "23505";

function identityOf(row: IdentityRow): OidcIdentityRecord {
  return { id: row.id, userId: row.user_id, issuer: row.issuer, subject: row.subject, linkedAt: toDate(row.linked_at), linkedBy: row.linked_by };
}

function userOf(row: UserRow): OidcUser {
  return { id: row.id, email: row.email, name: row.name, role: row.role, disabledAt: row.disabled_at === null ? null : toDate(row.disabled_at) };
}

export class PostgresOidcIdentityStore implements OidcIdentityStore {
  constructor(private readonly db: Database) {}

  transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return runInRawTransaction(this.db, fn);
  }

  async findIdentity(issuer: string, subject: string): Promise<OidcIdentityRecord | null> {
    const [row] = await this.db.query<IdentityRow>(`SELECT ${IDENTITY_COLUMNS} FROM oidc_identities WHERE issuer = $1 AND subject = $2`, [issuer, subject]);
    return row ? identityOf(row) : null;
  }

  async listIdentities(userId: string): Promise<OidcIdentityRecord[]> {
    if (!UUID.test(userId)) return [];
    return (await this.db.query<IdentityRow>(`SELECT ${IDENTITY_COLUMNS} FROM oidc_identities WHERE user_id = $1::uuid ORDER BY linked_at, id`, [userId])).map(identityOf);
  }

  async insertIdentity(tx: StoreTransaction, identity: NewOidcIdentity): Promise<OidcIdentityRecord> {
    try {
      const [row] = await sqlOf(tx).query<IdentityRow>(
        `INSERT INTO oidc_identities (id, user_id, issuer, subject, linked_at, linked_by) VALUES (gen_random_uuid(), $1::uuid, $2, $3, $4::timestamptz, $5) RETURNING ${IDENTITY_COLUMNS}`,
        [identity.userId, identity.issuer, identity.subject, identity.linkedAt.toISOString(), identity.linkedBy],
      );
      return identityOf(row!);
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError("CONFLICT", "This identity is already linked to a user", { issuer: identity.issuer, subject: identity.subject });
      throw error;
    }
  }

  async deleteIdentity(tx: StoreTransaction, userId: string, identityId: string): Promise<OidcIdentityRecord | null> {
    if (!UUID.test(userId) || !UUID.test(identityId)) return null;
    const [row] = await sqlOf(tx).query<IdentityRow>(`DELETE FROM oidc_identities WHERE id = $1::uuid AND user_id = $2::uuid RETURNING ${IDENTITY_COLUMNS}`, [identityId, userId]);
    return row ? identityOf(row) : null;
  }

  async insertUser(tx: StoreTransaction, user: { email: string; name: string; role: Role }): Promise<OidcUser> {
    try {
      const [row] = await sqlOf(tx).query<UserRow>(`INSERT INTO users (id, email, name, role, password_hash) VALUES (gen_random_uuid(), $1, $2, $3::"Role", NULL) RETURNING ${USER_COLUMNS}`, [
        user.email,
        user.name,
        user.role,
      ]);
      return userOf(row!);
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError("CONFLICT", `A user with email ${user.email} already exists`, { email: user.email });
      throw error;
    }
  }

  async lockUser(tx: StoreTransaction, userId: string): Promise<OidcUser | null> {
    if (!UUID.test(userId)) return null;
    const [row] = await sqlOf(tx).query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1::uuid FOR UPDATE`, [userId]);
    return row ? userOf(row) : null;
  }
}
