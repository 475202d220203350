import "server-only";
import { ZPrincipal } from "@/lib/api/identity";
import { ZUpdateMeRequest } from "@/lib/api/slack";
import { AppError } from "../../core/errors";
import { linkSlackAccount } from "../../core/identity/link-slack-account";
import { endpoint } from "../endpoint";
import { AUTH_ERRORS, CONFLICT } from "./responses";

// The signed-in person's own profile: today, the Slack member id a click in
// Slack acts as (docs/slack.md#linking).

export const updateMeEndpoint = endpoint({
  operationId: "updateMe",
  method: "PATCH",
  path: "/api/v1/me",
  summary: "Link or unlink your Slack account",
  description:
    "Sets the Slack member id (U… or W…) that acts as you when you press Approve or Reject in Interlock's Slack messages, or null to unlink. A member id linked to another user is refused (409) without naming them. Audited (user.slack_linked / user.slack_unlinked). People only: an API token has no profile (403).",
  tags: ["identity"],
  access: "VIEWER",
  body: ZUpdateMeRequest,
  responses: { 200: { description: "You, with the Slack id now linked", schema: ZPrincipal }, ...AUTH_ERRORS, ...CONFLICT },
  async handler({ container, principal, body }) {
    const p = principal!;
    if (p.kind !== "user") throw new AppError("FORBIDDEN", `${p.actor} is an API token; only a person links a Slack account (to their own user, in the console's Profile)`, { kind: p.kind });
    const result = await linkSlackAccount({ identities: container.identity.store, slack: container.notifications.slack.store, audit: container.audit.log }, p.userId, body.slackUserId, { actor: p.actor, isAdmin: p.role === "ADMIN" });
    return { status: 200, body: { kind: p.kind, actor: p.actor, name: p.name, role: p.role, email: p.email, slackUserId: result.slackUserId } };
  },
});
