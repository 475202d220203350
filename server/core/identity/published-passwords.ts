import type { IdentityStore, PasswordHasher } from "./ports";
import { DEMO_USERS } from "./seed-demo-users";

/**
 * The enabled accounts that still sign in with a password published in the
 * README (the demo users'). On a real deployment (DATABASE_URL) the server
 * refuses to start while any is left: demo users created once, by an earlier
 * start with INTERLOCK_DEMO_USERS, outlive the flag
 * (docs/security.md#defaults-that-keep-a-fresh-install-safe). A changed password or a
 * disabled account clears it.
 */
export async function accountsWithPublishedPasswords(deps: { identities: IdentityStore; hasher: PasswordHasher }): Promise<string[]> {
  const found: string[] = [];
  for (const demo of DEMO_USERS) {
    const user = await deps.identities.findUserByEmail(demo.email);
    if (!user || user.disabledAt || !user.passwordHash) continue;
    if (await deps.hasher.verify(demo.password, user.passwordHash)) found.push(user.email);
  }
  return found;
}
