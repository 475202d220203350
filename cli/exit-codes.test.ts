import { describe, expect, it } from "vitest";
import { OPERATION_RESULTS } from "../lib/api/operations";
import { EXIT, exitCodeForApiError, verdictOf } from "./exit-codes";
import { detail, lease } from "./testing/fakes";

const review = (status: "PENDING" | "APPROVED" | "REJECTED" | "EXPIRED" | "CANCELLED") =>
  ({ ...detail().review, id: "5f0e6c1e-0000-4000-8000-000000000001", operationId: detail().operation.id, status, reason: "blast radius", severity: "HIGH", requestedBy: "x", evidence: {}, evidenceHash: "0".repeat(64), decidedBy: "approver@interlock.local", decidedAt: null, approvalId: null, notes: null, escalationLevel: 0, escalationPlan: [], nextEscalationAt: null, timeoutAt: null, evaluatedAt: null, createdAt: "2026-01-01T00:00:00.000Z" }) as NonNullable<ReturnType<typeof detail>["review"]>;

describe("exit code of a finished operation", () => {
  it("is null while the operation is not final", () => {
    for (const state of ["INIT", "LOCKED", "SAFETY_CHECK", "IN_PROGRESS", "PAUSED_FOR_HUMAN_REVIEW"] as const) expect(verdictOf(detail({ state }))).toBeNull();
  });

  it.each([
    ["completed", { state: "COMPLETED", result: "SUCCESS" }, {}, EXIT.OK],
    ["the command or executor failed", { state: "FAILED", result: "FAILED", reason: "deploy.sh exited with status 3" }, {}, EXIT.FAILED],
    ["rolled back after a failed canary", { state: "ROLLED_BACK", result: "ROLLED_BACK", reason: "canary analysis failed" }, {}, EXIT.FAILED],
    ["rejected by a reviewer (decide-review.ts)", { state: "FAILED", result: "FAILED", reason: "Rejected by approver@interlock.local: not during the sale" }, { review: review("REJECTED") }, EXIT.REJECTED],
    ["rejected, known from the reason alone", { state: "FAILED", result: "FAILED", reason: "Rejected by approver@interlock.local" }, {}, EXIT.REJECTED],
    ["blocked by a conflict", { state: "FAILED", result: "BLOCKED_BY_CONFLICT", reason: "…" }, {}, EXIT.BLOCKED],
    ["blocked by a gate", { state: "FAILED", result: "BLOCKED_BY_GATE", reason: "Cooldown …" }, {}, EXIT.BLOCKED],
    ["waited too long for its lock", { state: "FAILED", result: "LOCK_TIMEOUT", reason: "Waited 900 s in line" }, {}, EXIT.TIMED_OUT],
    ["its review was never answered (expire-reviews.ts)", { state: "FAILED", result: "FAILED", reason: "Review … was not answered within 60 min" }, { review: review("EXPIRED") }, EXIT.TIMED_OUT],
    ["it ran past the server's executor timeout", { state: "FAILED", result: "FAILED", reason: "external did not finish within 1800 s and was stopped" }, { lease: lease({ state: "REVOKED" }) }, EXIT.TIMED_OUT],
    ["its lease expired", { state: "FAILED", result: "FAILED", reason: "no heartbeat" }, { lease: lease({ state: "EXPIRED" }) }, EXIT.TIMED_OUT],
    ["cancelled", { state: "CANCELLED", result: "CANCELLED", reason: "superseded by 1.4.3" }, {}, EXIT.CANCELLED],
    ["superseded before it started", { state: "CANCELLED", result: "SUPERSEDED" }, {}, EXIT.CANCELLED],
    ["preempted by a rollback while it ran", { state: "FAILED", result: "SUPERSEDED", preemptedBy: "1b7c1a52-3f0e-4c55-9a55-2d8e1d3c9f10" }, {}, EXIT.CANCELLED],
    ["aborted by a person and rolled back", { state: "ROLLED_BACK", result: "ROLLED_BACK", reason: "Aborted by approver@interlock.local: wrong build; canary withdrawn" }, {}, EXIT.CANCELLED],
    ["its lease revoked", { state: "FAILED", result: "FAILED", reason: "lease revoked" }, { lease: lease({ state: "REVOKED" }) }, EXIT.CANCELLED],
  ] as const)("%s", (_name, op, rest, code) => {
    expect(verdictOf(detail(op as never, rest as never))?.code).toBe(code);
  });

  it("knows an abort from the transition's metadata too", () => {
    const d = detail({ state: "FAILED", result: "FAILED", reason: "stopped" }, { transitions: [{ version: 5, from: "IN_PROGRESS", to: "FAILED", actor: "approver@interlock.local", at: "2026-01-01T00:00:00.000Z", metadata: { abortedBy: "approver@interlock.local" } }] });
    expect(verdictOf(d)?.code).toBe(EXIT.CANCELLED);
  });

  it("has a code for every final result the API can give", () => {
    for (const result of OPERATION_RESULTS) {
      const code = verdictOf(detail({ state: result === "SUCCESS" ? "COMPLETED" : "FAILED", result }))?.code;
      expect(Object.values(EXIT)).toContain(code);
    }
  });

  it("maps refused requests: a lock timeout is a timeout, the rest the API's refusal", () => {
    expect(exitCodeForApiError("LOCK_TIMEOUT")).toBe(EXIT.TIMED_OUT);
    expect(exitCodeForApiError("FORBIDDEN")).toBe(EXIT.API);
    expect(exitCodeForApiError("VALIDATION_FAILED")).toBe(EXIT.API);
  });
});
