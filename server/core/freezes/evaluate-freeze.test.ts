import { describe, expect, it } from "vitest";
import { evaluateFreeze, scopeCovers, type FreezeSubject } from "./evaluate-freeze";
import type { FreezeWindow, Halt } from "./types";

const NOW = new Date("2026-12-12T12:00:00Z"); // a Saturday
const EMPTY = { services: [], teams: [], tiers: [], types: [] };

function win(over: Partial<FreezeWindow>): FreezeWindow {
  return {
    id: over.name ?? "w",
    name: "w",
    kind: "DENY",
    action: "BLOCK",
    scope: EMPTY,
    timeZone: "Europe/Berlin",
    start: "2026-12-12T00:00",
    durationMinutes: 48 * 60,
    rrule: null,
    includesRollbacks: false,
    breakGlassRole: "APPROVER",
    reason: "weekend",
    enabled: true,
    createdBy: "admin@x",
    createdAt: new Date("2026-12-01T00:00Z"),
    updatedAt: new Date("2026-12-01T00:00Z"),
    ...over,
  };
}

const subject = (over: Partial<FreezeSubject> = {}): FreezeSubject => ({ type: "DEPLOYMENT", service: "payments", team: "pay", tier: 1, createdAt: new Date(NOW.getTime() - 1000), breakGlass: null, ...over });

const halt = (over: Partial<Halt> = {}): Halt => ({
  id: "h1",
  scope: EMPTY,
  action: "BLOCK",
  reason: "sev1",
  owner: "alice",
  createdBy: "alice",
  since: new Date(NOW.getTime() - 60_000),
  includesRollbacks: false,
  breakGlassRole: "ADMIN",
  source: "MANUAL",
  incidentId: null,
  liftedAt: null,
  liftedBy: null,
  liftReason: null,
  ...over,
});

