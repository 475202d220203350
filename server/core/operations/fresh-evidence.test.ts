import { describe, expect, it } from "vitest";
import type { JsonValue } from "../audit/types";
import { compareEvidence } from "./fresh-evidence";

type Evidence = { [key: string]: JsonValue };
const conflict = (type: string, action: string, other: string) => ({ type, action, explanation: `${type} with ${other}`, conflictingOperationIds: [other] });
const gate = (name: string, passed: boolean, threshold = 2) => ({ gate: name, passed, skipped: false, observed: 1, threshold, unit: "%", reason: `${name} ${passed ? "ok" : "fails"}` });
const evidence = (over: Partial<{ conflicts: unknown[]; gates: unknown[]; score: number }> = {}): Evidence =>
  ({ conflicts: over.conflicts ?? [], gates: over.gates ?? [gate("ERROR_BUDGET", true)], blastRadius: { score: over.score ?? 3 } }) as Evidence;

describe("compareEvidence (docs/lifecycle.md: fresh evidence at decision time)", () => {
  it("the same evidence: no change", () => {
    expect(compareEvidence(evidence(), evidence())).toEqual({ changes: [], worse: false });
  });

  it("a new conflict is worse, unless it only orders work (QUEUE, DELAY)", () => {
    const dep = compareEvidence(evidence(), evidence({ conflicts: [conflict("DEPENDENCY", "PAUSE_FOR_REVIEW", "op-9")] }));
    expect(dep.worse).toBe(true);
    expect(dep.changes).toEqual(["New DEPENDENCY conflict (PAUSE_FOR_REVIEW): DEPENDENCY with op-9"]);
    expect(compareEvidence(evidence(), evidence({ conflicts: [conflict("DIRECT", "QUEUE", "op-1"), conflict("TIMING", "DELAY", "op-2")] })).worse).toBe(false);
    const gone = compareEvidence(evidence({ conflicts: [conflict("DEPENDENCY", "PAUSE_FOR_REVIEW", "op-9")] }), evidence());
    expect(gone).toEqual({ changes: ["No longer a DEPENDENCY conflict: DEPENDENCY with op-9"], worse: false });
  });

  it("a gate now failing is worse; a tightened threshold is named; a gate now passing is better", () => {
    const tightened = compareEvidence(evidence(), evidence({ gates: [gate("ERROR_BUDGET", false, 0.1)] }));
    expect(tightened.worse).toBe(true);
    expect(tightened.changes).toEqual(["ERROR_BUDGET now fails: ERROR_BUDGET fails", "ERROR_BUDGET threshold changed from 2 to 0.1 %"]);
    expect(compareEvidence(evidence({ gates: [gate("ERROR_BUDGET", false)] }), evidence()).worse).toBe(false);
  });

  it("a larger blast radius is worse, a smaller one is not", () => {
    expect(compareEvidence(evidence({ score: 3 }), evidence({ score: 4.5 }))).toEqual({ changes: ["Blast radius grew from 3 to 4.5"], worse: true });
    expect(compareEvidence(evidence({ score: 3 }), evidence({ score: 2 })).worse).toBe(false);
  });
});
