// A person links their Slack member id to their Interlock user (PATCH
// /api/v1/me, the console's Profile page), or an admin does it for them
// (PATCH /api/v1/users/{id}); a click on a review's button in Slack then acts
// as that user (docs/slack.md#linking). One Slack member is at most one user.
// The change and its audit event commit together, serialised with every other
// change of users, so two people cannot take the same id at once.
import { z } from "zod";
import type { AuditRecord } from "../audit/types";
import { AppError } from "../errors";
import type { SlackStore } from "../slack/ports";
import type { IdentityAudit } from "./change-user";
import type { IdentityStore } from "./ports";

/** A Slack member id: U… or W… (Enterprise Grid), upper-case letters and digits. */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,20}$/;

export const ZSlackUserId = z
  .string()
  .trim()
  .regex(SLACK_USER_ID, "must be a Slack member id: U or W followed by 2–20 upper-case letters and digits (Slack: your profile → ⋮ → Copy member ID)")
  .nullable();

export interface SlackLinkResult {
  userId: string;
  slackUserId: string | null;
  /** False when the user already had this id (nothing written). */
  changed: boolean;
}

export async function linkSlackAccount(
  deps: { identities: IdentityStore; slack: SlackStore; audit: IdentityAudit },
  userId: string,
  input: unknown,
  by: { actor: string; isAdmin: boolean; reason?: string },
): Promise<SlackLinkResult> {
  const parsed = ZSlackUserId.safeParse(input);
  if (!parsed.success) {
    throw new AppError("VALIDATION_FAILED", `Invalid slackUserId: ${parsed.error.issues[0]?.message ?? "not a Slack member id"}`, { problems: parsed.error.issues.map((i) => `slackUserId: ${i.message}`) });
  }
  const slackUserId = parsed.data;
  let records: AuditRecord[] = [];
  const result = await deps.identities.changeUsers(async (tx) => {
    const user = await deps.identities.userForChange(tx, { id: userId });
    if (!user) throw new AppError("NOT_FOUND", `User ${userId} does not exist`, { userId });
    const holder = slackUserId === null ? null : await deps.slack.userIdWithSlackIdIn(tx, slackUserId);
    const previous = holder === user.id ? slackUserId : await deps.slack.slackIdOfIn(tx, user.id);
    if (previous === slackUserId) return { userId: user.id, slackUserId, changed: false };
    if (holder !== null && holder !== user.id) {
      // Another user's email is for admins only.
      const other = by.isAdmin ? (await deps.identities.userForChange(tx, { id: holder }))?.email ?? holder : null;
      throw new AppError("CONFLICT", `Slack member ${slackUserId} is already linked to ${other ?? "another Interlock user"}; ${by.isAdmin ? "unlink it there first" : "ask an admin if it is yours"}`, {
        slackUserId,
        ...(by.isAdmin ? { linkedTo: holder } : {}),
      });
    }
    await deps.slack.setSlackUserId(tx, user.id, slackUserId);
    records = await deps.audit.appendInTransaction(tx, [
      {
        category: "MANUAL_INTERVENTION",
        severity: "INFO",
        actor: by.actor,
        action: slackUserId === null ? "user.slack_unlinked" : "user.slack_linked",
        payload: { userId: user.id, email: user.email, before: previous, after: slackUserId, ...(by.reason ? { reason: by.reason } : {}) },
      },
    ]);
    return { userId: user.id, slackUserId, changed: true };
  });
  deps.audit.committed(records);
  return result;
}

