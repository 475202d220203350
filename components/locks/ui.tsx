"use client";

import type { ReactNode } from "react";
import { ApiError } from "@/lib/api/client";

export function ErrorBox({ error, onRetry, what }: { error: unknown; onRetry: () => void; what: string }) {
  const message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
  return (
    <div role="alert" className="flex items-start justify-between gap-4 rounded-lg border border-red-200 bg-red-50 p-4 text-sm text-red-800">
      <p>
        <span className="font-semibold">Could not load {what}.</span> {message}
      </p>
      <button type="button" onClick={onRetry} className="shrink-0 rounded border border-red-300 bg-white px-3 py-1 font-medium text-red-800 hover:bg-red-100">
        Retry
      </button>
    </div>
  );
}

export function LoadingRows({ label }: { label: string }) {
  return (
    <div role="status" aria-live="polite" className="space-y-2 rounded-lg border border-slate-200 bg-white p-4">
      <span className="sr-only">{label}</span>
      {[0, 1, 2].map((i) => (
        <div key={i} aria-hidden="true" className="h-5 animate-pulse rounded bg-slate-100" />
      ))}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600">
      <p className="font-medium text-slate-800">{title}</p>
      <p className="mt-1">{children}</p>
    </div>
  );
}

export function Stat({ label, value, hint }: { label: string; value: ReactNode; hint?: ReactNode }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white px-3 py-2">
      <dt className="text-xs uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="text-xl font-semibold tabular-nums">{value}</dd>
      {hint ? <dd className="text-xs text-slate-500">{hint}</dd> : null}
    </div>
  );
}
