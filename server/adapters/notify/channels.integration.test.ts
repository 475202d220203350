// The channel adapters against real local receivers: a node:http server that
// stands in for Slack, Teams and PagerDuty (it records every request and
// answers as each test tells it), and a real SMTP server from the smtp-server
// package that records the envelope and the raw message.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerAddress } from "smtp-server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import type { NotificationMessage } from "../../core/notify/types";
import { isPermanentDeliveryError, PermanentDeliveryError, RetryableDeliveryError } from "./errors";
import { notifyChannelsFromEnv } from "./notify-config";
import { PagerDutyEventsSender, pagerDutyDedupKey } from "./pagerduty-events-sender";
import { SLACK_LIMITS, SlackWebhookSender } from "./slack-webhook-sender";
import { parseSmtpUrl, SmtpEmailSender } from "./smtp-email-sender";
import { TeamsWebhookSender } from "./teams-webhook-sender";

// ---------------------------------------------------------------- HTTP receiver

interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  json: any;
}

type Respond = (request: ReceivedRequest, response: http.ServerResponse) => void;

const defaultRespond: Respond = (req, res) => {
  if (req.path.startsWith("/slack")) return text(res, 200, "ok");
  if (req.path.startsWith("/teams")) return text(res, 202, "");
  if (req.path.startsWith("/pagerduty")) return json(res, 202, { status: "success", message: "Event processed", dedup_key: req.json?.dedup_key });
  text(res, 404, "no such receiver");
};

let server: http.Server;
let baseUrl: string;
let received: ReceivedRequest[] = [];
let respond: Respond = defaultRespond;

function text(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", ...headers });
  res.end(body);
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

/** A path that looks like Slack's: the last segment is the credential the adapters must never echo. */
const SLACK_SECRET = "xXsEcReTtOkEn123";

// ---------------------------------------------------------------- SMTP receiver

interface ReceivedMail {
  from: string | false;
  to: string[];
  raw: string;
  user: string | null;
}

let smtp: SMTPServer;
let smtpPort: number;
let mails: ReceivedMail[] = [];
let auths: { username: string | null; password: string | null }[] = [];
let rcptError: Error | null = null;
let dataMode: "accept" | "hang" | "fail-451" = "accept";
/** How many messages the server has left without a final reply. */
let hung = 0;

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(raw);
      } catch {
        parsed = null;
      }
      const request: ReceivedRequest = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, raw, json: parsed };
      received.push(request);
      respond(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  smtp = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    disableReverseLookup: true,
    closeTimeout: 500,
    onAuth(auth, _session, callback) {
      auths.push({ username: auth.username ?? null, password: auth.password ?? null });
      if (auth.password !== "s3cret-pass") return callback(smtpError("Invalid username or password", 535));
      callback(null, { user: auth.username });
    },
    onRcptTo(_address: SMTPServerAddress, _session, callback) {
      callback(rcptError ?? undefined);
    },
    onData(stream, session, callback) {
      // Decided when the message starts: a message a test left hanging stays hung after the next test resets the mode.
      const mode = dataMode;
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        if (mode === "hang") {
          hung += 1; // never answers the final dot
          return;
        }
        if (mode === "fail-451") return callback(smtpError("Requested action aborted: local error in processing", 451));
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : false,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
          user: typeof session.user === "string" ? session.user : null,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});

