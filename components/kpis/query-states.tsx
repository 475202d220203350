"use client";

import { ApiError } from "@/lib/api/client";

/** A loading placeholder that says what is loading. */
export function Loading({ what }: { what: string }) {
  return (
    <p role="status" aria-live="polite" className="animate-pulse rounded-lg border border-slate-200 bg-white p-4 text-sm text-slate-500">
      Loading {what} …
    </p>
  );
}

/** The API's own explanation of a failure, with a retry. */
export function ErrorBox({ error, onRetry, what }: { error: unknown; onRetry?: () => void; what: string }) {
  const message = error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);
  return (
    <div role="alert" className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-red-200 bg-red-50 p-4 text-sm text-red-800">
      <p>
        <span className="font-semibold">Could not load {what}:</span> {message}
      </p>
      {onRetry && (
        <button type="button" onClick={onRetry} className="rounded border border-red-300 bg-white px-3 py-1 font-medium text-red-800 hover:bg-red-100">
          Retry
        </button>
      )}
    </div>
  );
}

/** A mutation's failure next to its form: the server's message and, for validation errors, each field. */
export function FormError({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);
  const issues = error instanceof ApiError && Array.isArray(error.details.issues) ? (error.details.issues as { path?: unknown; message?: unknown }[]) : [];
  return (
    <div role="alert" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
      <p>{message}</p>
      {issues.length > 1 && (
        <ul className="mt-1 list-disc pl-5 text-xs">
          {issues.map((i, n) => (
            <li key={n}>
              <span className="font-mono">{Array.isArray(i.path) ? i.path.join(".") : String(i.path ?? "")}</span> {String(i.message ?? "")}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** "36 s", "5 min 18 s", "2 h 05 min". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  const m = Math.floor(s / 60);
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

