import "server-only";

import addressparser from "nodemailer/lib/addressparser/index.js";
import { z } from "zod";

import type { ChannelSender } from "../../core/notify/ports";
import { DEFAULT_PAGERDUTY_EVENTS_URL, PagerDutyEventsSender } from "./pagerduty-events-sender";
import { SlackWebhookSender } from "./slack-webhook-sender";
import { isLoopbackHost, parseSmtpUrl, SmtpEmailSender } from "./smtp-email-sender";
import { TeamsWebhookSender } from "./teams-webhook-sender";

// Which delivery channels the environment configures (docs/notifications.md; variables: docs/operations.md#every-variable). A channel
// whose variables are unset is simply absent; a channel that is set wrongly
// stops startup with a message naming the variable. Values are never echoed:
// the webhook URLs, the SMTP password and the routing key are credentials.

export const DEFAULT_NOTIFY_TIMEOUT_MS = 5_000;

/** The configured senders, and what each one talks to (host only) for logs and the settings page. */
export interface NotifyChannels {
  senders: ChannelSender[];
  describe: { channel: ChannelSender["channel"]; target: string }[];
  /** Slack interactivity, when configured (docs/slack.md). */
  slack: SlackInteractivityConfig | null;
}

const WEBHOOK_URL_MESSAGE = "must be an https:// URL (http:// is allowed only for localhost or 127.0.0.1)";

function isHttpsOrLoopbackUrl(value: string): boolean {
  try {
    const url = new URL(value);
    if (url.hostname === "") return false;
    return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname));
  } catch {
    return false;
  }
}

const webhookUrl = () => z.string().trim().refine(isHttpsOrLoopbackUrl, { message: WEBHOOK_URL_MESSAGE });

const ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/;

/** The mailboxes in a comma-separated address list ("Ops <ops@example.com>, sre@example.com"), or null when any entry is not one. */
export function parseAddressList(value: string): string[] | null {
  const entries = value.split(",").map((e) => e.trim());
  if (entries.some((e) => e === "")) return null;
  let parsed: { name: string; address: string }[];
  try {
    parsed = addressparser(value, { flatten: true });
  } catch {
    return null;
  }
  if (parsed.length === 0 || parsed.some((a) => !ADDRESS.test(a.address))) return null;
  return parsed.map((a) => (a.name ? `"${a.name.replace(/["\\]/g, "")}" <${a.address}>` : a.address));
}

/** The variables, shaped like server/env.ts's fields. The cross-field rules live in notifyChannelsFromEnv. */
export const NOTIFY_ENV_FIELDS = {
  SLACK_WEBHOOK_URL: webhookUrl().optional(),
  TEAMS_WEBHOOK_URL: webhookUrl().optional(),
  SMTP_URL: z
    .string()
    .trim()
    .refine((v) => parseSmtpUrl(v) !== null, { message: "must be smtp://[user:password@]host[:port] or smtps://[user:password@]host[:port]" })
    .optional(),
  SMTP_FROM: z
    .string()
    .trim()
    .refine((v) => parseAddressList(v)?.length === 1, { message: 'must be one email address, e.g. "Interlock <interlock@example.com>"' })
    .optional(),
  SMTP_TO: z
    .string()
    .trim()
    .refine((v) => parseAddressList(v) !== null, { message: "must be one or more email addresses, separated by commas" })
    .optional(),
  PAGERDUTY_ROUTING_KEY: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]{32}$/, { message: "must be the 32-character integration (routing) key" })
    .optional(),
  PAGERDUTY_EVENTS_URL: webhookUrl().optional(),
  /** Slack app's signing secret: turns on Approve / Reject buttons in Slack and the interactivity endpoint (docs/slack.md). */
  SLACK_SIGNING_SECRET: z.string().trim().min(16, "must be the Slack app's signing secret (Basic Information → App Credentials)").optional(),
  /** Origins an interaction's response_url may have, comma-separated; http only for loopback hosts. */
  SLACK_RESPONSE_URL_ORIGINS: z
    .string()
    .trim()
    .refine((v) => parseOrigins(v) !== null, { message: "must be comma-separated origins such as https://hooks.slack.com (http:// only for localhost or 127.0.0.1)" })
    .optional(),
  NOTIFY_TIMEOUT_MS: z.coerce
    .number({ message: "must be a number" })
    .int("must be a whole number")
    .min(100, "must be at least 100")
    .max(120_000, "must be at most 120000")
    .default(DEFAULT_NOTIFY_TIMEOUT_MS),
};

/** Where Slack sends interactions' replies: response_url is on this origin unless SLACK_RESPONSE_URL_ORIGINS says otherwise. */
export const DEFAULT_SLACK_RESPONSE_URL_ORIGINS = ["https://hooks.slack.com"] as const;

