import "server-only";

import type { ChannelSender } from "../../core/notify/ports";
import type { NotificationMessage } from "../../core/notify/types";
import { PermanentDeliveryError, RetryableDeliveryError } from "./errors";
import { failureFor, isRetryableStatus, isSuccess, postJson, snippet } from "./http-delivery";
import { contextParts, SEVERITY_EMOJI, truncate } from "./text";

// Microsoft Teams: an incoming webhook (Office 365 connector) or a Workflows
// ("When a Teams webhook request is received") URL. Both take a `message`
// with one Adaptive Card attachment. Workflows answers 202 with an empty body;
// the legacy connector answers 200 `1`, and, famously, also 200 when Teams
// itself refused the card, with the real status only in the text:
// "Webhook message delivery failed with error: Microsoft Teams endpoint
// returned HTTP error 413 with ContextId …". That is read as the failure it is.

export interface TeamsWebhookConfig {
  /** The webhook URL. Its query (sig=…) is the credential: never logged or echoed. */
  url: string;
  timeoutMs: number;
}

/** Teams refuses messages over 28 KB; these keep a card well under it. */
export const TEAMS_LIMITS = {
  title: 300,
  body: 8000,
  factTitle: 200,
  factValue: 1000,
  facts: 30,
  actionTitle: 100,
  /** Bytes of JSON past which the card is rendered again with a shorter body and facts. */
  payloadBytes: 27_000,
} as const;

const ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive";

function titleColor(message: NotificationMessage): "Attention" | "Warning" | "Good" | "Default" {
  if (message.severity === "ERROR" || message.severity === "CRITICAL") return "Attention";
  if (message.severity === "WARNING") return "Warning";
  return message.template === "incident_resolved" ? "Good" : "Default";
}

function card(message: NotificationMessage, limits: { body: number; factValue: number; facts: number }) {
  const body: Record<string, unknown>[] = [
    {
      type: "TextBlock",
      text: truncate(`${SEVERITY_EMOJI[message.severity]} ${message.title}`, TEAMS_LIMITS.title),
      weight: "Bolder",
      size: "Medium",
      color: titleColor(message),
      wrap: true,
    },
  ];
  if (message.body.trim() !== "") body.push({ type: "TextBlock", text: truncate(message.body, limits.body), wrap: true });
  if (message.fields.length > 0) {
    const shown = message.fields.slice(0, limits.facts);
    const facts = shown.map((f) => ({ title: truncate(f.label, TEAMS_LIMITS.factTitle), value: truncate(f.value, limits.factValue) }));
    if (message.fields.length > shown.length) facts.push({ title: "…", value: `${message.fields.length - shown.length} more fields not shown` });
    body.push({ type: "FactSet", facts });
  }
  const context = contextParts(message);
  if (context.length > 0) {
    body.push({ type: "TextBlock", text: context.map((p) => `${p.label}: ${p.value}`).join(" · "), isSubtle: true, size: "Small", wrap: true });
  }
  const actions = message.links
    .filter((l) => l.url !== "")
    .map((link) => ({
      type: "Action.OpenUrl",
      title: truncate(link.label || link.url, TEAMS_LIMITS.actionTitle),
      url: link.url,
      // Adaptive Cards 1.2+: positive renders as the primary button, destructive in red.
      ...(link.style ? { style: link.style === "primary" ? "positive" : "destructive" } : {}),
    }));
  return {
    type: "message",
    attachments: [
      {
        contentType: ADAPTIVE_CARD_CONTENT_TYPE,
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          body,
          actions,
        },
      },
    ],
  };
}

/** The webhook body for `message`. */
export function teamsPayload(message: NotificationMessage) {
  const full = card(message, TEAMS_LIMITS);
  if (Buffer.byteLength(JSON.stringify(full), "utf8") <= TEAMS_LIMITS.payloadBytes) return full;
  return card(message, { body: 2000, factValue: 200, facts: 15 });
}

/** The status buried in a legacy connector's "200 but failed" answer, or null when the answer is a real success. */
export function teamsBuriedFailure(text: string): number | null {
  if (!/delivery failed/i.test(text)) return null;
  const status = /HTTP error (\d{3})/i.exec(text)?.[1];
  // "Error contacting Microsoft Teams endpoint" has no status: Teams was unreachable, so retry.
  return status ? Number(status) : 502;
}

export class TeamsWebhookSender implements ChannelSender {
  readonly channel = "TEAMS" as const;

  constructor(private readonly config: TeamsWebhookConfig) {}

  async send(message: NotificationMessage, signal: AbortSignal): Promise<void> {
    const answer = await postJson("Teams webhook", this.config.url, teamsPayload(message), signal, this.config.timeoutMs);
    if (!isSuccess(answer.status)) throw failureFor("Teams webhook", answer);
    const buried = teamsBuriedFailure(answer.text);
    if (buried !== null) {
      const text = `Teams webhook answered HTTP ${answer.status} but Teams did not deliver it (HTTP ${buried}): ${snippet(answer.text)}`;
      throw isRetryableStatus(buried)
        ? new RetryableDeliveryError(text, { status: buried, retryAfterMs: answer.retryAfterMs })
        : new PermanentDeliveryError(text, { status: buried });
    }
  }
}