afterEach(() => {
  received = [];
  respond = defaultRespond;
  mails = [];
  auths = [];
  rcptError = null;
  dataMode = "accept";
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

/** A port on which nothing listens: opened, read, closed. */
async function closedPort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the promise to reject");
}

const never = () => new AbortController().signal;

// ---------------------------------------------------------------- fixtures

const MESSAGE: NotificationMessage = {
  template: "safety_gate_failed",
  severity: "ERROR",
  title: "Safety gate failed: error budget",
  body: "Error budget exhausted: 2.5% > 2.0% for <payment-service> & its callers.",
  fields: [
    { label: "Gate", value: "error_budget" },
    { label: "Observed", value: "2.5%" },
    { label: "Threshold", value: "2.0%" },
  ],
  links: [
    { label: "Approve", url: "https://interlock.example/operations/op-1/approve", style: "primary" },
    { label: "Reject", url: "https://interlock.example/operations/op-1/reject", style: "danger" },
    { label: "Open operation", url: "https://interlock.example/operations/op-1" },
  ],
  dedupKey: "safety_gate_failed:payment-service:INC-2026-001",
  service: "payment-service",
  operationId: "0b7e4c52-1111-4000-8000-00000000abcd",
  correlationId: "INC-2026-001",
};

function message(overrides: Partial<NotificationMessage> = {}): NotificationMessage {
  return { ...MESSAGE, ...overrides };
}

const slack = (overrides: { timeoutMs?: number; path?: string } = {}) =>
  new SlackWebhookSender({ url: `${baseUrl}${overrides.path ?? `/slack/services/T000/B000/${SLACK_SECRET}`}`, timeoutMs: overrides.timeoutMs ?? 2_000 });
const teams = () => new TeamsWebhookSender({ url: `${baseUrl}/teams/workflows/abc?sig=teams-secret-sig`, timeoutMs: 2_000 });
const ROUTING_KEY = "R0123456789abcdef0123456789ABCDE";
const pagerduty = () => new PagerDutyEventsSender({ routingKey: ROUTING_KEY, eventsUrl: `${baseUrl}/pagerduty/v2/enqueue`, timeoutMs: 2_000 });

// ---------------------------------------------------------------- Slack

describe("SlackWebhookSender", () => {
  it("posts Block Kit: header, escaped body, fields, context and buttons, with a plain fallback text", async () => {
    await slack().send(MESSAGE, never());

    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe(`/slack/services/T000/B000/${SLACK_SECRET}`);
    expect(request?.headers["content-type"]).toMatch(/^application\/json/);
    const body = request?.json;
    expect(body.text).toBe("Safety gate failed: error budget\nError budget exhausted: 2.5% &gt; 2.0% for &lt;payment-service&gt; &amp; its callers.");
    expect(body.blocks.map((b: { type: string }) => b.type)).toEqual(["header", "section", "section", "context", "actions"]);
    expect(body.blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: "❌ Safety gate failed: error budget", emoji: true } });
    expect(body.blocks[1]).toEqual({
      type: "section",
      text: { type: "mrkdwn", text: "Error budget exhausted: 2.5% &gt; 2.0% for &lt;payment-service&gt; &amp; its callers." },
    });
    expect(body.blocks[2]).toEqual({
      type: "section",
      fields: [
        { type: "mrkdwn", text: "*Gate*\nerror_budget" },
        { type: "mrkdwn", text: "*Observed*\n2.5%" },
        { type: "mrkdwn", text: "*Threshold*\n2.0%" },
      ],
    });
    expect(body.blocks[3]).toEqual({
      type: "context",
      elements: [{ type: "mrkdwn", text: "*Service:* payment-service · *Operation:* 0b7e4c52-1111-4000-8000-00000000abcd · *Correlation:* INC-2026-001" }],
    });
    expect(body.blocks[4]).toEqual({
      type: "actions",
      elements: [
        { type: "button", text: { type: "plain_text", text: "Approve", emoji: true }, url: "https://interlock.example/operations/op-1/approve", action_id: "interlock_link_0", style: "primary" },
        { type: "button", text: { type: "plain_text", text: "Reject", emoji: true }, url: "https://interlock.example/operations/op-1/reject", action_id: "interlock_link_1", style: "danger" },
        { type: "button", text: { type: "plain_text", text: "Open operation", emoji: true }, url: "https://interlock.example/operations/op-1", action_id: "interlock_link_2" },
      ],
    });
  });

  it("uses each severity's emoji and leaves out empty sections, context and actions", async () => {
    const cases = [
      ["INFO", "ℹ️"],
      ["WARNING", "⚠️"],
      ["ERROR", "❌"],
      ["CRITICAL", "🚨"],
    ] as const;
    for (const [severity] of cases) {
      await slack().send(message({ severity, body: "", fields: [], links: [], service: null, operationId: null, correlationId: null }), never());
    }
    for (const [index, [, emoji]] of cases.entries()) {
      const body = received[index]?.json;
      expect(body.blocks).toEqual([{ type: "header", text: { type: "plain_text", text: `${emoji} Safety gate failed: error budget`, emoji: true } }]);
      expect(body.text).toBe("Safety gate failed: error budget");
    }
  });

  it("keeps every block within Slack's limits", async () => {
    const longTitle = "T".repeat(400);
    // Escaping grows & to &amp;: the cut must not leave half an entity.
    const longBody = "a&b ".repeat(2_000);
    const fields = Array.from({ length: 23 }, (_, i) => ({ label: `field ${i}`, value: "v".repeat(i === 0 ? 2_500 : 10) }));
    const links = Array.from({ length: 30 }, (_, i) => ({ label: `Link number ${i} `.padEnd(100, "x"), url: `https://interlock.example/${i}` }));
    await slack().send(message({ title: longTitle, body: longBody, fields, links }), never());

    const { blocks, text: fallback } = received[0]?.json as { blocks: any[]; text: string };
    expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    const header = blocks[0];
    expect(header.type).toBe("header");
    expect(header.text.text.length).toBeLessThanOrEqual(150);
    expect(header.text.text.endsWith("…")).toBe(true);

    const bodySection = blocks[1];
    expect(bodySection.text.text.length).toBeLessThanOrEqual(3_000);
    expect(bodySection.text.text.endsWith("…")).toBe(true);
    expect(bodySection.text.text).not.toMatch(/&(?!amp;|lt;|gt;)/);
    expect(fallback.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);

    const fieldSections = blocks.filter((b) => b.type === "section" && b.fields);
    expect(fieldSections.map((s) => s.fields.length)).toEqual([10, 10, 3]);
    for (const section of fieldSections) {
      for (const field of section.fields) expect(field.text.length).toBeLessThanOrEqual(2_000);
    }
    expect(fieldSections[0].fields[0].text.endsWith("…")).toBe(true);

    const actions = blocks.find((b) => b.type === "actions");
    expect(actions.elements).toHaveLength(25);
    const ids = actions.elements.map((e: { action_id: string }) => e.action_id);
    expect(new Set(ids).size).toBe(25);
    for (const button of actions.elements) {
      expect(button.type).toBe("button");
      expect(button.text.type).toBe("plain_text");
      expect(button.text.text.length).toBeLessThanOrEqual(75);
    }
  });

  it("never cuts an emoji in half", async () => {
    await slack().send(message({ title: `${"x".repeat(146)}😀😀😀` }), never());
    const headerText: string = received[0]?.json.blocks[0].text.text;
    expect(headerText.length).toBeLessThanOrEqual(150);
    expect(headerText).toBe(`❌ ${"x".repeat(146)}…`);
  });

  it("treats a 4xx as permanent and names the status and Slack's answer, without the webhook URL", async () => {
    respond = (_req, res) => text(res, 400, "invalid_blocks");
    const error = await rejection(slack().send(MESSAGE, never()));
    expect(error).toBeInstanceOf(PermanentDeliveryError);
    expect((error as PermanentDeliveryError).permanent).toBe(true);
    expect((error as PermanentDeliveryError).status).toBe(400);
    expect(isPermanentDeliveryError(error)).toBe(true);
    expect(error.message).toBe("Slack webhook answered HTTP 400: invalid_blocks");
    expect(error.message).not.toContain(SLACK_SECRET);

    respond = (_req, res) => text(res, 404, "no_team");
    const notFound = await rejection(slack().send(MESSAGE, never()));
    expect(isPermanentDeliveryError(notFound)).toBe(true);
    expect(notFound.message).toContain("HTTP 404: no_team");
  });

  it("treats 5xx and 429 as retryable, keeps Retry-After, and quotes at most 200 characters of the answer", async () => {
    respond = (_req, res) => text(res, 500, `${"e".repeat(200)}TAIL`);
    const serverError = await rejection(slack().send(MESSAGE, never()));
    expect(serverError).toBeInstanceOf(RetryableDeliveryError);
    expect(isPermanentDeliveryError(serverError)).toBe(false);
    expect(serverError.message).toBe(`Slack webhook answered HTTP 500: ${"e".repeat(200)}`);

    respond = (_req, res) => text(res, 429, "rate_limited", { "Retry-After": "7" });
    const limited = await rejection(slack().send(MESSAGE, never()));
    expect(limited).toBeInstanceOf(RetryableDeliveryError);
    expect((limited as RetryableDeliveryError).retryAfterMs).toBe(7_000);
    expect(limited.message).toContain("HTTP 429: rate_limited");
  });

  it("treats a refused connection as retryable and does not echo the URL", async () => {
    const port = await closedPort();
    const sender = new SlackWebhookSender({ url: `http://127.0.0.1:${port}/services/T000/B000/${SLACK_SECRET}`, timeoutMs: 2_000 });
    const error = await rejection(sender.send(MESSAGE, never()));
    expect(error).toBeInstanceOf(RetryableDeliveryError);
    expect(isPermanentDeliveryError(error)).toBe(false);
    expect(error.message).toContain("ECONNREFUSED");
    expect(error.message).not.toContain(SLACK_SECRET);
  });

  it("gives up after its own timeout, and at once when the caller's signal aborts", async () => {
    respond = () => {}; // never answers
    const started = performance.now();
    const timedOut = await rejection(slack({ timeoutMs: 200 }).send(MESSAGE, never()));
    expect(timedOut).toBeInstanceOf(RetryableDeliveryError);
    expect(timedOut.message).toBe("Slack webhook: no answer within 200 ms");
    expect(performance.now() - started).toBeLessThan(5_000);

    const controller = new AbortController();
    const reason = new Error("lease lost");
    const pending = rejection(slack({ timeoutMs: 30_000 }).send(MESSAGE, controller.signal));
    setTimeout(() => controller.abort(reason), 50);
    expect(await pending).toBe(reason);

    const already = new AbortController();
    already.abort(reason);
    const before = received.length;
    expect(await rejection(slack().send(MESSAGE, already.signal))).toBe(reason);
    expect(received.length).toBe(before);
  });
});

