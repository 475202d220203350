import "server-only";

import type { ChannelSender } from "../../core/notify/ports";
import type { NotificationMessage } from "../../core/notify/types";
import { encodeReviewButtonValue, SLACK_REVIEW_ACTIONS } from "../../core/slack/slack-interaction";
import { failureFor, isSuccess, postJson } from "./http-delivery";
import { contextParts, escapeWithin, SEVERITY_EMOJI, truncate } from "./text";

// Slack incoming webhook (https://api.slack.com/messaging/webhooks). One POST
// of `text` (the notification and fallback text) and `blocks` (Block Kit).
// Slack answers 200 `ok`; a refused message gets a 4xx with a short reason
// (400 invalid_blocks / invalid_payload, 403 action_prohibited, 404 no_team,
// 410 channel_is_archived): all permanent. 429 (with Retry-After) and 5xx are
// retried by the delivery worker.

export interface SlackWebhookConfig {
  /** The incoming webhook URL. It is the credential: never logged or echoed. */
  url: string;
  /** Longest one POST may take. */
  timeoutMs: number;
  /** Review decisions as buttons Slack posts back to Interlock (SLACK_SIGNING_SECRET set: docs/slack.md); else links to the console. */
  interactive?: boolean;
}

/** Block Kit's limits (https://api.slack.com/reference/block-kit/blocks). */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  buttonUrl: 3000,
  /** Not a Block Kit limit: Slack cuts top-level text at 40,000; a notification line needs far less. */
  fallbackText: 3000,
} as const;

/** Slack's mrkdwn escaping: exactly &, < and > (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function escapeSlack(char: string): string {
  return char === "&" ? "&amp;" : char === "<" ? "&lt;" : char === ">" ? "&gt;" : char;
}

function mrkdwn(text: string, max: number) {
  return { type: "mrkdwn" as const, text: escapeWithin(text, max, escapeSlack) };
}

function plainText(text: string, max: number) {
  return { type: "plain_text" as const, text: truncate(text, max), emoji: true };
}

type Block = Record<string, unknown> & { type: string };

/** The confirmation dialog Slack shows before a decision is sent (Block Kit's confirm object: title ≤ 100, text ≤ 300, buttons ≤ 30). */
function decisionConfirm(decision: "APPROVE" | "REJECT", message: NotificationMessage): Record<string, unknown> {
  const what = message.service ? `${message.operationId ? "this operation" : "this change"} on ${message.service}` : "this operation";
  return decision === "APPROVE"
    ? { title: plainText("Approve this operation?", 100), text: plainText(`Interlock re-checks the evidence now and resumes ${what} if it is no worse than shown. You act as your linked Interlock user.`, 300), confirm: plainText("Approve", 30), deny: plainText("Cancel", 30), style: "primary" }
    : { title: plainText("Reject this operation?", 100), text: plainText(`Rejecting fails ${what}; it will not run. You act as your linked Interlock user.`, 300), confirm: plainText("Reject", 30), deny: plainText("Cancel", 30), style: "danger" };
}

/** The webhook body for `message`: exported so tests and previews can see exactly what is sent. */
export function slackPayload(message: NotificationMessage, options: { interactive?: boolean } = {}): { text: string; blocks: Block[] } {
  const head: Block[] = [{ type: "header", text: plainText(`${SEVERITY_EMOJI[message.severity]} ${message.title}`, SLACK_LIMITS.headerText) }];
  // A section's text may not be empty.
  if (message.body.trim() !== "") head.push({ type: "section", text: mrkdwn(message.body, SLACK_LIMITS.sectionText) });

  const tail: Block[] = [];
  const context = contextParts(message);
  if (context.length > 0) {
    tail.push({ type: "context", elements: [mrkdwn(context.map((p) => `*${p.label}:* ${p.value}`).join(" · "), SLACK_LIMITS.contextText)] });
  }
  // With interactivity, review decisions are buttons of their own block that post back to Interlock (docs/slack.md).
  const decisions = options.interactive ? message.links.filter((l) => l.review) : [];
  if (decisions.length > 0) {
    tail.push({
      type: "actions",
      block_id: `interlock_review:${decisions[0]!.review!.operationId}`,
      elements: decisions.map((link) => ({
        type: "button",
        text: plainText(link.label, SLACK_LIMITS.buttonText),
        action_id: link.review!.decision === "APPROVE" ? SLACK_REVIEW_ACTIONS.APPROVE : SLACK_REVIEW_ACTIONS.REJECT,
        value: encodeReviewButtonValue({ operationId: link.review!.operationId, evidenceHash: link.review!.evidenceHash }),
        style: link.review!.decision === "APPROVE" ? "primary" : "danger",
        confirm: decisionConfirm(link.review!.decision, message),
      })),
    });
  }
  // A button whose URL Slack would refuse would fail the whole message (invalid_blocks): leave it out.
  const links = message.links.filter((l) => !decisions.includes(l) && l.url !== "" && l.url.length <= SLACK_LIMITS.buttonUrl).slice(0, SLACK_LIMITS.actionsElements);
  if (links.length > 0) {
    tail.push({
      type: "actions",
      elements: links.map((link, index) => ({
        type: "button",
        text: plainText(link.label || link.url, SLACK_LIMITS.buttonText),
        url: link.url,
        action_id: `interlock_link_${index}`,
        ...(link.style ? { style: link.style } : {}),
      })),
    });
  }

  // Fields go ten to a section, in as many sections as the 50-block limit leaves room for.
  const fieldBlocks: Block[] = [];
  const room = SLACK_LIMITS.blocks - head.length - tail.length;
  const fields = message.fields.map((f) => mrkdwn(`*${f.label}*\n${f.value}`, SLACK_LIMITS.fieldText));
  const capacity = room * SLACK_LIMITS.sectionFields;
  if (fields.length > capacity) {
    fields.splice(capacity - 1, fields.length, mrkdwn(`*…*\n${fields.length - capacity + 1} more fields not shown`, SLACK_LIMITS.fieldText));
  }
  for (let i = 0; i < fields.length; i += SLACK_LIMITS.sectionFields) {
    fieldBlocks.push({ type: "section", fields: fields.slice(i, i + SLACK_LIMITS.sectionFields) });
  }

  const fallback = message.body.trim() === "" ? message.title : `${message.title}\n${message.body}`;
  return { text: escapeWithin(fallback, SLACK_LIMITS.fallbackText, escapeSlack), blocks: [...head, ...fieldBlocks, ...tail] };
}

export class SlackWebhookSender implements ChannelSender {
  readonly channel = "SLACK" as const;

  constructor(private readonly config: SlackWebhookConfig) {}

  async send(message: NotificationMessage, signal: AbortSignal): Promise<void> {
    const answer = await postJson("Slack webhook", this.config.url, slackPayload(message, { interactive: this.config.interactive }), signal, this.config.timeoutMs);
    if (!isSuccess(answer.status)) throw failureFor("Slack webhook", answer);
  }
}
