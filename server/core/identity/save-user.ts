import { z } from "zod";
import type { AuditEventInput } from "../audit/types";
import { AppError } from "../errors";
import type { IdentityStore, PasswordHasher, UserRecord } from "./ports";
import { userActor } from "./principal";
import { ROLES } from "./roles";
import { parseInput } from "../parse-input";

export const ZSaveUserInput = z.strictObject({
  email: z.email().max(320),
  name: z.string().trim().min(1).max(200),
  role: z.enum(ROLES),
  /** Absent for people who sign in only through OIDC. */
  password: z.string().min(12, "must be at least 12 characters").max(1024).optional(),
});
export type SaveUserInput = z.input<typeof ZSaveUserInput>;

/** Creates a user (or with `upsert`, resets one's name, role and password): the console's admin page and `npm run user:create`. */
export async function saveUser(
  deps: { identities: IdentityStore; hasher: PasswordHasher; audit: { append(input: AuditEventInput): Promise<unknown> } },
  input: SaveUserInput,
  options: { actor: string; mode: "insert" | "upsert" },
): Promise<UserRecord> {
  const { email, name, role, password } = parseInput(ZSaveUserInput, input, "user");
  if (options.mode === "insert" && (await deps.identities.findUserByEmail(userActor(email)))) {
    throw new AppError("CONFLICT", `A user with email ${email} already exists`, { email });
  }
  const passwordHash = password ? await deps.hasher.hash(password) : null;
  const user = await deps.identities.saveUser({ email: userActor(email), name, role, passwordHash }, options.mode);
  await deps.audit.append({ category: "MANUAL_INTERVENTION", severity: "WARNING", actor: options.actor, action: "user.saved", payload: { userId: user.id, email: user.email, role, password: password ? "set" : "none" } });
  return user;
}