// ---------------------------------------------------------------- Teams

describe("TeamsWebhookSender", () => {
  it("posts a message with one Adaptive Card: title, body, facts, context and OpenUrl actions", async () => {
    await teams().send(MESSAGE, never());
    expect(received).toHaveLength(1);
    expect(received[0]?.method).toBe("POST");
    expect(received[0]?.path).toBe("/teams/workflows/abc?sig=teams-secret-sig");
    expect(received[0]?.json).toEqual({
      type: "message",
      attachments: [
        {
          contentType: "application/vnd.microsoft.card.adaptive",
          contentUrl: null,
          content: {
            $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
            type: "AdaptiveCard",
            version: "1.4",
            body: [
              { type: "TextBlock", text: "❌ Safety gate failed: error budget", weight: "Bolder", size: "Medium", color: "Attention", wrap: true },
              { type: "TextBlock", text: MESSAGE.body, wrap: true },
              {
                type: "FactSet",
                facts: [
                  { title: "Gate", value: "error_budget" },
                  { title: "Observed", value: "2.5%" },
                  { title: "Threshold", value: "2.0%" },
                ],
              },
              {
                type: "TextBlock",
                text: "Service: payment-service · Operation: 0b7e4c52-1111-4000-8000-00000000abcd · Correlation: INC-2026-001",
                isSubtle: true,
                size: "Small",
                wrap: true,
              },
            ],
            actions: [
              { type: "Action.OpenUrl", title: "Approve", url: "https://interlock.example/operations/op-1/approve", style: "positive" },
              { type: "Action.OpenUrl", title: "Reject", url: "https://interlock.example/operations/op-1/reject", style: "destructive" },
              { type: "Action.OpenUrl", title: "Open operation", url: "https://interlock.example/operations/op-1" },
            ],
          },
        },
      ],
    });
  });

  it("colours the title by severity", async () => {
    for (const severity of ["INFO", "WARNING", "ERROR", "CRITICAL"] as const) await teams().send(message({ severity }), never());
    const colors = received.map((r) => r.json.attachments[0].content.body[0].color);
    expect(colors).toEqual(["Default", "Warning", "Attention", "Attention"]);
  });

  it("accepts 200 `1` (connector) and 202 (Workflows)", async () => {
    respond = (_req, res) => text(res, 200, "1");
    await teams().send(MESSAGE, never());
    respond = (_req, res) => text(res, 202, "");
    await teams().send(MESSAGE, never());
    expect(received).toHaveLength(2);
  });

  it("classifies failures, including the connector's 200 that buries Teams' real status", async () => {
    respond = (_req, res) => text(res, 400, "Bad payload received by generic incoming webhook.");
    const bad = await rejection(teams().send(MESSAGE, never()));
    expect(bad).toBeInstanceOf(PermanentDeliveryError);
    expect(bad.message).toBe("Teams webhook answered HTTP 400: Bad payload received by generic incoming webhook.");
    expect(bad.message).not.toContain("teams-secret-sig");

    respond = (_req, res) => text(res, 502, "Bad Gateway");
    expect(await rejection(teams().send(MESSAGE, never()))).toBeInstanceOf(RetryableDeliveryError);

    respond = (_req, res) => text(res, 200, "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 413 with ContextId tcid=0..");
    const tooBig = await rejection(teams().send(MESSAGE, never()));
    expect(tooBig).toBeInstanceOf(PermanentDeliveryError);
    expect((tooBig as PermanentDeliveryError).status).toBe(413);
    expect(tooBig.message).toContain("HTTP 200");
    expect(tooBig.message).toContain("HTTP 413");

    respond = (_req, res) => text(res, 200, "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0..");
    const limited = await rejection(teams().send(MESSAGE, never()));
    expect(limited).toBeInstanceOf(RetryableDeliveryError);
    expect((limited as RetryableDeliveryError).status).toBe(429);
  });
});

