// The console's calendar (docs/freezes.md#the-calendar): every window's
// occurrences over the next `days` days, with their instants and the local
// times and zone they were read from.
import type { FreezeWindow } from "./types";
import { occurrencesBetween, type WindowOccurrence } from "./window-calendar";

export const MAX_CALENDAR_DAYS = 31;

export interface CalendarRow {
  window: FreezeWindow;
  occurrences: WindowOccurrence[];
}

export function freezeCalendar(windows: readonly FreezeWindow[], from: Date, days: number): { from: Date; to: Date; rows: CalendarRow[] } {
  const to = new Date(from.getTime() + days * 86_400_000);
  return { from, to, rows: windows.map((window) => ({ window, occurrences: occurrencesBetween(window, from, to) })) };
}
