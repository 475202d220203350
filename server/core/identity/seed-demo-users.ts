import type { IdentityStore, PasswordHasher } from "./ports";
import type { Role } from "./roles";

/**
 * The demo users of the embedded store, one per role. Their passwords are
 * published in the README, which is why a store on DATABASE_URL refuses them
 * unless INTERLOCK_INSECURE_DEMO_USERS says otherwise (server/env.ts).
 */
export const DEMO_USERS: readonly { email: string; name: string; role: Role; password: string }[] = [
  { email: "viewer@interlock.local", name: "Vera Viewer", role: "VIEWER", password: "interlock-viewer" },
  { email: "operator@interlock.local", name: "Omar Operator", role: "OPERATOR", password: "interlock-operator" },
  { email: "approver@interlock.local", name: "Ada Approver", role: "APPROVER", password: "interlock-approver" },
  { email: "admin@interlock.local", name: "Alex Admin", role: "ADMIN", password: "interlock-admin" },
];

/** Creates the demo users that do not exist yet; never changes an existing user. Returns the emails created. */
export async function seedDemoUsers(deps: { identities: IdentityStore; hasher: PasswordHasher }): Promise<string[]> {
  const created: string[] = [];
  for (const user of DEMO_USERS) {
    if (await deps.identities.findUserByEmail(user.email)) continue;
    await deps.identities.saveUser({ email: user.email, name: user.name, role: user.role, passwordHash: await deps.hasher.hash(user.password) }, "insert");
    created.push(user.email);
  }
  return created;
}
