import { describe, expect, it } from "vitest";
import { isAppError } from "../errors";
import { ALLOWED_TRANSITIONS, planTransition } from "./state-machine";
import { OPERATION_STATES, type OperationState } from "./types";

const at = new Date("2026-01-15T10:30:00Z");

describe("the state machine", () => {
  it("allows exactly the documented table", () => {
    // Written out again from docs/specification.md#state-machine so that a change to the table fails here.
    const seed: Record<OperationState, OperationState[]> = {
      INIT: ["LOCKED", "FAILED", "CANCELLED"],
      LOCKED: ["SAFETY_CHECK", "FAILED", "CANCELLED"],
      SAFETY_CHECK: ["IN_PROGRESS", "PAUSED_FOR_HUMAN_REVIEW", "FAILED", "CANCELLED"],
      IN_PROGRESS: ["COMPLETED", "PAUSED_FOR_HUMAN_REVIEW", "FAILED", "ROLLED_BACK"],
      PAUSED_FOR_HUMAN_REVIEW: ["IN_PROGRESS", "FAILED", "CANCELLED"],
      COMPLETED: [],
      FAILED: ["ROLLED_BACK"],
      ROLLED_BACK: [],
      CANCELLED: [],
    };
    for (const from of OPERATION_STATES) {
      for (const to of OPERATION_STATES) {
        const allowed = seed[from].includes(to);
        const attempt = () => planTransition({ id: "op-1", state: from, version: 3 }, to, { actor: "system", at });
        if (allowed) expect(attempt()).toMatchObject({ from, to, version: 4 });
        else expect(attempt, `${from} → ${to}`).toThrow();
      }
    }
    expect(Object.keys(ALLOWED_TRANSITIONS).sort()).toEqual([...OPERATION_STATES].sort());
  });

  it("names the state it was in and the one asked for when it refuses", () => {
    try {
      planTransition({ id: "op-9", state: "IN_PROGRESS", version: 7 }, "CANCELLED", { actor: "alice@example.com", at });
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error) && error.code).toBe("INVALID_TRANSITION");
      expect((error as Error).message).toContain("IN_PROGRESS");
      expect((error as Error).message).toContain("CANCELLED");
      expect((error as { details: unknown }).details).toMatchObject({ from: "IN_PROGRESS", to: "CANCELLED", allowed: ["COMPLETED", "PAUSED_FOR_HUMAN_REVIEW", "FAILED", "ROLLED_BACK"] });
    }
  });

  it("says a final state is final", () => {
    expect(() => planTransition({ id: "op-2", state: "COMPLETED", version: 5 }, "FAILED", { actor: "system", at })).toThrow(/COMPLETED is final/);
  });

  it("carries actor, time and metadata into the stored transition", () => {
    const t = planTransition({ id: "op-3", state: "PAUSED_FOR_HUMAN_REVIEW", version: 4 }, "IN_PROGRESS", { actor: "alice@example.com", at, metadata: { approvalId: "APPROVE-99887" } });
    expect(t).toEqual({ from: "PAUSED_FOR_HUMAN_REVIEW", to: "IN_PROGRESS", version: 5, actor: "alice@example.com", at, metadata: { approvalId: "APPROVE-99887" } });
  });
});
