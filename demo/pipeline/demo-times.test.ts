import { describe, expect, it } from "vitest";
import { decisionMs, demoTimes, formatSpan, simulatedAndWall } from "./demo-times";

const at = (ms: number) => new Date(Date.UTC(2026, 2, 10, 12, 0, 0) + ms);

describe("demoTimes", () => {
  it("states 28.4 s of wall time at scale 60 as 28 min 24 s of simulated time, and compares only that with 45 min by hand", () => {
    const times = demoTimes({ wallMs: 28_400, timeScale: 60, manualMttrMinutes: 45, orchestratorMs: 84, operations: 2 });
    expect(times).toMatchObject({ timeScale: 60, wallMs: 28_400, simulatedMs: 1_704_000, manualMs: 2_700_000, differenceMs: 996_000, manualRatio: 1.58, orchestratorMs: 84, operations: 2 });
    expect(times.text.mttr).toBe("28 min 24 s of simulated time, run 60× faster: 28.4 s of wall time");
    expect(times.text.versusManual).toBe("against 45 min by hand: 16 min 36 s less (the manual baseline is 1.6× as long)");
    // Interlock's own share is real time, stated apart and in no ratio.
    expect(times.text.orchestrator).toBe("84 ms of real time deciding (conflict checks, locks, gates) for 2 operations, not scaled");
    expect(`${times.text.versusManual} ${times.text.orchestrator}`).not.toMatch(/faster/);
  });

  it("says when the run took longer than the baseline, and leaves a ratio out of an MTTR of 0", () => {
    const slow = demoTimes({ wallMs: 60_000, timeScale: 60, manualMttrMinutes: 45, orchestratorMs: null });
    expect(slow.simulatedMs).toBe(3_600_000);
    expect(slow.text.mttr).toBe("1 h 00 min of simulated time, run 60× faster: 1 min of wall time");
    expect(slow.text.versusManual).toBe("against 45 min by hand: 15 min more (the manual baseline is 75 % of it)");
    expect(slow.text.orchestrator).toBeNull();
    const instant = demoTimes({ wallMs: 0, timeScale: 60, manualMttrMinutes: 30, orchestratorMs: 5 });
    expect(instant.manualRatio).toBeNull();
    expect(instant.text.versusManual).toBe("against 30 min by hand: 30 min less");
  });

  it("at time scale 1 the simulated and the wall time are one and the same, and it says so", () => {
    const times = demoTimes({ wallMs: 95_000, timeScale: 1, manualMttrMinutes: 45, orchestratorMs: 1_250, operations: 1 });
    expect(times.simulatedMs).toBe(95_000);
    expect(times.text.mttr).toBe("1 min 35 s (time scale 1: simulated waits ran in real time)");
    expect(times.text.orchestrator).toBe("1.3 s of real time deciding (conflict checks, locks, gates) for 1 operation, not scaled");
    expect(simulatedAndWall(95_000, 1)).toBe(times.text.mttr);
  });

  it("formats spans from milliseconds to hours", () => {
    expect([formatSpan(84), formatSpan(28_400), formatSpan(1_704_000), formatSpan(2_700_000), formatSpan(3_900_000), formatSpan(-996_000)]).toEqual(["84 ms", "28.4 s", "28 min 24 s", "45 min", "1 h 05 min", "16 min 36 s"]);
  });
});

describe("decisionMs", () => {
  it("sums the time in INIT, LOCKED and SAFETY_CHECK from the stored transitions, not the run or a review's wait", () => {
    const transitions = [
      { from: "INIT", to: "LOCKED", version: 1, at: at(30) },
      { from: "LOCKED", to: "SAFETY_CHECK", version: 2, at: at(35) },
      { from: "SAFETY_CHECK", to: "PAUSED_FOR_HUMAN_REVIEW", version: 3, at: at(50) },
      { from: "PAUSED_FOR_HUMAN_REVIEW", to: "IN_PROGRESS", version: 4, at: at(600_050) },
      { from: "IN_PROGRESS", to: "COMPLETED", version: 5, at: at(900_050) },
    ];
    // Handed over out of order: they are read by version.
    expect(decisionMs(at(0), [...transitions].reverse())).toBe(50);
  });

  it("counts nothing for an operation still being decided on (the interval has no end yet)", () => {
    expect(decisionMs(at(0), [])).toBe(0);
    expect(decisionMs(at(0), [{ from: "INIT", to: "LOCKED", version: 1, at: at(12) }])).toBe(12);
  });
});
