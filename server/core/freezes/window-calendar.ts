// When a freeze window is in force (docs/freezes.md#recurrence-and-daylight-saving):
// its RRULE is expanded over wall-clock times in the window's zone and each
// occurrence's wall-clock start and end are then turned into instants there,
// so "09:00–17:00 Europe/Berlin" stays 09:00–17:00 local on both sides of a
// daylight-saving change. Pure: every function takes the instants it needs.
import { DateTime, IANAZone } from "luxon";
import * as rrulePackage from "rrule";
import type { FreezeWindow } from "./types";

/** One occurrence of a window: its instants, and the wall-clock times they were read from. */
export interface WindowOccurrence {
  start: Date;
  end: Date;
  /** Wall-clock start and end in the window's zone, "YYYY-MM-DDTHH:mm". */
  localStart: string;
  localEnd: string;
  /** UTC offsets in minutes at the start and at the end (they differ across a DST change). */
  startOffsetMinutes: number;
  endOffsetMinutes: number;
}

export type WindowTiming = Pick<FreezeWindow, "timeZone" | "start" | "durationMinutes" | "rrule">;

/** "YYYY-MM-DDTHH:mm" or "YYYY-MM-DDTHH:mm:ss": a wall-clock time with no zone. */
export const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

// rrule ships ES modules to bundlers and a UMD file to Node's own loader, whose named exports Node cannot see.
const RRule: typeof rrulePackage.RRule = rrulePackage.RRule ?? (rrulePackage as unknown as { default: typeof rrulePackage }).default.RRule;
type RRule = rrulePackage.RRule;

/** Recurrence frequencies finer than this are refused: a window is a span of hours or days. */
const FINEST_FREQ = RRule.HOURLY;
export const MAX_DURATION_MINUTES = 31 * 24 * 60;

