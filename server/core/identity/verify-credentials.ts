import type { IdentityStore, PasswordHasher } from "./ports";
import { userActor, type Principal } from "./principal";

/** The signed-in person for an email and password, or null: the caller says only "invalid credentials". */
export async function verifyCredentials(deps: { identities: IdentityStore; hasher: PasswordHasher }, email: string, password: string): Promise<Principal | null> {
  if (typeof email !== "string" || typeof password !== "string" || email.length > 320 || password.length > 1024) return null;
  const user = await deps.identities.findUserByEmail(userActor(email));
  // Verified even when the user is unknown (against no hash), so "no such user" and "wrong password" take the same time.
  const ok = await deps.hasher.verify(password, user?.passwordHash ?? null);
  if (!user || !ok || !user.passwordHash || user.disabledAt) return null;
  return { kind: "user", userId: user.id, email: user.email, name: user.name, role: user.role, actor: userActor(user.email) };
}

/** What a session cookie claims, as next-auth decoded it: the user id and the session epoch it was signed in at. */
export interface SessionClaims {
  uid?: unknown;
  epoch?: unknown;
  [claim: string]: unknown;
}

export type SessionCheck = { ok: true; principal: Principal & { kind: "user" } } | { ok: false; reason: "invalid" | "unknown-user" | "disabled" | "account-changed"; message: string };

/**
 * The principal for a session, read fresh so a role change counts at once; a
 * session signed in before the account was last disabled, enabled or given
 * another role (its epoch is not the user's) is signed out
 * (docs/security.md#offboarding-users-sessions-and-tokens). The API
 * (server/http/authenticate.ts) and the console's session callback both ask here.
 */
export async function principalOfSession(deps: { identities: IdentityStore }, claims: SessionClaims): Promise<SessionCheck> {
  const uid = typeof claims.uid === "string" ? claims.uid : null;
  if (!uid) return { ok: false, reason: "invalid", message: "The session is not valid (expired, or signed with another secret): sign in again" };
  const user = await deps.identities.findUserById(uid);
  if (!user) return { ok: false, reason: "unknown-user", message: "The signed-in user no longer exists" };
  if (user.disabledAt) return { ok: false, reason: "disabled", message: "Signed out because the account was disabled" };
  if (claims.epoch !== user.sessionEpoch) {
    return { ok: false, reason: "account-changed", message: "Signed out because the account was changed (disabled, enabled or given another role) since this session began: sign in again" };
  }
  return { ok: true, principal: { kind: "user", userId: user.id, email: user.email, name: user.name, role: user.role, actor: userActor(user.email) } };
}
