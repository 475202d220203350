"use client";

// Pieces shared by the demo page: the run's status badge, the ticking clock,
// and the figures a run is judged by (duration, MTTR against the manual
// baseline), each on one stated time basis (docs/demo.md#time-in-the-demo).
import { useEffect, useState } from "react";
import { ApiError } from "@/lib/api/client";
import { formatSpan } from "@/demo/pipeline/demo-times";
import type { TDemoRun, TDemoTimes } from "@/lib/api/demo";
import { formatDuration } from "../kpis/query-states";

const STATUS_STYLE: Record<TDemoRun["status"], string> = {
  RUNNING: "bg-amber-50 text-amber-900 ring-amber-300",
  PASSED: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  FAILED: "bg-red-50 text-red-800 ring-red-200",
};

export function RunStatusBadge({ status, testId }: { status: TDemoRun["status"]; testId?: string }) {
  return (
    <span data-testid={testId} data-status={status} className={`inline-flex items-center gap-1.5 whitespace-nowrap rounded px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset ${STATUS_STYLE[status]}`}>
      {status === "RUNNING" && <span aria-hidden="true" className="h-1.5 w-1.5 animate-pulse rounded-full bg-amber-500" />}
      {status}
    </span>
  );
}

/** PASS / FAIL: the measured outcome against the matrix's expected reaction. */
export function VerdictBadge({ passed }: { passed: boolean }) {
  return (
    <span className={`inline-block whitespace-nowrap rounded px-2 py-0.5 text-xs font-bold tracking-wide ${passed ? "bg-emerald-600 text-white" : "bg-red-600 text-white"}`}>{passed ? "PASS" : "FAIL"}</span>
  );
}

/** Now, ticking once a second while `active`. */
export function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

/** Seconds a run took, or has taken so far. */
export function runSeconds(run: TDemoRun, now: number): number {
  if (run.durationMs !== null) return run.durationMs / 1000;
  const end = run.endedAt ? Date.parse(run.endedAt) : now;
  return Math.max(0, (end - Date.parse(run.startedAt)) / 1000);
}

/** A run's length: milliseconds under a second (a quick matrix row takes tens of them), else as elsewhere. */
export function formatRunDuration(seconds: number): string {
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : formatDuration(seconds);
}

/**
 * A healed run's MTTR as the demo page states it: on the simulated basis (the
 * headline), its wall time, the comparison with the manual baseline on that
 * same basis, and Interlock's own decision time apart, in real time.
 */
export function mttrComparison(times: TDemoTimes): { simulated: string; wall: string; versusManual: string; orchestrator: string | null } {
  return {
    simulated: formatSpan(times.simulatedMs),
    wall: times.timeScale === 1 ? "time scale 1: simulated waits ran in real time" : `run ${times.timeScale}× faster: ${formatSpan(times.wallMs)} of wall time`,
    versusManual: times.text.versusManual,
    orchestrator: times.orchestratorMs === null ? null : formatSpan(times.orchestratorMs),
  };
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}

export interface StartRequest {
  scenario: string;
  /** Where the button was: "demo" (the header card) or "matrix", so a refusal is shown next to it. */
  origin: "demo" | "matrix";
}

/** Why the Run/Inject buttons are disabled right now, or null when they work. */
export interface StartBlock {
  reason: string;
  kind: "unavailable" | "role" | "running" | "starting";
  runId?: string;
}

/** The server's refusal to start, in words; a 409 names the run in progress and offers to show it. */
export function StartRefusal({ error, onShowRun }: { error: unknown; onShowRun: (id: string) => void }) {
  const conflict = error instanceof ApiError && error.status === 409;
  const runId = conflict && typeof error.details.runId === "string" ? error.details.runId : null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div role="alert" data-testid="start-refused" className={`flex flex-wrap items-center justify-between gap-2 rounded border px-3 py-2 text-sm ${conflict ? "border-amber-300 bg-amber-50 text-amber-950" : "border-red-200 bg-red-50 text-red-800"}`}>
      <p>
        <span className="font-semibold">{conflict ? "Not started — another run is in progress." : "Not started."}</span> {message}
      </p>
      {runId && (
        <button type="button" onClick={() => onShowRun(runId)} className="rounded border border-amber-400 bg-white px-2.5 py-1 text-xs font-medium text-amber-950 hover:bg-amber-100">
          Show the run in progress
        </button>
      )}
    </div>
  );
}