/** The reasons a window's timing cannot be used (empty: valid). */
export function timingProblems(w: WindowTiming): string[] {
  const problems: string[] = [];
  if (!IANAZone.isValidZone(w.timeZone)) problems.push(`timeZone "${w.timeZone}" is not an IANA time zone (e.g. Europe/Berlin)`);
  const m = LOCAL_DATE_TIME.exec(w.start);
  if (!m) problems.push(`start "${w.start}" is not a local date and time "YYYY-MM-DDTHH:mm"`);
  else if (!DateTime.fromObject(wallParts(w.start), { zone: "UTC" }).isValid) problems.push(`start "${w.start}" is not a real date and time`);
  if (!Number.isInteger(w.durationMinutes) || w.durationMinutes < 1 || w.durationMinutes > MAX_DURATION_MINUTES) problems.push(`durationMinutes must be a whole number from 1 to ${MAX_DURATION_MINUTES} (31 days)`);
  if (w.rrule !== null) {
    if (/DTSTART|TZID|^\s*RRULE:|\n/i.test(w.rrule)) problems.push("rrule is the RRULE body alone (e.g. FREQ=WEEKLY;BYDAY=SA,SU): no DTSTART, TZID or RRULE: prefix; the window's start and timeZone give those");
    else {
      try {
        const options = RRule.parseString(w.rrule);
        if (options.freq === undefined) problems.push("rrule needs FREQ");
        else if (options.freq > FINEST_FREQ) problems.push("rrule's FREQ may be YEARLY, MONTHLY, WEEKLY, DAILY or HOURLY; a freeze window is not shorter than that");
      } catch (error) {
        problems.push(`rrule does not parse: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  return problems;
}

function wallParts(local: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const m = LOCAL_DATE_TIME.exec(local);
  if (!m) throw new Error(`not a local date and time: ${local}`);
  return { year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: +m[4]!, minute: +m[5]!, second: m[6] ? +m[6] : 0 };
}

/** A wall-clock time carried as a UTC Date (rrule's "floating" time): its UTC fields are the local fields. */
function floating(dt: DateTime): Date {
  return new Date(Date.UTC(dt.year, dt.month - 1, dt.day, dt.hour, dt.minute, dt.second));
}

/**
 * The instant of a wall-clock time in `zone`. A time that does not exist
 * (skipped by a spring-forward change) moves forward by the gap — 02:30 on the
 * change day reads as 03:30 — and an ambiguous time (repeated by a fall-back
 * change) is its first, earlier instant: luxon's rules (docs/freezes.md#recurrence-and-daylight-saving).
 */
function instantOf(wall: Date, zone: string): DateTime {
  return DateTime.fromObject(
    { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate(), hour: wall.getUTCHours(), minute: wall.getUTCMinutes(), second: wall.getUTCSeconds() },
    { zone },
  );
}

const fmt = (dt: DateTime) => dt.toFormat("yyyy-MM-dd'T'HH:mm");

function occurrenceAt(w: WindowTiming, wallStart: Date): WindowOccurrence {
  const wallEnd = new Date(wallStart.getTime() + w.durationMinutes * 60_000);
  const start = instantOf(wallStart, w.timeZone);
  let end = instantOf(wallEnd, w.timeZone);
  // A start moved forward out of a skipped hour can meet its end (02:30 for an hour on the change day): it lasts its duration instead.
  if (end <= start) end = start.plus({ minutes: w.durationMinutes });
  return { start: start.toJSDate(), end: end.toJSDate(), localStart: fmt(start), localEnd: fmt(end), startOffsetMinutes: start.offset, endOffsetMinutes: end.offset };
}

// Parsed rules, keyed by what they are built from: the gate reads every window at every look.
const rules = new Map<string, RRule>();

function ruleOf(w: WindowTiming): RRule {
  const key = `${w.start}|${w.rrule}`;
  let rule = rules.get(key);
  if (!rule) {
    const dtstart = floating(DateTime.fromObject(wallParts(w.start), { zone: "UTC" }));
    rule = new RRule({ ...RRule.parseString(w.rrule!), dtstart, tzid: null });
    if (rules.size > 2_000) rules.clear();
    rules.set(key, rule);
  }
  return rule;
}

/**
 * Every occurrence of `w` that overlaps [from, to): started before `to` and
 * ends after `from`, in order of start. An occurrence that began before
 * `from` and still runs is included.
 */
export function occurrencesBetween(w: WindowTiming, from: Date, to: Date): WindowOccurrence[] {
  if (to.getTime() <= from.getTime()) return [];
  // The search runs over wall-clock times: widen by the largest UTC offset (±14 h) and the duration.
  const pad = 15 * 3_600_000;
  const zoneFrom = new Date(from.getTime() - pad - w.durationMinutes * 60_000);
  const zoneTo = new Date(to.getTime() + pad);
  // Wall-clock bounds: an instant read in UTC fields is within ±14 h of its wall-clock reading anywhere.
  const wallStarts = w.rrule === null ? [floating(DateTime.fromObject(wallParts(w.start), { zone: "UTC" }))] : ruleOf(w).between(zoneFrom, zoneTo, true);
  return wallStarts
    .map((s) => occurrenceAt(w, s))
    .filter((o) => o.start.getTime() < to.getTime() && o.end.getTime() > from.getTime());
}

/** The occurrence of `w` in force at `now` (start ≤ now < end), if any; of two overlapping, the one ending last. */
export function occurrenceAtInstant(w: WindowTiming, now: Date): WindowOccurrence | null {
  const found = occurrencesBetween(w, now, new Date(now.getTime() + 1)).filter((o) => o.start.getTime() <= now.getTime());
  return found.sort((a, b) => b.end.getTime() - a.end.getTime())[0] ?? null;
}

/** The first occurrence of `w` starting after `now` within `horizonMs`, if any. */
export function nextOccurrenceAfter(w: WindowTiming, now: Date, horizonMs: number): WindowOccurrence | null {
  return occurrencesBetween(w, now, new Date(now.getTime() + horizonMs)).find((o) => o.start.getTime() > now.getTime()) ?? null;
}

/** The enabled windows in force at `now`, each with its current occurrence (the console banner and the FREEZE gate). */
export function windowsInForceAt<W extends WindowTiming & { enabled: boolean }>(windows: readonly W[], now: Date): { window: W; occurrence: WindowOccurrence }[] {
  return windows.flatMap((window) => {
    if (!window.enabled) return [];
    const occurrence = occurrenceAtInstant(window, now);
    return occurrence ? [{ window, occurrence }] : [];
  });
}