// ---------------------------------------------------------------- PagerDuty

describe("PagerDutyEventsSender", () => {
  it("triggers an Events API v2 event with the documented fields", async () => {
    await pagerduty().send(MESSAGE, never());
    expect(received).toHaveLength(1);
    expect(received[0]?.method).toBe("POST");
    expect(received[0]?.path).toBe("/pagerduty/v2/enqueue");
    expect(received[0]?.headers["content-type"]).toMatch(/^application\/json/);
    expect(received[0]?.json).toEqual({
      routing_key: ROUTING_KEY,
      event_action: "trigger",
      dedup_key: "safety_gate_failed:payment-service:INC-2026-001",
      payload: {
        summary: "Safety gate failed: error budget",
        source: "payment-service",
        severity: "error",
        component: "payment-service",
        group: "INC-2026-001",
        class: "safety_gate_failed",
        custom_details: {
          body: MESSAGE.body,
          fields: { Gate: "error_budget", Observed: "2.5%", Threshold: "2.0%" },
          operationId: "0b7e4c52-1111-4000-8000-00000000abcd",
          urgency: null,
        },
      },
      links: [
        { href: "https://interlock.example/operations/op-1/approve", text: "Approve" },
        { href: "https://interlock.example/operations/op-1/reject", text: "Reject" },
        { href: "https://interlock.example/operations/op-1", text: "Open operation" },
      ],
      client: "Interlock",
    });
  });

  it("maps severities, and high urgency always sends critical", async () => {
    for (const severity of ["CRITICAL", "ERROR", "WARNING", "INFO"] as const) await pagerduty().send(message({ severity }), never());
    await pagerduty().send(message({ severity: "WARNING", urgency: "high" }), never());
    await pagerduty().send(message({ severity: "INFO", urgency: "high" }), never());
    await pagerduty().send(message({ severity: "ERROR", urgency: "low" }), never());
    expect(received.map((r) => r.json.payload.severity)).toEqual(["critical", "error", "warning", "info", "critical", "critical", "error"]);
    expect(received[4]?.json.payload.custom_details.urgency).toBe("high");
  });

  it("falls back to source interlock and leaves out component and group when the message has none", async () => {
    await pagerduty().send(message({ service: null, correlationId: null, fields: [{ label: "a", value: "1" }, { label: "a", value: "2" }] }), never());
    const payload = received[0]?.json.payload;
    expect(payload.source).toBe("interlock");
    expect(payload).not.toHaveProperty("component");
    expect(payload).not.toHaveProperty("group");
    expect(payload.custom_details.fields).toEqual({ a: "1", "a (2)": "2" });
  });

  it("resolves with only routing_key, event_action and the same dedup_key", async () => {
    await pagerduty().send(MESSAGE, never());
    await pagerduty().send(message({ action: "resolve" }), never());
    expect(received[1]?.json).toEqual({ routing_key: ROUTING_KEY, event_action: "resolve", dedup_key: received[0]?.json.dedup_key });
  });

  it("keeps the summary within 1024 characters and a long dedup key within 255, the same each time", async () => {
    const longKey = `k${"x".repeat(400)}`;
    await pagerduty().send(message({ title: "s".repeat(2_000), dedupKey: longKey }), never());
    await pagerduty().send(message({ dedupKey: longKey, action: "resolve" }), never());
    expect(received[0]?.json.payload.summary.length).toBeLessThanOrEqual(1_024);
    expect(received[0]?.json.dedup_key.length).toBeLessThanOrEqual(255);
    expect(received[0]?.json.dedup_key).toBe(pagerDutyDedupKey(longKey));
    expect(received[1]?.json.dedup_key).toBe(received[0]?.json.dedup_key);
  });

  it("treats 400 as permanent and 429, 5xx and an answer without success as retryable", async () => {
    respond = (_req, res) => json(res, 400, { status: "invalid event", message: "Event object is invalid", errors: ["'payload.severity' is invalid"] });
    const invalid = await rejection(pagerduty().send(MESSAGE, never()));
    expect(invalid).toBeInstanceOf(PermanentDeliveryError);
    expect((invalid as PermanentDeliveryError).permanent).toBe(true);
    expect(invalid.message).toContain("HTTP 400");
    expect(invalid.message).toContain("Event object is invalid");
    expect(invalid.message).not.toContain(ROUTING_KEY);

    respond = (_req, res) => json(res, 429, { status: "throttle event", message: "Requests for this service are arriving too quickly." });
    const throttled = await rejection(pagerduty().send(MESSAGE, never()));
    expect(throttled).toBeInstanceOf(RetryableDeliveryError);
    expect(throttled.message).toContain("HTTP 429");

    respond = (_req, res) => text(res, 503, "Service Unavailable");
    expect(await rejection(pagerduty().send(MESSAGE, never()))).toBeInstanceOf(RetryableDeliveryError);

    respond = (_req, res) => text(res, 202, "<html>captive portal</html>");
    const odd = await rejection(pagerduty().send(MESSAGE, never()));
    expect(odd).toBeInstanceOf(RetryableDeliveryError);
    expect(odd.message).toContain('without status "success"');
  });
});

