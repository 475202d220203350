import "server-only";

import type { SlackResponseMessage } from "../../core/slack/slack-interaction";
import { failureFor, isSuccess, postJson } from "./http-delivery";

// Posts a reply to an interaction's response_url (docs/slack.md#the-reply):
// replace_original rewrites the message the button was in, an ephemeral
// reply is seen only by the person who clicked. The URL was checked against
// the allowed origins before it got here; redirects are not followed.

/** Slack waits 3 s for the interaction's answer; the reply is sent before it, so it gets less. */
export const SLACK_RESPONSE_TIMEOUT_MS = 2_000;

export async function postToResponseUrl(url: string, message: SlackResponseMessage, timeoutMs = SLACK_RESPONSE_TIMEOUT_MS): Promise<void> {
  const answer = await postJson("Slack response_url", url, message, new AbortController().signal, timeoutMs);
  if (!isSuccess(answer.status)) throw failureFor("Slack response_url", answer);
}
