// The incident timeline's orchestrator stages are read off the operation's
// own record: its transitions and executor steps, with their recorded times.
import { describe, expect, it } from "vitest";
import type { ExecutionStep } from "../../server/core/executors/ports";
import type { OperationRecord, TransitionRecord } from "../../server/core/operations/ports";
import { derivedStages } from "./run-self-healing";
import { reviewRequestedIn } from "../../server/core/operations/review-evidence";

const t = (s: number) => new Date(Date.UTC(2026, 10, 23, 12, 0, s));
const op = (state: OperationRecord["state"], extra: Partial<OperationRecord> = {}) => ({ id: "op-1", state, result: null, reason: null, createdAt: t(0), finishedAt: null, ...extra }) as OperationRecord;
const moves = (...steps: [string, number, string?, Record<string, unknown>?][]): TransitionRecord[] =>
  steps.map(([to, s, actor], i) => ({ from: i === 0 ? "INIT" : steps[i - 1]![0], to, version: i + 1, actor: actor ?? "system", at: t(s), metadata: (steps[i]![3] ?? {}) as TransitionRecord["metadata"] }));

describe("derivedStages", () => {
  it("reads locks, gates, a review and each canary step with their recorded times", () => {
    const transitions = moves(["LOCKED", 1], ["SAFETY_CHECK", 1], ["PAUSED_FOR_HUMAN_REVIEW", 2], ["IN_PROGRESS", 9, "approver@x"], ["COMPLETED", 20]);
    const steps: ExecutionStep[] = [
      { name: "canary 10%", startedAt: t(9).toISOString(), endedAt: t(14).toISOString(), outcome: "PASSED", detail: { trafficPct: 10, verdict: "PROMOTE", ignored: 1 } },
      { name: "promote", startedAt: t(19).toISOString(), endedAt: t(20).toISOString(), outcome: "PASSED", detail: { summary: "live" } },
    ];
    const stages = derivedStages(op("COMPLETED", { finishedAt: t(20) }), transitions, steps, "remediation");
    expect(stages.map((s) => [s.stage, s.outcome, (s.endedAt.getTime() - s.startedAt.getTime()) / 1000])).toEqual([
      ["conflict_check_and_locks", "LOCKED", 1],
      ["safety_gates", "PAUSED", 1],
      ["human_review", "APPROVED", 7],
      ["canary_10%", "PASSED", 5],
      ["promote", "PASSED", 1],
    ]);
    expect(stages[2]!.detail).toEqual({ decidedBy: "approver@x" });
    expect(stages[3]!.detail).toEqual({ trafficPct: 10, verdict: "PROMOTE" });
  });

  it("shows a change stopped at the gates or by a conflict, and nothing for what has not happened yet", () => {
    const blocked = derivedStages(op("FAILED", { result: "BLOCKED_BY_GATE", reason: "Error budget exhausted" }), moves(["LOCKED", 1], ["SAFETY_CHECK", 1], ["FAILED", 2, "system", { result: "BLOCKED_BY_GATE", reason: "Error budget exhausted" }]), [], "remediation");
    expect(blocked.map((s) => [s.stage, s.outcome])).toEqual([["conflict_check_and_locks", "LOCKED"], ["safety_gates", "BLOCKED_BY_GATE"]]);
    const conflict = derivedStages(op("FAILED", { result: "BLOCKED_BY_CONFLICT", reason: "DIRECT" }), moves(["FAILED", 1]), [], "remediation");
    expect(conflict.map((s) => [s.stage, s.outcome])).toEqual([["conflict_check_and_locks", "BLOCKED_BY_CONFLICT"]]);
    expect(derivedStages(op("INIT"), [], [], "remediation")).toEqual([]);
    // A verification or rollback is one stage, once it has finished.
    expect(derivedStages(op("IN_PROGRESS"), moves(["LOCKED", 1]), [], "verification")).toEqual([]);
    expect(derivedStages(op("FAILED", { finishedAt: t(4), reason: "error rate 6% is above 2%" }), [], [], "verification").map((s) => [s.stage, s.outcome])).toEqual([["verification", "FAILED"]]);
  });
});

describe("reviewRequestedIn", () => {
  it("takes a reason (or true) from params.reviewRequired; anything else asks for no review", () => {
    expect(reviewRequestedIn({ reviewRequired: "  on-call wants to watch  " })).toBe("on-call wants to watch");
    expect(reviewRequestedIn({ reviewRequired: true })).toBe("the submitter asked for a review");
    for (const value of [false, "", "   ", 1, null]) expect(reviewRequestedIn({ reviewRequired: value })).toBeNull();
    expect(reviewRequestedIn({})).toBeNull();
    expect(reviewRequestedIn({ reviewRequired: "x".repeat(900) })!.length).toBe(500);
  });
});
