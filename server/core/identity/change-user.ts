// An admin disables, enables or re-roles a user (PATCH /api/v1/users/{id},
// the console's Users table). Offboarding must take effect on the person's
// very next request, whichever way they come in, so one transaction:
//   - writes the change and raises the user's session epoch (every session
//     they hold is refused from then on: authenticate.ts, the session callback);
//   - on a disable or a role change, revokes every API token they created (a
//     token is its creator's hands, and keeps working after they leave otherwise);
//   - appends one audit event per change, with before and after, and one per
//     revoked token.
// Nothing is written unless all of it is. Two rules keep the console
// manageable: nobody disables their own account (through a session or a
// token they created), and the last enabled admin is neither disabled nor
// demoted (docs/security.md#offboarding-users-sessions-and-tokens).
import { z } from "zod";
import type { AuditLog } from "../audit/audit-log";
import type { AuditEventInput, AuditRecord } from "../audit/types";
import { AppError } from "../errors";
import { parseInput } from "../parse-input";
import type { ApiTokenRecord, IdentityStore, StoreTransaction, UserRecord } from "./ports";
import { ROLES, type Role } from "./roles";

export const ZChangeUserInput = z
  .strictObject({
    disabled: z.boolean().optional(),
    role: z.enum(ROLES).optional(),
    /** The teams the person belongs to, replacing the ones they had (docs/approvals.md#teams). */
    teams: z.array(z.string().trim().min(1).max(200)).max(100).optional(),
    /** Why: kept in the audit trail beside the change. */
    reason: z.string().trim().min(1, "say why (it is kept in the audit trail)").max(1000),
  })
  .refine((input) => input.disabled !== undefined || input.role !== undefined || input.teams !== undefined, { message: "give disabled, role, teams or several", path: ["disabled"] });
export type ChangeUserInput = z.input<typeof ZChangeUserInput>;

export type UserChangeKind = "disabled" | "enabled" | "role" | "teams";

export interface UserChangeResult {
  user: UserRecord;
  /** What changed, in the order it was applied; empty when the user already was as asked. */
  changes: UserChangeKind[];
  /** The API tokens the change revoked. */
  revokedTokens: ApiTokenRecord[];
}

export type IdentityAudit = Pick<AuditLog, "appendInTransaction" | "committed">;

/** Who asks: the actor recorded, and the person behind it (a token's creator) for the "not yourself" rule. */
export interface ChangedBy {
  actor: string;
  personId: string | null;
}

export async function changeUser(
  deps: { identities: IdentityStore; audit: IdentityAudit; now: Date },
  userId: string,
  input: ChangeUserInput,
  by: ChangedBy,
): Promise<UserChangeResult> {
  const { disabled, role, teams, reason } = parseInput(ZChangeUserInput, input, "user change");
  let records: AuditRecord[] = [];
  const result = await deps.identities.changeUsers(async (tx) => {
    const user = await deps.identities.userForChange(tx, { id: userId });
    if (!user) throw new AppError("NOT_FOUND", `User ${userId} does not exist`, { userId });
    const applied = await applyUserChange(deps.identities, tx, user, { disabled, role, teams }, { ...by, reason, now: deps.now });
    if (applied.events.length > 0) records = await deps.audit.appendInTransaction(tx, applied.events);
    return applied;
  });
  deps.audit.committed(records);
  return { user: result.user, changes: result.changes, revokedTokens: result.revokedTokens };
}

/**
 * The checks and writes of a change, inside the caller's transaction (which
 * holds the user-change lock): `user:create --reset` changes a role through
 * here too. Returns the events for the caller to append in the same transaction.
 */
