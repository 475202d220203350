import { describe, expect, it } from "vitest";
import { computeKpis, lockTotals } from "./compute-kpis";
import type { KpiRows } from "./ports";

const NOW = new Date("2026-03-10T12:30:00.000Z");
const EMPTY: KpiRows = { operationBuckets: [], incidents: [], locks: { acquisitions: 0, contentions: 0, totalWaitMs: 0 }, lastVerification: null };
const at = (iso: string) => new Date(iso);
const byId = (report: ReturnType<typeof computeKpis>) => Object.fromEntries(report.kpis.map((k) => [k.id, k]));

describe("computeKpis", () => {
  it("says NO_DATA for every KPI on an empty store, and never measures false rollbacks", () => {
    const report = computeKpis(EMPTY, NOW, "24h");
    const k = byId(report);
    for (const id of ["mttr", "autoHealRate", "humanInterventionRate", "conflictsPer100", "lockWait", "canarySuccessRate", "auditIntegrity"]) {
      expect(k[id]!.status, id).toBe("NO_DATA");
      expect(k[id]!.value, id).toBeNull();
      expect(k[id]!.meets, id).toBeNull();
    }
    expect(k.falseRollbackRate!.status).toBe("NOT_MEASURED");
    expect(k.falseRollbackRate!.value).toBeNull();
    expect(report.auditIntegrity).toEqual({ verdict: "NEVER", at: null });
  });

  it("has one trend point per hour of a 24 h window (the current hour included), empty ones with null rates", () => {
    const report = computeKpis(EMPTY, NOW, "24h");
    expect(report.bucket).toBe("hour");
    expect(report.trend).toHaveLength(25);
    expect(report.trend[0]!.start).toBe("2026-03-09T12:00:00.000Z");
    expect(report.trend.at(-1)!.start).toBe("2026-03-10T12:00:00.000Z");
    expect(report.trend[3]).toEqual({ start: "2026-03-09T15:00:00.000Z", operations: 0, incidents: 0, mttrSeconds: null, autoHealRatePct: null, humanInterventionRatePct: null, conflictsPer100: null, canarySuccessRatePct: null });
    const week = computeKpis(EMPTY, NOW, "7d");
    expect(week.bucket).toBe("day");
    expect(week.trend).toHaveLength(8);
    expect(week.trend[0]!.start).toBe("2026-03-03T00:00:00.000Z");
  });

  it("computes each KPI from the rows and compares it with its documented target", () => {
    const rows: KpiRows = {
      operationBuckets: [
        { bucketStart: at("2026-03-10T10:00:00Z"), operations: 10, started: 8, paused: 1, conflicts: 2, canaryStarted: 4, canaryPromoted: 4 },
        { bucketStart: at("2026-03-10T11:00:00Z"), operations: 10, started: 12, paused: 2, conflicts: 1, canaryStarted: 6, canaryPromoted: 5 },
      ],
      incidents: [
        { detectedAt: at("2026-03-10T10:00:00Z"), resolvedAt: at("2026-03-10T10:00:36Z"), status: "RESOLVED", automationCompleted: true, manualIntervention: false },
        { detectedAt: at("2026-03-10T11:00:00Z"), resolvedAt: at("2026-03-10T11:10:00Z"), status: "RESOLVED", automationCompleted: true, manualIntervention: true },
        { detectedAt: at("2026-03-10T11:20:00Z"), resolvedAt: null, status: "OPEN", automationCompleted: false, manualIntervention: false },
      ],
      locks: lockTotals([
        { key: { scope: "SERVICE", resource: "a" }, acquisitions: 3, contentions: 1, totalWaitMs: 900, maxWaitMs: 900, releases: 3, totalHoldMs: 10, maxHoldMs: 5 },
        { key: { scope: "SERVICE", resource: "b" }, acquisitions: 1, contentions: 0, totalWaitMs: 0, maxWaitMs: 0, releases: 1, totalHoldMs: 1, maxHoldMs: 1 },
      ]),
      lastVerification: { valid: true, at: at("2026-03-10T12:00:00Z") },
    };
    const report = computeKpis(rows, NOW, "24h");
    const k = byId(report);
    expect(k.mttr).toMatchObject({ value: 318, status: "MEASURED", meets: false }); // (36 + 600) / 2
    expect(k.autoHealRate).toMatchObject({ value: 33.33, meets: false, basis: "1 of 3 incidents resolved by automation with no manual step (demo runs left out)" });
    expect(k.humanInterventionRate).toMatchObject({ value: 15, meets: false }); // 3 of 20 started: not below 15 %
    expect(k.conflictsPer100).toMatchObject({ value: 15, meets: null });
    expect(k.lockWait).toMatchObject({ value: 225, unit: "milliseconds", meets: true });
    expect(k.canarySuccessRate).toMatchObject({ value: 90, meets: false, basis: "9 of 10 canaries (demo runs left out)" });
    expect(k.auditIntegrity).toMatchObject({ value: 100, meets: true });
    expect(report.auditIntegrity).toEqual({ verdict: "VALID", at: "2026-03-10T12:00:00.000Z" });
    const eleven = report.trend.find((p) => p.start === "2026-03-10T11:00:00.000Z")!;
    expect(eleven).toMatchObject({ operations: 10, incidents: 2, mttrSeconds: 600, autoHealRatePct: 0, humanInterventionRatePct: 16.67, conflictsPer100: 10, canarySuccessRatePct: 83.33 });
  });

  it("counts an incident as auto-healed only when automation completed and no person stepped in, and says whether the demo is counted", () => {
    const incidents: KpiRows["incidents"] = [
      { detectedAt: at("2026-03-10T10:00:00Z"), resolvedAt: at("2026-03-10T10:01:00Z"), status: "RESOLVED", automationCompleted: true, manualIntervention: false },
      { detectedAt: at("2026-03-10T10:10:00Z"), resolvedAt: at("2026-03-10T10:11:00Z"), status: "RESOLVED", automationCompleted: false, manualIntervention: false },
    ];
    const left = computeKpis({ ...EMPTY, incidents }, NOW, "24h");
    expect(left.includeDemo).toBe(false);
    expect(byId(left).autoHealRate).toMatchObject({ value: 50, basis: "1 of 2 incidents resolved by automation with no manual step (demo runs left out)" });
    const included = computeKpis({ ...EMPTY, incidents }, NOW, "24h", true);
    expect(included.includeDemo).toBe(true);
    expect(byId(included).mttr!.basis).toBe("2 resolved incidents detected in the window (demo runs included)");
  });

  it("reports a broken chain as failing its target", () => {
    const report = computeKpis({ ...EMPTY, lastVerification: { valid: false, at: at("2026-03-10T12:00:00Z") } }, NOW, "24h");
    expect(byId(report).auditIntegrity).toMatchObject({ value: 0, meets: false });
    expect(report.auditIntegrity.verdict).toBe("INVALID");
  });
});
