// The review request's Slack message (docs/slack.md#the-message): with
// interactivity, Approve and Reject are buttons that post back to Interlock,
// each behind Slack's confirmation dialog and carrying the operation and the
// evidence hash shown; without it, the same labels link to the console.
import { describe, expect, it } from "vitest";
import type { OperationDetail } from "../../core/operations/get-operation-detail";
import { humanReviewRequiredMessage } from "../../core/notify/templates";
import { decodeReviewButtonValue, SLACK_REVIEW_ACTIONS } from "../../core/slack/slack-interaction";
import { slackPayload } from "./slack-webhook-sender";

const opId = "0193a7a0-0000-7000-8000-000000000001";
const hash = "ab".repeat(32);

function pausedDetail(): OperationDetail {
  return {
    operation: {
      id: opId, type: "DEPLOYMENT", service: "order-service", state: "PAUSED_FOR_HUMAN_REVIEW", result: null, actor: "operator@interlock.local", actorKind: "HUMAN",
      correlationId: "corr-1", incidentId: null, source: "API", execution: "internal", leaseSeconds: null, idempotencyKey: null, params: {}, version: 4, priority: 2,
      attempt: 1, resumes: 0, queuedAt: null, control: null, preemptedBy: null, reason: "blast radius 27 % over the 20 % gate", error: null,
      createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-01T00:00:00.000Z", startedAt: null, finishedAt: null,
    },
    lockKeys: [], conflictCheck: null, outcome: null, transitions: [], steps: [], gateResults: [], conflicts: [],
    review: {
      id: "0193a7a0-0000-7000-8000-0000000000aa", operationId: opId, status: "PENDING", reason: "blast radius 27 % over the 20 % gate", severity: "HIGH",
      requestedBy: "operator@interlock.local", evidence: {}, evidenceHash: hash, decidedBy: null, decidedAt: null, approvalId: null, notes: null,
      escalationLevel: 0, escalationPlan: [], nextEscalationAt: null, timeoutAt: null, evaluatedAt: null, createdAt: "2026-01-01T00:00:00.000Z",
    },
    auditEvents: [], auditEventsTruncated: false, lease: null, locks: [],
  } as unknown as OperationDetail;
}

type Element = { type: string; action_id?: string; value?: string; url?: string; style?: string; confirm?: Record<string, { type: string; text: string } | string> };

describe("the review request in Slack", () => {
  const message = humanReviewRequiredMessage(pausedDetail(), { baseUrl: "https://interlock.example.com" });

  it("carries Approve (primary) and Reject (danger) buttons, each with a confirmation dialog and the operation and evidence hash shown", () => {
    const payload = slackPayload(message, { interactive: true });
    const elements = payload.blocks.filter((b) => b.type === "actions").flatMap((b) => b.elements as Element[]);
    const approve = elements.find((e) => e.action_id === SLACK_REVIEW_ACTIONS.APPROVE)!;
    const reject = elements.find((e) => e.action_id === SLACK_REVIEW_ACTIONS.REJECT)!;
    expect(approve).toMatchObject({ type: "button", style: "primary" });
    expect(reject).toMatchObject({ type: "button", style: "danger" });
    for (const [button, confirmLabel] of [[approve, "Approve"], [reject, "Reject"]] as const) {
      expect(button.url).toBeUndefined();
      expect(decodeReviewButtonValue(button.value)).toEqual({ operationId: opId, evidenceHash: hash });
      const confirm = button.confirm as Record<string, { type: string; text: string }>;
      expect(confirm.title!.type).toBe("plain_text");
      expect(confirm.title!.text.length).toBeLessThanOrEqual(100);
      expect(confirm.text!.text.length).toBeLessThanOrEqual(300);
      expect(confirm.confirm!.text).toBe(confirmLabel);
      expect(confirm.deny!.text).toBe("Cancel");
    }
    // The console link stays, as a link; the summary and the text fallback too.
    expect(elements.find((e) => e.url === `https://interlock.example.com/approvals/${opId}`)).toBeTruthy();
    expect(payload.text).toContain("Human review required");
    expect(JSON.stringify(payload.blocks)).toContain("blast radius 27 %");
  });

  it("without a signing secret, Approve and Reject stay links to the console", () => {
    const payload = slackPayload(message);
    const elements = payload.blocks.filter((b) => b.type === "actions").flatMap((b) => b.elements as Element[]);
    expect(elements.some((e) => e.action_id === SLACK_REVIEW_ACTIONS.APPROVE || e.confirm)).toBe(false);
    expect(elements.map((e) => e.url)).toContain(`https://interlock.example.com/approvals/${opId}?decision=approve`);
  });
});