export async function applyUserChange(
  identities: IdentityStore,
  tx: StoreTransaction,
  user: UserRecord,
  change: { disabled?: boolean; role?: Role; teams?: string[] },
  context: ChangedBy & { reason: string; now: Date },
): Promise<UserChangeResult & { events: AuditEventInput[] }> {
  const steps: { kind: UserChangeKind; action: string; after: { role: Role; disabledAt: Date | null } }[] = [];
  let state = { role: user.role, disabledAt: user.disabledAt };
  if (change.disabled === true && !state.disabledAt) steps.push({ kind: "disabled", action: "user.disabled", after: (state = { ...state, disabledAt: context.now }) });
  if (change.disabled === false && state.disabledAt) steps.push({ kind: "enabled", action: "user.enabled", after: (state = { ...state, disabledAt: null }) });
  if (change.role !== undefined && change.role !== state.role) steps.push({ kind: "role", action: "user.role_changed", after: (state = { ...state, role: change.role }) });
  // Teams change who may count toward an approval, not what a session may do: no sign-out, no revocation.
  const newTeams = change.teams === undefined ? null : [...new Set(change.teams)].sort();
  const teamsChange = newTeams !== null && newTeams.join("\n") !== [...user.teams].sort().join("\n");
  if (steps.length === 0 && !teamsChange) return { user, changes: [], revokedTokens: [], events: [] };
  if (steps.length === 0) {
    const updated = await identities.updateUser(tx, user.id, { teams: newTeams!, raiseSessionEpoch: false });
    return { user: updated, changes: ["teams"], revokedTokens: [], events: [teamsEvent(user, newTeams!, context)] };
  }

  if (steps.some((s) => s.kind === "disabled") && context.personId === user.id) {
    throw new AppError("CONFLICT", `You cannot disable your own account (${user.email}); another admin must`, { userId: user.id });
  }
  const wasAdmin = user.role === "ADMIN" && !user.disabledAt;
  const staysAdmin = state.role === "ADMIN" && !state.disabledAt;
  if (wasAdmin && !staysAdmin && (await identities.countEnabledAdmins(tx)) <= 1) {
    const who = context.personId === user.id ? "You are" : `${user.email} is`;
    throw new AppError(
      "CONFLICT",
      `${who} the last enabled admin: ${state.disabledAt ? "disabling" : "demoting"} ${context.personId === user.id ? "yourself" : "them"} would leave nobody able to manage users, tokens and settings. Make another user an admin first`,
      { userId: user.id, enabledAdmins: 1 },
    );
  }

  const updated = await identities.updateUser(tx, user.id, { role: state.role, disabledAt: state.disabledAt, ...(teamsChange ? { teams: newTeams! } : {}), raiseSessionEpoch: true });
  const revokes = steps.some((s) => s.kind === "disabled" || s.kind === "role");
  const revokedTokens = revokes ? await identities.revokeTokensCreatedBy(tx, user.id, context.now) : [];
  const view = (s: { role: Role; disabledAt: Date | null }) => ({ role: s.role, disabled: s.disabledAt !== null });
  let before = { role: user.role, disabledAt: user.disabledAt };
  const events: AuditEventInput[] = steps.map((step) => {
    const event: AuditEventInput = {
      category: "MANUAL_INTERVENTION",
      severity: "WARNING",
      actor: context.actor,
      action: step.action,
      payload: {
        userId: user.id,
        email: user.email,
        reason: context.reason,
        before: view(before),
        after: view(step.after),
        sessionEpoch: updated.sessionEpoch,
        revokedTokens: revokedTokens.map((t) => t.id),
      },
    };
    before = step.after;
    return event;
  });
  const why = steps.some((s) => s.kind === "disabled") ? "its creator was disabled" : "its creator's role changed";
  for (const token of revokedTokens) {
    events.push({
      category: "MANUAL_INTERVENTION",
      severity: "WARNING",
      actor: context.actor,
      action: "api_token.revoked",
      payload: { tokenId: token.id, name: token.name, role: token.role, prefix: token.prefix, createdById: user.id, reason: `${why}: ${context.reason}` },
    });
  }
  if (teamsChange) events.push(teamsEvent(user, newTeams!, context));
  return { user: updated, changes: [...steps.map((s) => s.kind), ...(teamsChange ? (["teams"] as const) : [])], revokedTokens, events };
}

function teamsEvent(user: UserRecord, teams: string[], context: ChangedBy & { reason: string }): AuditEventInput {
  return {
    category: "MANUAL_INTERVENTION",
    severity: "WARNING",
    actor: context.actor,
    action: "user.teams_changed",
    payload: { userId: user.id, email: user.email, reason: context.reason, before: { teams: [...user.teams] }, after: { teams } },
  };
}