/** The origins in a comma-separated list (each an https origin, or http on a loopback host), or null when any is not one. */
export function parseOrigins(value: string): string[] | null {
  const out: string[] = [];
  for (const entry of value.split(",").map((e) => e.trim())) {
    if (entry === "" || !isHttpsOrLoopbackUrl(entry)) return null;
    const url = new URL(entry);
    if (url.pathname !== "/" || url.search || url.hash || url.username || url.password) return null;
    out.push(url.origin);
  }
  return out.length > 0 ? out : null;
}

/** Slack interactivity (the review buttons and their endpoint), when SLACK_SIGNING_SECRET is set. */
export interface SlackInteractivityConfig {
  signingSecret: string;
  responseUrlOrigins: string[];
}

const ZNotifyEnv = z.object(NOTIFY_ENV_FIELDS).superRefine((env, ctx) => {
  if (!env.SMTP_URL) return;
  if (!env.SMTP_TO) ctx.addIssue({ code: "custom", path: ["SMTP_TO"], message: "is required when SMTP_URL is set" });
  const user = parseSmtpUrl(env.SMTP_URL)?.user ?? null;
  if (!env.SMTP_FROM && !(user !== null && ADDRESS.test(user))) {
    ctx.addIssue({ code: "custom", path: ["SMTP_FROM"], message: "is required when SMTP_URL is set and its user name is not an email address" });
  }
});

/**
 * The senders for every channel the environment configures (Slack, Teams,
 * email, PagerDuty, in that order); none when nothing is set. Throws naming
 * each bad variable and what is wrong with it, never its value.
 */
export function notifyChannelsFromEnv(env: Record<string, string | undefined>): NotifyChannels {
  const names = Object.keys(NOTIFY_ENV_FIELDS);
  // An empty variable is an unset one (a blank line in .env, `SLACK_WEBHOOK_URL=` in compose).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([key, v]) => names.includes(key) && v !== undefined && v.trim() !== ""));
  const result = ZNotifyEnv.safeParse(cleaned);
  if (!result.success) {
    throw new Error(`Invalid notification configuration:\n${result.error.issues.map((i) => `  ${String(i.path[0])}: ${i.message}`).join("\n")}`);
  }
  const config = result.data;
  const timeoutMs = config.NOTIFY_TIMEOUT_MS;
  const channels: NotifyChannels = { senders: [], describe: [], slack: null };
  if (config.SLACK_SIGNING_SECRET) {
    channels.slack = { signingSecret: config.SLACK_SIGNING_SECRET, responseUrlOrigins: config.SLACK_RESPONSE_URL_ORIGINS ? parseOrigins(config.SLACK_RESPONSE_URL_ORIGINS)! : [...DEFAULT_SLACK_RESPONSE_URL_ORIGINS] };
  }

  if (config.SLACK_WEBHOOK_URL) {
    // With a signing secret, review messages carry Approve / Reject buttons that Slack posts back to Interlock.
    channels.senders.push(new SlackWebhookSender({ url: config.SLACK_WEBHOOK_URL, timeoutMs, interactive: channels.slack !== null }));
    channels.describe.push({ channel: "SLACK", target: new URL(config.SLACK_WEBHOOK_URL).host });
  }
  if (config.TEAMS_WEBHOOK_URL) {
    channels.senders.push(new TeamsWebhookSender({ url: config.TEAMS_WEBHOOK_URL, timeoutMs }));
    channels.describe.push({ channel: "TEAMS", target: new URL(config.TEAMS_WEBHOOK_URL).host });
  }
  if (config.SMTP_URL && config.SMTP_TO) {
    const server = parseSmtpUrl(config.SMTP_URL);
    const to = parseAddressList(config.SMTP_TO);
    const from = config.SMTP_FROM ? parseAddressList(config.SMTP_FROM)?.[0] : (server?.user ?? undefined);
    // All three were checked above; this only narrows the types.
    if (server && to && from) {
      channels.senders.push(new SmtpEmailSender({ server, from, to, timeoutMs }));
      channels.describe.push({ channel: "EMAIL", target: `${server.host.includes(":") ? `[${server.host}]` : server.host}:${server.port}` });
    }
  }
  if (config.PAGERDUTY_ROUTING_KEY) {
    const eventsUrl = config.PAGERDUTY_EVENTS_URL ?? DEFAULT_PAGERDUTY_EVENTS_URL;
    channels.senders.push(new PagerDutyEventsSender({ routingKey: config.PAGERDUTY_ROUTING_KEY, eventsUrl, timeoutMs }));
    channels.describe.push({ channel: "PAGERDUTY", target: new URL(eventsUrl).host });
  }
  return channels;
}
