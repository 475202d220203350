import { describe, expect, it } from "vitest";
import { nextOccurrenceAfter, occurrenceAtInstant, occurrencesBetween, timingProblems, windowsInForceAt } from "./window-calendar";

const daily = { timeZone: "Europe/Berlin", start: "2026-03-20T09:00", durationMinutes: 480, rrule: "FREQ=DAILY" };

describe("window calendar (docs/freezes.md#recurrence-and-daylight-saving)", () => {
  it("keeps 09:00–17:00 local across the March change in Europe/Berlin while the UTC offset changes", () => {
    const occ = occurrencesBetween(daily, new Date("2026-03-28T00:00Z"), new Date("2026-03-30T00:00Z"));
    expect(occ.map((o) => [o.localStart, o.localEnd])).toEqual([
      ["2026-03-28T09:00", "2026-03-28T17:00"],
      ["2026-03-29T09:00", "2026-03-29T17:00"],
    ]);
    expect(occ.map((o) => o.start.toISOString())).toEqual(["2026-03-28T08:00:00.000Z", "2026-03-29T07:00:00.000Z"]);
    expect(occ.map((o) => o.startOffsetMinutes)).toEqual([60, 120]);
  });

  it("keeps local times across the November change in America/New_York", () => {
    const w = { timeZone: "America/New_York", start: "2026-10-01T09:00", durationMinutes: 480, rrule: "FREQ=DAILY" };
    const occ = occurrencesBetween(w, new Date("2026-10-31T00:00Z"), new Date("2026-11-02T12:00Z"));
    expect(occ.map((o) => o.localStart)).toEqual(["2026-10-31T09:00", "2026-11-01T09:00"]);
    expect(occ.map((o) => o.start.toISOString())).toEqual(["2026-10-31T13:00:00.000Z", "2026-11-01T14:00:00.000Z"]);
    expect(occ.every((o) => o.localEnd.endsWith("T17:00"))).toBe(true);
  });

  it("an occurrence spanning the change keeps its wall-clock end (one hour less elapsed in spring)", () => {
    const night = { timeZone: "Europe/Berlin", start: "2026-03-28T22:00", durationMinutes: 600, rrule: null };
    const [o] = occurrencesBetween(night, new Date("2026-03-28T00:00Z"), new Date("2026-03-30T00:00Z"));
    expect(o!.localEnd).toBe("2026-03-29T08:00");
    expect((o!.end.getTime() - o!.start.getTime()) / 3_600_000).toBe(9);
  });

  it("a start in the skipped hour moves forward and lasts its duration", () => {
    const [o] = occurrencesBetween({ timeZone: "Europe/Berlin", start: "2026-03-29T02:30", durationMinutes: 60, rrule: null }, new Date("2026-03-29T00:00Z"), new Date("2026-03-30T00:00Z"));
    expect(o!.localStart).toBe("2026-03-29T03:30");
    expect(o!.end.getTime() - o!.start.getTime()).toBe(3_600_000);
  });

  it("a weekly rule with BYDAY recurs on those days only", () => {
    const w = { timeZone: "Europe/London", start: "2026-12-04T18:00", durationMinutes: 60 * 62, rrule: "FREQ=WEEKLY;BYDAY=FR" };
    const occ = occurrencesBetween(w, new Date("2026-12-07T00:00Z"), new Date("2026-12-21T00:00Z"));
    expect(occ.map((o) => [o.localStart, o.localEnd])).toEqual([
      ["2026-12-04T18:00", "2026-12-07T08:00"],
      ["2026-12-11T18:00", "2026-12-14T08:00"],
      ["2026-12-18T18:00", "2026-12-21T08:00"],
    ]);
  });

  it("COUNT and UNTIL end the recurrence", () => {
    const counted = { ...daily, rrule: "FREQ=DAILY;COUNT=3" };
    expect(occurrencesBetween(counted, new Date("2026-03-01T00:00Z"), new Date("2026-04-30T00:00Z"))).toHaveLength(3);
    const until = { ...daily, rrule: "FREQ=DAILY;UNTIL=20260322T235959" };
    expect(occurrencesBetween(until, new Date("2026-03-01T00:00Z"), new Date("2026-04-30T00:00Z")).map((o) => o.localStart)).toEqual(["2026-03-20T09:00", "2026-03-21T09:00", "2026-03-22T09:00"]);
  });

  it("finds the occurrence in force and the next one", () => {
    expect(occurrenceAtInstant(daily, new Date("2026-03-30T10:00Z"))?.localStart).toBe("2026-03-30T09:00");
    expect(occurrenceAtInstant(daily, new Date("2026-03-30T16:00Z"))).toBeNull();
    expect(nextOccurrenceAfter(daily, new Date("2026-03-30T16:00Z"), 86_400_000)?.start.toISOString()).toBe("2026-03-31T07:00:00.000Z");
    const inForce = windowsInForceAt([{ ...daily, enabled: true, id: "a" }, { ...daily, enabled: false, id: "b" }], new Date("2026-03-30T10:00Z"));
    expect(inForce.map((x) => [x.window.id, x.occurrence.end.toISOString()])).toEqual([["a", "2026-03-30T15:00:00.000Z"]]);
  });

  it("refuses bad zones, rules and durations", () => {
    expect(timingProblems(daily)).toEqual([]);
    expect(timingProblems({ ...daily, timeZone: "Mars/Olympus" })[0]).toMatch(/IANA/);
    expect(timingProblems({ ...daily, rrule: "FREQ=MINUTELY" })[0]).toMatch(/HOURLY/);
    expect(timingProblems({ ...daily, rrule: "DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY" })[0]).toMatch(/DTSTART/);
    expect(timingProblems({ ...daily, rrule: "FREQ=SOMETIMES" })).toHaveLength(1);
    expect(timingProblems({ ...daily, durationMinutes: 0 })[0]).toMatch(/durationMinutes/);
    expect(timingProblems({ ...daily, start: "2026-02-30T09:00" })[0]).toMatch(/real date/);
  });
});
