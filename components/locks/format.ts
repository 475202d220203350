// Durations shared by the locks and audit pages (times: lib/format.ts). Browser-safe.

/** "4m 05s", "12s", "1h 02m": a duration a person reads at a glance. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, "0")}s`;
  return `${s}s`;
}

/** Milliseconds with a unit that fits: "850 ms", "12.4 s", "3m 10s". */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return formatDuration(ms);
}

/** The operation id in a holder id of the form op:<operationId>#<attempt>, else null. */
export function operationOfHolder(holderId: string): { operationId: string; attempt: number } | null {
  const match = /^op:([0-9a-f-]{36})#(\d+)$/i.exec(holderId);
  return match ? { operationId: match[1]!, attempt: Number(match[2]) } : null;
}
