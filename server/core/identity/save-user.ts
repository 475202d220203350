import { z } from "zod";
import type { AuditEventInput, AuditRecord } from "../audit/types";
import { AppError } from "../errors";
import { applyUserChange, type IdentityAudit } from "./change-user";
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

/**
 * Creates a user (or with `upsert`, resets one's name, role and password): the
 * console's admin page and `npm run user:create`. A reset never re-enables a
 * disabled user: it is refused, because whoever disabled them did so for a
 * reason that a password reset knows nothing about. A reset that changes the
 * role is a role change like any other (sessions signed out, the user's
 * tokens revoked, the last admin kept); a new password signs out the user's
 * sessions too. Everything, audit events included, commits in one transaction.
 */
export async function saveUser(
  deps: { identities: IdentityStore; hasher: PasswordHasher; audit: IdentityAudit; now: Date },
  input: SaveUserInput,
  options: { actor: string; mode: "insert" | "upsert" },
): Promise<UserRecord> {
  const { email, name, role, password } = parseInput(ZSaveUserInput, input, "user");
  const normalized = userActor(email);
  const passwordHash = password ? await deps.hasher.hash(password) : null;
  const saved = (user: UserRecord, extra: AuditEventInput["payload"] = {}): AuditEventInput => ({
    category: "MANUAL_INTERVENTION",
    severity: "WARNING",
    actor: options.actor,
    action: "user.saved",
    payload: { userId: user.id, email: user.email, role: user.role, password: password ? "set" : "none", ...extra },
  });
  let records: AuditRecord[] = [];
  const user = await deps.identities.changeUsers(async (tx) => {
    const existing = await deps.identities.userForChange(tx, { email: normalized });
    if (!existing) {
      const created = await deps.identities.insertUser(tx, { email: normalized, name, role, passwordHash });
      records = await deps.audit.appendInTransaction(tx, [saved(created)]);
      return created;
    }
    if (options.mode === "insert") throw new AppError("CONFLICT", `A user with email ${email} already exists`, { email });
    if (existing.disabledAt) {
      throw new AppError(
        "CONFLICT",
        `User ${existing.email} is disabled (since ${existing.disabledAt.toISOString()}); a reset does not enable anyone. ` +
          `An admin enables them first, in the console (Settings → Users) or with PATCH /api/v1/users/${existing.id} {"disabled": false, "reason": "…"}`,
        { userId: existing.id, email: existing.email, disabledAt: existing.disabledAt.toISOString() },
      );
    }
    const roleChange = await applyUserChange(deps.identities, tx, existing, { role }, { actor: options.actor, personId: null, reason: "reset: name, role and password saved again", now: deps.now });
    const updated = await deps.identities.updateUser(tx, existing.id, { name, passwordHash, raiseSessionEpoch: passwordHash !== null && roleChange.changes.length === 0 });
    records = await deps.audit.appendInTransaction(tx, [saved(updated, { reset: true, sessionEpoch: updated.sessionEpoch }), ...roleChange.events]);
    return updated;
  });
  deps.audit.committed(records);
  return user;
}