// ---------------------------------------------------------------- email

/** The header block of a raw message, unfolded, as name (lower case) → value. */
function headersOf(raw: string): Map<string, string> {
  const head = raw.slice(0, raw.indexOf("\r\n\r\n")).replace(/\r\n[ \t]+/g, " ");
  const out = new Map<string, string>();
  for (const line of head.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) out.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return out;
}

/** The decoded body of the first part with this content type (quoted-printable or 7bit). */
function partOf(raw: string, contentType: string): string {
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(raw)?.[1];
  if (!boundary) throw new Error("not multipart");
  const part = raw.split(`--${boundary}`).find((p) => new RegExp(`Content-Type: ${contentType}`, "i").test(p));
  if (!part) throw new Error(`no ${contentType} part`);
  const headerEnd = part.indexOf("\r\n\r\n");
  const encoding = /Content-Transfer-Encoding: ([\w-]+)/i.exec(part.slice(0, headerEnd))?.[1]?.toLowerCase();
  const body = part.slice(headerEnd + 4).replace(/\r\n$/, "");
  if (encoding !== "quoted-printable") return body.replace(/\r\n/g, "\n");
  const bytes = body.replace(/=\r\n/g, "").replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8").replace(/\r\n/g, "\n");
}

function mailer(overrides: { timeoutMs?: number; port?: number; to?: string[] } = {}) {
  return new SmtpEmailSender({
    server: { host: "127.0.0.1", port: overrides.port ?? smtpPort, secure: false, user: null, pass: null },
    from: '"Interlock" <interlock@example.com>',
    to: overrides.to ?? ["sre@example.com", "oncall@example.com"],
    timeoutMs: overrides.timeoutMs ?? 5_000,
  });
}