describe("FREEZE gate decision (docs/freezes.md#what-a-freeze-does)", () => {
  it("passes when nothing holds it", () => {
    expect(evaluateFreeze({ subject: subject(), windows: [], halts: [], now: NOW }).decision).toBe("PASS");
  });

  it("a deny window in force blocks and says until when", () => {
    const v = evaluateFreeze({ subject: subject(), windows: [win({ name: "Weekend freeze" })], halts: [], now: NOW });
    expect(v.decision).toBe("BLOCK");
    expect(v.until?.toISOString()).toBe("2026-12-13T23:00:00.000Z");
    expect(v.reason).toBe("Frozen by window 'Weekend freeze' (Europe/Berlin) until 2026-12-13T23:00:00Z: weekend");
  });

  it("deny beats allow when they overlap", () => {
    const allow = win({ name: "open", kind: "ALLOW", start: "2026-12-12T08:00", durationMinutes: 600 });
    const deny = win({ name: "deny", kind: "DENY", action: "PAUSE" });
    expect(evaluateFreeze({ subject: subject(), windows: [allow], halts: [], now: NOW }).decision).toBe("PASS");
    const v = evaluateFreeze({ subject: subject(), windows: [allow, deny], halts: [], now: NOW });
    expect(v.decision).toBe("PAUSE");
    expect(v.holds.map((h) => h.kind)).toEqual(["DENY_WINDOW"]);
  });

  it("outside every allow window of its scope it waits for the next opening", () => {
    const hours = win({ name: "Business hours", kind: "ALLOW", action: "QUEUE", start: "2026-12-07T09:00", durationMinutes: 480, rrule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR" });
    const v = evaluateFreeze({ subject: subject(), windows: [hours], halts: [], now: NOW });
    expect(v.decision).toBe("QUEUE");
    expect(v.until?.toISOString()).toBe("2026-12-14T08:00:00.000Z"); // Monday 09:00 Berlin
    expect(v.holds[0]!.since.toISOString()).toBe("2026-12-11T16:00:00.000Z"); // Friday 17:00 Berlin
    expect(v.reason).toMatch(/^Outside every allow window \('Business hours' \(Europe\/Berlin\)\) until 2026-12-14T08:00:00Z/);
    // An allow window of another scope does not restrict this service.
    expect(evaluateFreeze({ subject: subject(), windows: [{ ...hours, scope: { ...EMPTY, services: ["other"] } }], halts: [], now: NOW }).decision).toBe("PASS");
  });

  it("ROLLBACK is exempt unless the window includes rollbacks", () => {
    const rollback = subject({ type: "ROLLBACK" });
    expect(evaluateFreeze({ subject: rollback, windows: [win({})], halts: [halt()], now: NOW }).decision).toBe("PASS");
    expect(evaluateFreeze({ subject: rollback, windows: [win({ includesRollbacks: true })], halts: [], now: NOW }).decision).toBe("BLOCK");
  });

  it("an operation created before the freeze began waits instead of failing", () => {
    const v = evaluateFreeze({ subject: subject({ createdAt: new Date("2026-12-11T20:00Z") }), windows: [win({})], halts: [], now: NOW });
    expect(v.decision).toBe("QUEUE");
    expect(v.holds[0]!.action).toBe("BLOCK");
  });

  it("the strictest action of several wins", () => {
    const v = evaluateFreeze({ subject: subject(), windows: [win({ name: "q", action: "QUEUE" }), win({ name: "p", action: "PAUSE" })], halts: [halt({ action: "QUEUE" })], now: NOW });
    expect(v.decision).toBe("PAUSE");
    expect(v.until).toBeNull(); // a halt has no end
    expect(v.breakGlassRole).toBe("ADMIN");
  });

  it("a halt holds what it scopes, until lifted", () => {
    const v = evaluateFreeze({ subject: subject(), windows: [], halts: [halt({ scope: { ...EMPTY, teams: ["pay"] } })], now: NOW });
    expect(v.decision).toBe("BLOCK");
    expect(v.reason).toBe("Halted by alice: sev1 (until lifted)");
    expect(evaluateFreeze({ subject: subject({ team: "search" }), windows: [], halts: [halt({ scope: { ...EMPTY, teams: ["pay"] } })], now: NOW }).decision).toBe("PASS");
    expect(evaluateFreeze({ subject: subject(), windows: [], halts: [halt({ liftedAt: NOW })], now: NOW }).decision).toBe("PASS");
  });

  it("break-glass passes only with a role that meets every hold's", () => {
    const at = NOW;
    const approver = { by: "bob", role: "APPROVER" as const, reason: "hotfix", at };
    const passed = evaluateFreeze({ subject: subject({ breakGlass: approver }), windows: [win({})], halts: [], now: NOW });
    expect(passed.decision).toBe("PASS");
    expect(passed.reason).toMatch(/^Passed by break-glass: bob \(APPROVER\): hotfix/);
    expect(passed.holds).toHaveLength(1);
    // The halt needs an admin.
    expect(evaluateFreeze({ subject: subject({ breakGlass: approver }), windows: [win({})], halts: [halt()], now: NOW }).decision).toBe("BLOCK");
    expect(evaluateFreeze({ subject: subject({ breakGlass: { ...approver, role: "OPERATOR" } }), windows: [win({})], halts: [], now: NOW }).decision).toBe("BLOCK");
  });

  it("scope: every non-empty list narrows", () => {
    const s = { type: "DEPLOYMENT" as const, service: "a", team: "t", tier: 2 };
    expect(scopeCovers(EMPTY, s)).toBe(true);
    expect(scopeCovers({ ...EMPTY, tiers: [1, 2], types: ["DEPLOYMENT"] }, s)).toBe(true);
    expect(scopeCovers({ ...EMPTY, tiers: [1], types: ["DEPLOYMENT"] }, s)).toBe(false);
    expect(scopeCovers({ ...EMPTY, teams: ["t"] }, { ...s, team: null })).toBe(false);
  });
});
