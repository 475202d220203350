// The console's one way of showing a point in time. Browser-safe, no React.
//
// Every page shows times the same way: the reader's locale and time zone, a
// 24-hour clock, to the second ("Nov 23, 2026, 20:15:21"); `compact` drops the
// year for dense tables ("Nov 23, 20:15:21"). Where a page shows a shortened
// or relative time it keeps the exact ISO value in a tooltip (see <Time>).

const FULL: Intl.DateTimeFormatOptions = { year: "numeric", month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" };
const COMPACT: Intl.DateTimeFormatOptions = { month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" };
const CLOCK: Intl.DateTimeFormatOptions = { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" };

function valid(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "Nov 23, 2026, 20:15:21" (compact: "Nov 23, 20:15:21"); "—" for no time. */
export function formatTime(iso: string | null | undefined, options: { compact?: boolean } = {}): string {
  const d = valid(iso);
  return d ? d.toLocaleString(undefined, options.compact ? COMPACT : FULL) : "—";
}

/** The time of day only, "20:15:21", for columns where the date is evident. */
export function formatClock(iso: string | null | undefined): string {
  const d = valid(iso);
  return d ? d.toLocaleTimeString(undefined, CLOCK) : "—";
}
