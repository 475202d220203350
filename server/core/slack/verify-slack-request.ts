import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { AppError } from "../errors";

// Slack signs every request it sends an app (docs/slack.md#verification):
// X-Slack-Signature is "v0=" followed by the hex HMAC-SHA256, keyed with the
// app's signing secret, of "v0:" + X-Slack-Request-Timestamp + ":" + the raw
// body, and the timestamp (Unix seconds) is within five minutes of now. The
// check runs on the bytes as received, before anything parses them.

/** How far a request's timestamp may be from now, either way (Slack's own advice: five minutes). */
export const SLACK_TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

const SIGNATURE = /^v0=[0-9a-f]{64}$/;

export type SlackVerificationProblem = "missing_timestamp" | "stale_timestamp" | "missing_signature" | "bad_signature";

function refused(problem: SlackVerificationProblem, message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError("UNAUTHENTICATED", message, { problem, ...details });
}

/** The signature Slack sends for `body` at `timestamp` (seconds): what verification recomputes, and what tests sign with. */
export function slackSignature(secret: string, timestamp: string, body: Uint8Array | string): string {
  const hmac = createHmac("sha256", secret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(typeof body === "string" ? Buffer.from(body, "utf8") : body);
  return `v0=${hmac.digest("hex")}`;
}

/**
 * Checks the timestamp, then the signature (compared in constant time).
 * Throws UNAUTHENTICATED naming the problem; returns the SHA-256 of the
 * signature, the key under which the request is remembered against replays.
 */
export function verifySlackRequest(input: { secret: string; timestamp: string | null; signature: string | null; body: Uint8Array; now: Date }): { signatureHash: string; timestamp: Date } {
  const { secret, timestamp, signature, body, now } = input;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp.trim())) {
    throw refused("missing_timestamp", "The request has no valid X-Slack-Request-Timestamp header; Slack sends one with every request");
  }
  const seconds = Number(timestamp.trim());
  const skew = Math.abs(now.getTime() / 1000 - seconds);
  if (skew > SLACK_TIMESTAMP_TOLERANCE_SECONDS) {
    throw refused("stale_timestamp", `The request's timestamp is ${Math.round(skew)} s from now, more than the ${SLACK_TIMESTAMP_TOLERANCE_SECONDS} s allowed: it is refused as a possible replay (check this server's clock if Slack's requests keep failing)`, {
      toleranceSeconds: SLACK_TIMESTAMP_TOLERANCE_SECONDS,
    });
  }
  if (!signature || !SIGNATURE.test(signature.trim())) {
    throw refused("missing_signature", "The request has no valid X-Slack-Signature header (v0=<64 hex digits>)");
  }
  const expected = Buffer.from(slackSignature(secret, timestamp.trim(), body), "utf8");
  const given = Buffer.from(signature.trim(), "utf8");
  // Both are "v0=" + 64 hex digits here, so the lengths match and the compare takes the same time whatever differs.
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw refused("bad_signature", "The request's X-Slack-Signature does not match its body and timestamp under this app's signing secret");
  }
  return { signatureHash: createHash("sha256").update(given).digest("hex"), timestamp: new Date(seconds * 1000) };
}
