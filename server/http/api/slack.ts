import "server-only";
import { ZSlackInteractionAnswer } from "@/lib/api/slack";
import { AppError } from "../../core/errors";
import { answerSlackInteraction } from "../../core/slack/answer-slack-interaction";
import { endpoint } from "../endpoint";
import { CONFLICT, NOT_FOUND, PUBLIC_ERRORS } from "./responses";
import { ZErrorBody } from "@/lib/api/common";

// Slack's interactivity Request URL (docs/slack.md): Approve and Reject in a
// review's Slack message. No session or token: the request is authenticated
// by Slack's signature over its raw body, checked before anything is parsed.

export const slackInteractionsEndpoint = endpoint({
  operationId: "slackInteractions",
  method: "POST",
  path: "/api/v1/integrations/slack/interactions",
  summary: "Slack interactivity (Approve / Reject in Slack)",
  description:
    "Set as the Slack app's Interactivity Request URL. Authenticated by X-Slack-Signature over the raw body with SLACK_SIGNING_SECRET (401 when the signature is wrong or X-Slack-Request-Timestamp is more than 5 minutes from now); a request seen before is a replay (409). " +
    "The clicking Slack member acts as the Interlock user linked to them, under the console's rules (approver role, never the requester, approval policies, fresh evidence); the outcome replaces the message through the payload's response_url, and a refusal is an ephemeral reply. 404 when SLACK_SIGNING_SECRET is not set. docs/slack.md.",
  tags: ["integrations"],
  access: "public",
  rawBody: { contentType: "application/x-www-form-urlencoded", description: "As Slack sends it: payload=<block_actions JSON>" },
  responses: {
    200: { description: "Acknowledged: the message sent to the response_url (decision or refusal), or {} for a click that needs nothing", schema: ZSlackInteractionAnswer },
    ...PUBLIC_ERRORS,
    401: { description: "Missing, stale or wrong Slack signature", schema: ZErrorBody },
    ...NOT_FOUND,
    ...CONFLICT,
  },
  async handler({ container, request, rawBody, log }) {
    const slack = container.notifications.slack;
    if (!slack.interactivity) {
      throw new AppError("NOT_FOUND", "Slack interactivity is not configured on this server: set SLACK_SIGNING_SECRET to the Slack app's signing secret (docs/slack.md)", { problem: "not_configured" });
    }
    const answer = await answerSlackInteraction(
      {
        signingSecret: slack.interactivity.signingSecret,
        responseUrlOrigins: slack.interactivity.responseUrlOrigins,
        now: () => container.clock.now(),
        slack: slack.store,
        decide: (input) => container.orchestrator.decide(input),
        audit: container.audit.log,
        respond: slack.respond,
        onRespondError: (error) => log.warn({ err: error }, "the reply to Slack's response_url failed"),
      },
      { timestamp: request.headers.get("x-slack-request-timestamp"), signature: request.headers.get("x-slack-signature"), body: rawBody ?? new Uint8Array() },
    );
    return { status: 200, body: answer.body };
  },
});
