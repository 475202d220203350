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

/** The principal for a session's user id, read fresh so a role change or a disabled account counts at once. */
export async function principalOfUser(deps: { identities: IdentityStore }, userId: string): Promise<Principal | null> {
  const user = await deps.identities.findUserById(userId);
  if (!user || user.disabledAt) return null;
  return { kind: "user", userId: user.id, email: user.email, name: user.name, role: user.role, actor: userActor(user.email) };
}
