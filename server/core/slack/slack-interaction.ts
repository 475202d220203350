import { z } from "zod";
import { AppError } from "../errors";

// What Interlock reads of Slack's block_actions interaction payload, what its
// review buttons carry, and the messages it sends back to the payload's
// response_url (docs/slack.md). Pure.

/** The action ids of the review buttons Interlock puts in its Slack messages. */
export const SLACK_REVIEW_ACTIONS = { APPROVE: "interlock_review_approve", REJECT: "interlock_review_reject" } as const;

/** What a review button's `value` carries: the operation and the evidence hash the message showed (a decision on changed evidence is refused). */
export interface SlackReviewButtonValue {
  operationId: string;
  evidenceHash: string;
}

const ZButtonValue = z.strictObject({ operationId: z.uuid(), evidenceHash: z.string().regex(/^[0-9a-f]{64}$/) });

export function encodeReviewButtonValue(value: SlackReviewButtonValue): string {
  return JSON.stringify({ operationId: value.operationId, evidenceHash: value.evidenceHash });
}

export function decodeReviewButtonValue(value: string | undefined): SlackReviewButtonValue | null {
  if (!value) return null;
  try {
    const parsed = ZButtonValue.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The fields of a block_actions payload that Interlock uses; Slack sends many more, which are ignored. */
const ZBlockActionsPayload = z.object({
  type: z.literal("block_actions"),
  user: z.object({ id: z.string().min(1).max(64), team_id: z.string().max(64).optional() }),
  team: z.object({ id: z.string().max(64) }).nullable().optional(),
  response_url: z.string().max(2048).optional(),
  actions: z.array(z.object({ action_id: z.string().max(255), value: z.string().max(2000).optional() })).min(1),
  message: z.object({ blocks: z.array(z.record(z.string(), z.unknown())).optional() }).optional(),
});

export interface SlackInteraction {
  slackUserId: string;
  slackTeamId: string | null;
  responseUrl: string | null;
  actionId: string;
  value: string | undefined;
  /** The blocks of the message the button was in, to rewrite it with the outcome. */
  messageBlocks: Record<string, unknown>[] | null;
}

/**
 * The interaction in a request body Slack signed: form-encoded with one
 * field, `payload`, holding JSON. MALFORMED_REQUEST when it is not that, or
 * not a block_actions payload with a user and an action.
 */
export function parseSlackInteraction(body: string): SlackInteraction {
  const payload = new URLSearchParams(body).get("payload");
  if (payload === null) throw new AppError("MALFORMED_REQUEST", "The body has no payload field; Slack sends interactions as application/x-www-form-urlencoded payload=<JSON>", { problem: "no_payload" });
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    throw new AppError("MALFORMED_REQUEST", "The payload field is not JSON", { problem: "payload_not_json" });
  }
  const parsed = ZBlockActionsPayload.safeParse(json);
  if (!parsed.success) {
    throw new AppError("MALFORMED_REQUEST", `The payload is not a block_actions interaction Interlock can act on: ${parsed.error.issues.map((i) => `${i.path.join(".") || "payload"}: ${i.message}`).join("; ").slice(0, 500)}`, { problem: "payload_shape" });
  }
  const p = parsed.data;
  const action = p.actions[0]!;
  return {
    slackUserId: p.user.id,
    slackTeamId: p.team?.id ?? p.user.team_id ?? null,
    responseUrl: p.response_url ?? null,
    actionId: action.action_id,
    value: action.value,
    messageBlocks: p.message?.blocks ?? null,
  };
}

/**
 * Whether Interlock may send to this response_url: its origin is one of the
 * allowed origins (https://hooks.slack.com by default). Plain http is allowed
 * only for an origin listed exactly (a test's local receiver).
 */
export function isAllowedResponseUrl(url: string, allowedOrigins: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return false;
  if (parsed.username || parsed.password) return false;
  return allowedOrigins.includes(parsed.origin);
}

/** A message sent to a response_url (Slack's fields only). */
export interface SlackResponseMessage {
  text: string;
  response_type?: "ephemeral" | "in_channel";
  replace_original?: boolean;
  blocks?: Record<string, unknown>[];
}

/** A reply only the person who clicked sees; the original message stays as it was. */
export function ephemeralReply(text: string): SlackResponseMessage {
  return { response_type: "ephemeral", replace_original: false, text };
}

export interface SlackDecisionOutcome {
  decision: "APPROVE" | "REJECT";
  actor: string;
  at: Date;
  /** The approval policy's count, when the review has one ("1 of 2 approvals"). */
  quorum: { met: boolean; summary: string } | null;
}

/** One line: "Approved by alice@example.com at 2026-12-07T15:04:05Z (1 of 2 approvals)". */
export function outcomeLine(outcome: SlackDecisionOutcome): string {
  const verb = outcome.decision === "APPROVE" ? "Approved" : "Rejected";
  const when = outcome.at.toISOString().replace(/\.\d{3}Z$/, "Z");
  const count = outcome.quorum ? ` (${outcome.quorum.summary})` : "";
  const waiting = outcome.decision === "APPROVE" && outcome.quorum && !outcome.quorum.met ? "; waiting for more approvals" : "";
  return `${outcome.decision === "APPROVE" ? "✅" : "⛔"} ${verb} by ${outcome.actor} in Slack at ${when}${count}${waiting}`;
}

/**
 * The original message rewritten with the outcome (replace_original): its
 * blocks stay, the outcome is added below them, and the Approve / Reject
 * buttons go once the review is decided (they stay while an approval policy
 * still waits for more approvals).
 */
export function decidedMessage(original: Record<string, unknown>[] | null, outcome: SlackDecisionOutcome): SlackResponseMessage {
  const line = outcomeLine(outcome);
  const stillOpen = outcome.decision === "APPROVE" && outcome.quorum !== null && !outcome.quorum.met;
  const kept = (original ?? []).filter((block) => stillOpen || !(block.type === "actions" && isReviewActions(block)));
  return {
    replace_original: true,
    text: line,
    blocks: [...kept, { type: "section", text: { type: "mrkdwn", text: escapeMrkdwn(line) } }],
  };
}

function isReviewActions(block: Record<string, unknown>): boolean {
  const elements = Array.isArray(block.elements) ? (block.elements as { action_id?: unknown }[]) : [];
  return elements.some((e) => e.action_id === SLACK_REVIEW_ACTIONS.APPROVE || e.action_id === SLACK_REVIEW_ACTIONS.REJECT);
}

/** Slack's mrkdwn escaping: &, < and >. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export const NOT_LINKED_TEXT = "Your Slack account is not linked to an Interlock user; link it in Interlock under Profile. Nothing was changed.";
