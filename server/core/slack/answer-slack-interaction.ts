import type { AuditEventInput } from "../audit/types";
import { AppError, isAppError } from "../errors";
import { userActor } from "../identity/principal";
import { hasRole } from "../identity/roles";
import type { ReviewDecision, ReviewDecisionInput } from "../operations/decide-review";
import type { SlackStore } from "./ports";
import {
  decidedMessage,
  decodeReviewButtonValue,
  ephemeralReply,
  isAllowedResponseUrl,
  NOT_LINKED_TEXT,
  parseSlackInteraction,
  SLACK_REVIEW_ACTIONS,
  type SlackInteraction,
  type SlackResponseMessage,
} from "./slack-interaction";
import { SLACK_TIMESTAMP_TOLERANCE_SECONDS, verifySlackRequest } from "./verify-slack-request";

// A click on Approve or Reject in a review's Slack message (docs/slack.md).
// In this order, and nothing changes unless every step passes:
//   1. the timestamp is within five minutes and the signature is Slack's (401);
//   2. the signature was not seen before, in any replica (409: a replay);
//   3. the payload is a block_actions interaction (400) whose response_url is
//      on an allowed origin (400; nothing is ever sent to another URL);
//   4. the Slack member is linked to an enabled Interlock user (else an
//      ephemeral "not linked" reply) with the approver role, like the
//      console's approve and reject endpoints;
//   5. decideReview, as the console calls it, with that user's actor and the
//      evidence hash the message showed: four-eyes, approval policies and
//      fresh evidence are its rules, not this file's.
// The outcome replaces the message (replace_original); a refusal is an
// ephemeral reply and is audited (ACCESS, slack.interaction_refused).

export interface SlackInteractionDeps {
  signingSecret: string;
  /** Origins a response_url may have (https://hooks.slack.com unless configured). */
  responseUrlOrigins: readonly string[];
  now(): Date;
  slack: SlackStore;
  decide(input: ReviewDecisionInput): Promise<ReviewDecision>;
  audit: { append(event: AuditEventInput): Promise<unknown> };
  /** POSTs the message to the response_url; throws when Slack does not take it. */
  respond(url: string, message: SlackResponseMessage): Promise<void>;
  onRespondError(error: unknown): void;
}

export interface SlackInteractionAnswer {
  /** What the HTTP answer carries (Slack reads only the status for block_actions; the body repeats what was sent to the response_url). */
  body: SlackResponseMessage | Record<string, never>;
  outcome: "decided" | "refused" | "ignored";
}

/** The approval policy's count, when decideReview reports one (docs/approvals.md). */
interface QuorumLike {
  met: boolean;
  summary: string;
}

function quorumOf(result: ReviewDecision): QuorumLike | null {
  const quorum = (result as { quorum?: unknown }).quorum;
  if (quorum && typeof quorum === "object" && typeof (quorum as QuorumLike).summary === "string" && typeof (quorum as QuorumLike).met === "boolean") {
    return { met: (quorum as QuorumLike).met, summary: (quorum as QuorumLike).summary };
  }
  return null;
}