describe("SmtpEmailSender", () => {
  it("delivers subject, from, to and a text body with fields and links, plus an escaped HTML alternative", async () => {
    const sender = mailer();
    try {
      await sender.send(MESSAGE, never());
    } finally {
      sender.close();
    }
    expect(mails).toHaveLength(1);
    const mail = mails[0] as ReceivedMail;
    expect(mail.from).toBe("interlock@example.com");
    expect(mail.to).toEqual(["sre@example.com", "oncall@example.com"]);

    const headers = headersOf(mail.raw);
    expect(headers.get("subject")).toBe("[Interlock] ERROR Safety gate failed: error budget");
    expect(headers.get("from")).toBe("Interlock <interlock@example.com>");
    expect(headers.get("to")).toBe("sre@example.com, oncall@example.com");
    expect(headers.get("x-interlock-template")).toBe("safety_gate_failed");
    expect(headers.get("content-type")).toMatch(/^multipart\/alternative/);

    const plain = partOf(mail.raw, "text/plain");
    expect(plain).toContain(MESSAGE.body);
    expect(plain).toContain("Gate: error_budget\nObserved: 2.5%\nThreshold: 2.0%");
    expect(plain).toContain("Approve: https://interlock.example/operations/op-1/approve\nReject: https://interlock.example/operations/op-1/reject");
    expect(plain).toContain("Correlation: INC-2026-001");

    const html = partOf(mail.raw, "text/html");
    expect(html).toContain("&lt;payment-service&gt; &amp; its callers");
    expect(html).not.toContain("<payment-service>");
    expect(html).toContain('<a href="https://interlock.example/operations/op-1/approve">Approve</a>');
  });

  it("reuses one transport for several messages", async () => {
    const sender = mailer({ to: ["sre@example.com"] });
    try {
      await Promise.all([sender.send(message({ title: "one" }), never()), sender.send(message({ title: "two" }), never())]);
      await sender.send(message({ title: "three" }), never());
    } finally {
      sender.close();
    }
    expect(mails.map((m) => headersOf(m.raw).get("subject")).sort()).toEqual(["[Interlock] ERROR one", "[Interlock] ERROR three", "[Interlock] ERROR two"]);
  });

  it("keeps a title with line breaks on one subject line", async () => {
    const sender = mailer({ to: ["sre@example.com"] });
    try {
      await sender.send(message({ severity: "CRITICAL", title: "Operation failed\r\nBcc: victim@example.com" }), never());
    } finally {
      sender.close();
    }
    const headers = headersOf(mails[0]?.raw ?? "");
    expect(headers.get("subject")).toBe("[Interlock] CRITICAL Operation failed Bcc: victim@example.com");
    expect(headers.has("bcc")).toBe(false);
    expect(mails[0]?.to).toEqual(["sre@example.com"]);
  });

  it("treats a 5xx reply as permanent and a 4xx reply or refused connection as retryable, with the SMTP message", async () => {
    const sender = mailer();
    try {
      rcptError = smtpError("Mailbox unavailable", 550);
      const refused = await rejection(sender.send(MESSAGE, never()));
      expect(refused).toBeInstanceOf(PermanentDeliveryError);
      expect((refused as PermanentDeliveryError).status).toBe(550);
      expect(refused.message).toMatch(/^SMTP delivery failed: .*Mailbox unavailable/);

      rcptError = null;
      dataMode = "fail-451";
      const later = await rejection(sender.send(MESSAGE, never()));
      expect(later).toBeInstanceOf(RetryableDeliveryError);
      expect(later.message).toContain("local error in processing");
    } finally {
      sender.close();
    }

    const nobody = mailer({ port: await closedPort() });
    try {
      const error = await rejection(nobody.send(MESSAGE, never()));
      expect(error).toBeInstanceOf(RetryableDeliveryError);
      expect(error.message).toContain("ECONNREFUSED");
    } finally {
      nobody.close();
    }
  });

  it("gives up after its own timeout and at once when the caller's signal aborts", async () => {
    dataMode = "hang";
    const sender = mailer({ timeoutMs: 300 });
    try {
      const timedOut = await rejection(sender.send(MESSAGE, never()));
      expect(timedOut).toBeInstanceOf(RetryableDeliveryError);
      expect(timedOut.message).toBe("SMTP delivery failed: no answer within 300 ms");

      const patient = mailer({ timeoutMs: 30_000 });
      try {
        const controller = new AbortController();
        const reason = new Error("shutting down");
        const pending = rejection(patient.send(MESSAGE, controller.signal));
        // Abort once the server holds the message, so it can never be accepted later.
        const hungBefore = hung;
        await expect.poll(() => hung, { timeout: 5_000, interval: 10 }).toBeGreaterThan(hungBefore);
        controller.abort(reason);
        expect(await pending).toBe(reason);
      } finally {
        patient.close();
      }
    } finally {
      sender.close();
    }
  });
});

// ---------------------------------------------------------------- configuration

