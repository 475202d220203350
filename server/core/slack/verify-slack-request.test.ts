// Slack's request signature (docs/slack.md#verification), with a request
// signed the way Slack signs it.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { decidedMessage, isAllowedResponseUrl, outcomeLine, parseSlackInteraction } from "./slack-interaction";
import { verifySlackRequest } from "./verify-slack-request";

const secret = "8f742231b10e8888abcd99yyyzzz85a5";
const body = new TextEncoder().encode("payload=%7B%22type%22%3A%22block_actions%22%7D");
const now = new Date("2026-12-07T15:00:00Z");
const ts = String(now.getTime() / 1000);
// Computed independently of the code under test: HMAC-SHA256 over "v0:<ts>:<body>".
const signed = `v0=${createHmac("sha256", secret).update(`v0:${ts}:`).update(body).digest("hex")}`;

function problemOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error instanceof AppError ? error.details.problem : error;
  }
  return "accepted";
}

describe("verifying a request from Slack", () => {
  it("accepts Slack's signature and keys the request by its hash", () => {
    const a = verifySlackRequest({ secret, timestamp: ts, signature: signed, body, now });
    expect(a.signatureHash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.timestamp.toISOString()).toBe(now.toISOString());
  });

  it("refuses a wrong signature, another body, another secret and missing headers", () => {
    expect(problemOf(() => verifySlackRequest({ secret, timestamp: ts, signature: signed.replace(/.$/, (c) => (c === "0" ? "1" : "0")), body, now }))).toBe("bad_signature");
    expect(problemOf(() => verifySlackRequest({ secret, timestamp: ts, signature: signed, body: new TextEncoder().encode("payload=%7B%7D"), now }))).toBe("bad_signature");
    expect(problemOf(() => verifySlackRequest({ secret: "another-secret-0123456789", timestamp: ts, signature: signed, body, now }))).toBe("bad_signature");
    expect(problemOf(() => verifySlackRequest({ secret, timestamp: ts, signature: null, body, now }))).toBe("missing_signature");
    expect(problemOf(() => verifySlackRequest({ secret, timestamp: null, signature: signed, body, now }))).toBe("missing_timestamp");
  });

  it("refuses a timestamp more than five minutes from now, either way, even when correctly signed", () => {
    for (const offset of [-301, 301, -360]) {
      const at = String(now.getTime() / 1000 + offset);
      const sig = `v0=${createHmac("sha256", secret).update(`v0:${at}:`).update(body).digest("hex")}`;
      expect(problemOf(() => verifySlackRequest({ secret, timestamp: at, signature: sig, body, now }))).toBe("stale_timestamp");
    }
    const edge = String(now.getTime() / 1000 - 299);
    const sig = `v0=${createHmac("sha256", secret).update(`v0:${edge}:`).update(body).digest("hex")}`;
    expect(problemOf(() => verifySlackRequest({ secret, timestamp: edge, signature: sig, body, now }))).toBe("accepted");
  });
});

describe("the interaction and the reply", () => {
  it("reads a block_actions payload and refuses anything else as malformed", () => {
    const payload = { type: "block_actions", user: { id: "U012ABCDEF", team_id: "T0001" }, team: { id: "T0001" }, response_url: "https://hooks.slack.com/actions/T0001/1/x", actions: [{ action_id: "interlock_review_approve", value: "v" }] };
    const parsed = parseSlackInteraction(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
    expect(parsed).toMatchObject({ slackUserId: "U012ABCDEF", slackTeamId: "T0001", actionId: "interlock_review_approve", value: "v", responseUrl: payload.response_url });
    expect(() => parseSlackInteraction("nothing=1")).toThrow(/no payload/);
    expect(() => parseSlackInteraction("payload=%7Bnot-json")).toThrow(/not JSON/);
    expect(() => parseSlackInteraction(`payload=${encodeURIComponent(JSON.stringify({ type: "view_submission" }))}`)).toThrow(/block_actions/);
  });

  it("sends to a response_url only on a listed origin", () => {
    const origins = ["https://hooks.slack.com", "http://127.0.0.1:4567"];
    expect(isAllowedResponseUrl("https://hooks.slack.com/actions/T1/2/3", origins)).toBe(true);
    expect(isAllowedResponseUrl("http://127.0.0.1:4567/r", origins)).toBe(true);
    expect(isAllowedResponseUrl("http://hooks.slack.com/actions/T1/2/3", origins)).toBe(false);
    expect(isAllowedResponseUrl("https://hooks.slack.com.evil.example/x", origins)).toBe(false);
    expect(isAllowedResponseUrl("https://user:pw@hooks.slack.com/x", origins)).toBe(false);
    expect(isAllowedResponseUrl("http://127.0.0.1:9999/r", origins)).toBe(false);
  });

  it("rewrites the message with who decided, when and the approval count, and drops the buttons once decided", () => {
    const original = [{ type: "header", text: { type: "plain_text", text: "Human review required" } }, { type: "actions", elements: [{ action_id: "interlock_review_approve" }, { action_id: "interlock_review_reject" }] }];
    const at = new Date("2026-12-07T15:04:05.123Z");
    const done = decidedMessage(original, { decision: "APPROVE", actor: "alice@example.com", at, quorum: { met: true, summary: "2 of 2 approvals" } });
    expect(done.replace_original).toBe(true);
    expect(done.text).toBe("✅ Approved by alice@example.com in Slack at 2026-12-07T15:04:05Z (2 of 2 approvals)");
    expect(done.blocks!.some((b) => b.type === "actions")).toBe(false);
    const waiting = decidedMessage(original, { decision: "APPROVE", actor: "alice@example.com", at, quorum: { met: false, summary: "1 of 2 approvals" } });
    expect(waiting.blocks!.some((b) => b.type === "actions")).toBe(true);
    expect(outcomeLine({ decision: "REJECT", actor: "bob@example.com", at, quorum: null })).toBe("⛔ Rejected by bob@example.com in Slack at 2026-12-07T15:04:05Z");
  });
});
