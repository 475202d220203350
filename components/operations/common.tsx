"use client";

// Small pieces shared by the operations and approvals pages: badges, times,
// the ticking clock, and the designed loading / error / empty states.
import { useEffect, useState, type ReactNode } from "react";
import { ApiError } from "@/lib/api/client";
import type { TOperationSummary } from "@/lib/api/operations";

type State = TOperationSummary["state"];
type Result = NonNullable<TOperationSummary["result"]>;
type Severity = "LOW" | "MEDIUM" | "HIGH" | "CRITICAL";

const STATE_STYLE: Record<State, string> = {
  INIT: "bg-slate-100 text-slate-700 ring-slate-300",
  LOCKED: "bg-indigo-50 text-indigo-800 ring-indigo-200",
  SAFETY_CHECK: "bg-sky-50 text-sky-800 ring-sky-200",
  IN_PROGRESS: "bg-blue-50 text-blue-800 ring-blue-200",
  PAUSED_FOR_HUMAN_REVIEW: "bg-amber-50 text-amber-900 ring-amber-300",
  COMPLETED: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  FAILED: "bg-red-50 text-red-800 ring-red-200",
  ROLLED_BACK: "bg-orange-50 text-orange-800 ring-orange-200",
  CANCELLED: "bg-slate-100 text-slate-600 ring-slate-300",
};

export const STATE_LABEL: Record<State, string> = {
  INIT: "Init",
  LOCKED: "Locked",
  SAFETY_CHECK: "Safety check",
  IN_PROGRESS: "In progress",
  PAUSED_FOR_HUMAN_REVIEW: "Paused for review",
  COMPLETED: "Completed",
  FAILED: "Failed",
  ROLLED_BACK: "Rolled back",
  CANCELLED: "Cancelled",
};

export function StateBadge({ state }: { state: State }) {
  return (
    <span data-testid="state-badge" data-state={state} className={`inline-flex items-center whitespace-nowrap rounded px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset ${STATE_STYLE[state]}`}>
      {STATE_LABEL[state]}
    </span>
  );
}

const SEVERITY_STYLE: Record<Severity, string> = {
  LOW: "bg-slate-100 text-slate-700",
  MEDIUM: "bg-yellow-100 text-yellow-800",
  HIGH: "bg-orange-100 text-orange-800",
  CRITICAL: "bg-red-100 text-red-800",
};

export function SeverityBadge({ severity }: { severity: Severity }) {
  return <span className={`whitespace-nowrap rounded px-1.5 py-0.5 text-xs font-medium ${SEVERITY_STYLE[severity]}`}>{severity}</span>;
}

const RESULT_STYLE: Partial<Record<Result, string>> = {
  SUCCESS: "text-emerald-700",
  FAILED: "text-red-700",
  BLOCKED_BY_CONFLICT: "text-red-700",
  BLOCKED_BY_GATE: "text-red-700",
  LOCK_TIMEOUT: "text-red-700",
  ROLLED_BACK: "text-orange-700",
  PAUSED_FOR_REVIEW: "text-amber-800",
};

export function ResultText({ result }: { result: TOperationSummary["result"] }) {
  if (!result) return <span className="text-slate-400">—</span>;
  return <span className={`font-mono text-xs ${RESULT_STYLE[result] ?? "text-slate-700"}`}>{result}</span>;
}

export function PassFail({ passed, skipped = false }: { passed: boolean; skipped?: boolean }) {
  if (skipped) return <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs font-medium text-slate-600">Skipped</span>;
  return passed ? (
    <span className="rounded bg-emerald-100 px-1.5 py-0.5 text-xs font-medium text-emerald-800">Passed</span>
  ) : (
    <span className="rounded bg-red-100 px-1.5 py-0.5 text-xs font-medium text-red-800">Failed</span>
  );
}

/** Times are shown the same way on every page (lib/format.ts). */
export { Time } from "@/components/ui/time";

/** "3m 05s", "1h 02m", "12s" */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, "0")}s`;
  return `${sec}s`;
}

/** The current time, re-rendered every second (countdowns tick from server timestamps). */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export function observedVsThreshold(observed: number | null, threshold: number, unit: string): string {
  const u = unit === "%" ? "%" : ` ${unit}`;
  return `${observed === null ? "no data" : `${observed}${u}`} vs ${threshold}${u}`;
}

export function Card({ title, id, children, actions }: { title: string; id: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section aria-labelledby={id} className="rounded-lg border border-slate-200 bg-white">
      <div className="flex items-center justify-between gap-3 border-b border-slate-200 px-4 py-2.5">
        <h2 id={id} className="text-base font-semibold">
          {title}
        </h2>
        {actions}
      </div>
      <div className="p-4">{children}</div>
    </section>
  );
}

export function EmptyNote({ children }: { children: ReactNode }) {
  return <p className="rounded border border-dashed border-slate-300 bg-slate-50 px-4 py-3 text-sm text-slate-600">{children}</p>;
}

export function LoadingBlock({ label, rows = 3 }: { label: string; rows?: number }) {
  return (
    <div role="status" aria-live="polite" className="space-y-2">
      <span className="sr-only">{label}</span>
      <p className="text-sm text-slate-500" aria-hidden="true">
        {label}
      </p>
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} aria-hidden="true" className="h-8 animate-pulse rounded bg-slate-200/70" />
      ))}
    </div>
  );
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return "Something went wrong";
}

export function ErrorBox({ title, error, onRetry }: { title: string; error: unknown; onRetry?: () => void }) {
  return (
    <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-4 text-sm text-red-900">
      <p className="font-semibold">{title}</p>
      <p className="mt-1">
        {messageOf(error)}
        {error instanceof ApiError ? <span className="ml-1 font-mono text-xs text-red-700">({error.status} {error.code})</span> : null}
      </p>
      {onRetry ? (
        <button type="button" onClick={onRetry} className="mt-3 rounded border border-red-300 bg-white px-3 py-1.5 text-sm font-medium text-red-800 hover:bg-red-100">
          Retry
        </button>
      ) : null}
    </div>
  );
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}