describe("notifyChannelsFromEnv", () => {
  it("configures nothing when nothing is set, and treats empty variables as unset", () => {
    expect(notifyChannelsFromEnv({})).toEqual({ senders: [], describe: [], slack: null });
    expect(notifyChannelsFromEnv({ SLACK_WEBHOOK_URL: "", SMTP_URL: " ", NOTIFY_TIMEOUT_MS: "", SLACK_SIGNING_SECRET: "" })).toEqual({ senders: [], describe: [], slack: null });
  });

  it("turns on Slack interactivity with a signing secret: response_url on hooks.slack.com unless other origins are listed (docs/slack.md)", () => {
    const secret = "0123456789abcdef0123456789abcdef";
    expect(notifyChannelsFromEnv({ SLACK_SIGNING_SECRET: secret }).slack).toEqual({ signingSecret: secret, responseUrlOrigins: ["https://hooks.slack.com"] });
    expect(notifyChannelsFromEnv({ SLACK_SIGNING_SECRET: secret, SLACK_RESPONSE_URL_ORIGINS: "https://hooks.slack.com, http://127.0.0.1:4567" }).slack?.responseUrlOrigins).toEqual(["https://hooks.slack.com", "http://127.0.0.1:4567"]);
    for (const bad of ["http://hooks.slack.com", "https://hooks.slack.com/actions", "not an origin"]) {
      expect(() => notifyChannelsFromEnv({ SLACK_SIGNING_SECRET: secret, SLACK_RESPONSE_URL_ORIGINS: bad }), bad).toThrow(/SLACK_RESPONSE_URL_ORIGINS/);
    }
    const error = (() => {
      try {
        notifyChannelsFromEnv({ SLACK_SIGNING_SECRET: "SHORTSECRET" });
      } catch (e) {
        return e as Error;
      }
      throw new Error("accepted a short secret");
    })();
    expect(error.message).toMatch(/SLACK_SIGNING_SECRET/);
    expect(error.message).not.toContain("SHORTSECRET");
  });

  it("builds every configured channel and describes each by host only", async () => {
    const channels = notifyChannelsFromEnv({
      SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX",
      TEAMS_WEBHOOK_URL: "https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=TEAMSSECRET",
      SMTP_URL: "smtps://alerts%40example.com:SMTPSECRET@smtp.example.com",
      SMTP_TO: "sre@example.com, Oncall <oncall@example.com>",
      PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
      UNRELATED: "ignored",
    });
    expect(channels.senders.map((s) => s.channel)).toEqual(["SLACK", "TEAMS", "EMAIL", "PAGERDUTY"]);
    expect(channels.senders[0]).toBeInstanceOf(SlackWebhookSender);
    expect(channels.senders[1]).toBeInstanceOf(TeamsWebhookSender);
    expect(channels.senders[2]).toBeInstanceOf(SmtpEmailSender);
    expect(channels.senders[3]).toBeInstanceOf(PagerDutyEventsSender);
    expect(channels.describe).toEqual([
      { channel: "SLACK", target: "hooks.slack.com" },
      { channel: "TEAMS", target: "prod-01.westeurope.logic.azure.com" },
      { channel: "EMAIL", target: "smtp.example.com:465" },
      { channel: "PAGERDUTY", target: "events.pagerduty.com" },
    ]);
    const described = JSON.stringify(channels.describe);
    for (const secret of ["XXXXSECRETXXXX", "TEAMSSECRET", "SMTPSECRET", ROUTING_KEY]) expect(described).not.toContain(secret);
    (channels.senders[2] as SmtpEmailSender).close();
  });

  it("names a bad webhook URL without echoing it; http is allowed only for localhost", () => {
    for (const value of ["http://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX", "not a url XXXXSECRETXXXX", "ftp://127.0.0.1/XXXXSECRETXXXX"]) {
      const error = (() => {
        try {
          notifyChannelsFromEnv({ SLACK_WEBHOOK_URL: value });
        } catch (e) {
          return e as Error;
        }
        throw new Error(`accepted ${value}`);
      })();
      expect(error.message).toContain("SLACK_WEBHOOK_URL: must be an https:// URL");
      expect(error.message).not.toContain("XXXXSECRETXXXX");
      expect(error.message).not.toContain("hooks.slack.com");
    }
    expect(() => notifyChannelsFromEnv({ TEAMS_WEBHOOK_URL: "http://teams.example.com/x?sig=SIGSECRET" })).toThrow(/TEAMS_WEBHOOK_URL/);
    expect(() => notifyChannelsFromEnv({ PAGERDUTY_ROUTING_KEY: ROUTING_KEY, PAGERDUTY_EVENTS_URL: "http://events.example.com/v2/enqueue" })).toThrow(/PAGERDUTY_EVENTS_URL/);
    expect(notifyChannelsFromEnv({ SLACK_WEBHOOK_URL: "http://localhost:9999/hook" }).describe).toEqual([{ channel: "SLACK", target: "localhost:9999" }]);
    expect(notifyChannelsFromEnv({ TEAMS_WEBHOOK_URL: "http://127.0.0.1:9999/hook" }).describe).toEqual([{ channel: "TEAMS", target: "127.0.0.1:9999" }]);
  });

  it("refuses SMTP_URL without SMTP_TO, a bad SMTP_URL or address, and never echoes the password", () => {
    expect(() => notifyChannelsFromEnv({ SMTP_URL: "smtp://127.0.0.1:2525", SMTP_FROM: "interlock@example.com" })).toThrow(/SMTP_TO: is required when SMTP_URL is set/);
    expect(() => notifyChannelsFromEnv({ SMTP_URL: "smtp://relay.example.com:25", SMTP_TO: "sre@example.com" })).toThrow(/SMTP_FROM: is required/);

    let error: Error | null = null;
    try {
      notifyChannelsFromEnv({ SMTP_URL: "https://user:PASSWORDSECRET@smtp.example.com", SMTP_TO: "sre@example.com", SMTP_FROM: "a@example.com" });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toContain("SMTP_URL: must be smtp://");
    expect(error?.message).not.toContain("PASSWORDSECRET");

    expect(() => notifyChannelsFromEnv({ SMTP_URL: "smtp://127.0.0.1:2525", SMTP_FROM: "a@example.com", SMTP_TO: "sre@example.com,, not-an-address" })).toThrow(/SMTP_TO: must be one or more email addresses/);
    expect(() => notifyChannelsFromEnv({ SMTP_URL: "smtp://127.0.0.1:2525", SMTP_FROM: "a@example.com, b@example.com", SMTP_TO: "sre@example.com" })).toThrow(/SMTP_FROM: must be one email address/);
  });

  it("checks the routing key and the timeout, naming each bad variable", () => {
    let error: Error | null = null;
    try {
      notifyChannelsFromEnv({ PAGERDUTY_ROUTING_KEY: "SHORTKEYSECRET", NOTIFY_TIMEOUT_MS: "soon" });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toContain("PAGERDUTY_ROUTING_KEY: must be the 32-character integration (routing) key");
    expect(error?.message).toContain("NOTIFY_TIMEOUT_MS: must be a number");
    expect(error?.message).not.toContain("SHORTKEYSECRET");
    expect(() => notifyChannelsFromEnv({ NOTIFY_TIMEOUT_MS: "10" })).toThrow(/NOTIFY_TIMEOUT_MS: must be at least 100/);
  });

  it("parses SMTP URLs with their default ports and percent-encoded credentials", () => {
    expect(parseSmtpUrl("smtp://relay.example.com")).toEqual({ host: "relay.example.com", port: 587, secure: false, user: null, pass: null });
    expect(parseSmtpUrl("smtps://a%40b.com:p%3Ass@smtp.example.com")).toEqual({ host: "smtp.example.com", port: 465, secure: true, user: "a@b.com", pass: "p:ss" });
    expect(parseSmtpUrl("smtp://[::1]:2525")).toEqual({ host: "::1", port: 2525, secure: false, user: null, pass: null });
    expect(parseSmtpUrl("smtp://relay.example.com/path")).toBeNull();
    expect(parseSmtpUrl("smtp://relay.example.com?secure=true")).toBeNull();
    expect(parseSmtpUrl("mailto:sre@example.com")).toBeNull();
  });

  it("sends through the configured channels end to end, with SMTP credentials and its own NOTIFY_TIMEOUT_MS", async () => {
    const channels = notifyChannelsFromEnv({
      SLACK_WEBHOOK_URL: `${baseUrl}/slack/services/T/B/${SLACK_SECRET}`,
      TEAMS_WEBHOOK_URL: `${baseUrl}/teams/hook`,
      SMTP_URL: `smtp://alerts%40example.com:s3cret-pass@127.0.0.1:${smtpPort}`,
      SMTP_TO: "sre@example.com",
      PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
      PAGERDUTY_EVENTS_URL: `${baseUrl}/pagerduty/v2/enqueue`,
      NOTIFY_TIMEOUT_MS: "250",
    });
    try {
      for (const sender of channels.senders) await sender.send(MESSAGE, never());
      expect(received.map((r) => r.path)).toEqual([`/slack/services/T/B/${SLACK_SECRET}`, "/teams/hook", "/pagerduty/v2/enqueue"]);
      expect(auths).toEqual([{ username: "alerts@example.com", password: "s3cret-pass" }]);
      expect(mails).toHaveLength(1);
      // SMTP_FROM unset: the SMTP user name, an address, is the sender.
      expect(mails[0]?.from).toBe("alerts@example.com");
      expect(mails[0]?.user).toBe("alerts@example.com");

      respond = () => {}; // never answers
      for (const sender of channels.senders.filter((s) => s.channel !== "EMAIL")) {
        const error = await rejection(sender.send(MESSAGE, never()));
        expect(error).toBeInstanceOf(RetryableDeliveryError);
        expect(error.message).toContain("no answer within 250 ms");
      }
    } finally {
      for (const sender of channels.senders) if (sender instanceof SmtpEmailSender) sender.close();
    }
  });
});