export async function answerSlackInteraction(deps: SlackInteractionDeps, request: { timestamp: string | null; signature: string | null; body: Uint8Array }): Promise<SlackInteractionAnswer> {
  const now = deps.now();
  const verified = verifySlackRequest({ secret: deps.signingSecret, timestamp: request.timestamp, signature: request.signature, body: request.body, now });
  const forgetBefore = new Date(now.getTime() - 2 * SLACK_TIMESTAMP_TOLERANCE_SECONDS * 1000);
  if (!(await deps.slack.claimRequest(verified.signatureHash, now, forgetBefore))) {
    throw new AppError("CONFLICT", "This request was already received: Slack sends each interaction once, so a second copy is refused as a replay and changes nothing", { problem: "replay" });
  }
  const interaction = parseSlackInteraction(new TextDecoder("utf-8").decode(request.body));
  if (interaction.responseUrl !== null && !isAllowedResponseUrl(interaction.responseUrl, deps.responseUrlOrigins)) {
    await refusedAudit(deps, interaction, null, "response_url_not_allowed", `response_url origin is not one of ${deps.responseUrlOrigins.join(", ")}`);
    throw new AppError("MALFORMED_REQUEST", "The payload's response_url is not on an allowed origin (SLACK_RESPONSE_URL_ORIGINS); nothing was changed and nothing was sent to it", { problem: "response_url_not_allowed" });
  }
  const decision = interaction.actionId === SLACK_REVIEW_ACTIONS.APPROVE ? "APPROVE" : interaction.actionId === SLACK_REVIEW_ACTIONS.REJECT ? "REJECT" : null;
  // Link buttons (Open review) also reach the Request URL when clicked: acknowledged, nothing to do.
  if (decision === null) return { body: {}, outcome: "ignored" };

  const button = decodeReviewButtonValue(interaction.value);
  if (!button) {
    return refuse(deps, interaction, null, "bad_button", "This button does not carry an Interlock review (operation and evidence hash); open the review in Interlock instead.");
  }
  const user = await deps.slack.userForSlackId(interaction.slackUserId);
  if (!user) return refuse(deps, interaction, button.operationId, "not_linked", NOT_LINKED_TEXT);
  const actor = userActor(user.email);
  if (user.disabledAt) {
    return refuse(deps, interaction, button.operationId, "disabled", `Your Interlock account (${actor}) is disabled; nothing was changed.`, actor);
  }
  if (!hasRole(user.role, "APPROVER")) {
    return refuse(deps, interaction, button.operationId, "role", `Deciding a review needs the approver role; ${actor} has ${user.role.toLowerCase()}. Nothing was changed.`, actor);
  }
  let result: ReviewDecision;
  try {
    result = await deps.decide({ operationId: button.operationId, decision, actor, role: user.role, evidenceHash: button.evidenceHash, notes: "Decided in Slack" });
  } catch (error) {
    if (isAppError(error) && error.code !== "UNAVAILABLE" && error.code !== "INTERNAL") {
      return refuse(deps, interaction, button.operationId, error.code.toLowerCase(), `Not ${decision === "APPROVE" ? "approved" : "rejected"}: ${error.message}`, actor);
    }
    throw error;
  }
  const message = decidedMessage(interaction.messageBlocks, { decision, actor, at: result.review.decidedAt ?? now, quorum: quorumOf(result) });
  await send(deps, interaction, message);
  return { body: message, outcome: "decided" };
}

async function refuse(deps: SlackInteractionDeps, interaction: SlackInteraction, operationId: string | null, reason: string, text: string, actor?: string): Promise<SlackInteractionAnswer> {
  await refusedAudit(deps, interaction, operationId, reason, text, actor);
  const message = ephemeralReply(text);
  await send(deps, interaction, message);
  return { body: message, outcome: "refused" };
}

/** Who tried what, and why it was refused: a signed request from Slack that changed nothing. */
async function refusedAudit(deps: SlackInteractionDeps, interaction: SlackInteraction, operationId: string | null, reason: string, message: string, actor?: string): Promise<void> {
  await deps.audit.append({
    category: "ACCESS",
    severity: "WARNING",
    actor: actor ?? `slack:${interaction.slackUserId}`,
    action: "slack.interaction_refused",
    operationId: operationId ?? undefined,
    payload: { slackUserId: interaction.slackUserId, slackTeamId: interaction.slackTeamId, actionId: interaction.actionId.slice(0, 100), operationId, reason, message: message.slice(0, 500) },
  });
}

/** The response_url, already checked against the allowed origins; a failure to reach it is reported, never undoes the decision. */
async function send(deps: SlackInteractionDeps, interaction: SlackInteraction, message: SlackResponseMessage): Promise<void> {
  if (!interaction.responseUrl) return;
  try {
    await deps.respond(interaction.responseUrl, message);
  } catch (error) {
    deps.onRespondError(error);
  }
}
