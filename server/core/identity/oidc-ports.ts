// What OIDC sign-in and identity linking need from the store
// (docs/security.md#identity-oidc). Writes happen in the caller's transaction, with
// their audit events.
import type { StoreTransaction } from "../audit/ports";
import type { UserRecord } from "./ports";
import type { Role } from "./roles";

/** An identity provider's account (issuer + subject) linked to one user. */
export interface OidcIdentityRecord {
  id: string;
  userId: string;
  issuer: string;
  subject: string;
  linkedAt: Date;
  /** Who linked it: an admin's actor, or `oidc-provisioning` for an account the allow-list created. */
  linkedBy: string;
}

/** The user fields OIDC sign-in and linking read. */
export type OidcUser = Pick<UserRecord, "id" | "email" | "name" | "role" | "disabledAt">;

export interface NewOidcIdentity {
  userId: string;
  issuer: string;
  subject: string;
  linkedAt: Date;
  linkedBy: string;
}

export interface OidcIdentityStore {
  transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  findIdentity(issuer: string, subject: string): Promise<OidcIdentityRecord | null>;
  listIdentities(userId: string): Promise<OidcIdentityRecord[]>;
  /** CONFLICT when (issuer, subject) is already linked (to this user or another). */
  insertIdentity(tx: StoreTransaction, identity: NewOidcIdentity): Promise<OidcIdentityRecord>;
  /** Deletes the link if it belongs to this user; null when there is no such link. */
  deleteIdentity(tx: StoreTransaction, userId: string, identityId: string): Promise<OidcIdentityRecord | null>;
  /** A user without a password (they sign in only through OIDC); CONFLICT when the email is taken. */
  insertUser(tx: StoreTransaction, user: { email: string; name: string; role: Role }): Promise<OidcUser>;
  /** Locks and reads one user for the rest of the transaction. */
  lockUser(tx: StoreTransaction, userId: string): Promise<OidcUser | null>;
}
