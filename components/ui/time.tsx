import { formatClock, formatTime } from "@/lib/format";

/**
 * A point in time as every console page shows it (lib/format.ts), with the
 * exact ISO value on hover. `compact` drops the year; `clock` shows the time
 * of day only.
 */
export function Time({ iso, className = "", compact = false, clock = false }: { iso: string | null | undefined; className?: string; compact?: boolean; clock?: boolean }) {
  if (!iso) return <span className="text-slate-400">—</span>;
  return (
    <time dateTime={iso} title={iso} className={`whitespace-nowrap tabular-nums ${className}`}>
      {clock ? formatClock(iso) : formatTime(iso, { compact })}
    </time>
  );
}
