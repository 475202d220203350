"use client";

// One run: its status, live log, verdict, duration, and for a healed incident
// the measured MTTR against the manual 45 minutes, with links to what it did.
import Link from "next/link";
import { useEffect, useRef } from "react";
import type { TDemoRun } from "@/lib/api/demo";
import { ErrorBox, formatDuration, formatTime } from "../kpis/query-states";
import { formatRunDuration, mttrComparison, RunStatusBadge, runSeconds, shortId, useNow, VerdictBadge } from "./common";

export function RunPanel({ run, manualMttrMs, error }: { run: TDemoRun; manualMttrMs: number; error: unknown }) {
  const now = useNow(run.status === "RUNNING");
  const seconds = runSeconds(run, now);
  const finished = run.status !== "RUNNING";
  const mttr = run.mttrMs !== null ? mttrComparison(run.mttrMs, manualMttrMs) : null;

  return (
    <article className="space-y-4 rounded-lg border border-slate-200 bg-white p-4" data-testid="demo-run" data-run-id={run.id} data-status={run.status} aria-label={`Run of ${run.scenario.title}`}>
      <header className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <h3 className="text-base font-semibold">
          Row {run.scenario.row}: {run.scenario.title}
        </h3>
        <RunStatusBadge status={run.status} testId="run-status" />
        <span className="text-xs text-slate-500">
          started by {run.startedBy} at {formatTime(run.startedAt)} · <span className="font-mono">{shortId(run.id)}</span>
        </span>
      </header>

      {error ? <ErrorBox error={error} what="the run's latest state" /> : null}

      <dl className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <Stat label={finished ? "Duration" : "Running for"} testId="run-duration">
          {finished ? formatRunDuration(seconds) : formatDuration(seconds)}
        </Stat>
        <Stat label="Verdict" testId="run-verdict">
          {finished && run.passed !== null ? (
            <span className="flex items-center gap-2">
              <VerdictBadge passed={run.passed} />
              <span className="text-sm font-normal text-slate-600">{run.passed ? "as expected" : "not as expected"}</span>
            </span>
          ) : (
            <span className="text-sm font-normal text-slate-500">pending — measured when the run ends</span>
          )}
        </Stat>
        <Stat label="Automated MTTR" testId="run-mttr">
          {mttr ? (
            <span>
              {mttr.automated}
              <span className="block text-sm font-normal text-slate-600" data-testid="mttr-vs-manual">
                {mttr.automated} vs {mttr.manual} manual — {mttr.factor}
              </span>
            </span>
          ) : (
            <span className="text-sm font-normal text-slate-500">{finished ? "no incident healed in this run" : "when the incident is resolved"}</span>
          )}
        </Stat>
        <Stat label="Manual (seed 001)">{formatDuration(manualMttrMs / 1000)}</Stat>
      </dl>

      <div className="grid gap-2 text-sm">
        <p>
          <span className="font-medium text-slate-700">Expected:</span> <span className="text-slate-700">{run.scenario.expected}</span>
        </p>
        <p data-testid="run-actual">
          <span className="font-medium text-slate-700">Actual:</span>{" "}
          {run.actual ? <span className={run.passed ? "text-emerald-900" : "text-red-800"}>{run.actual}</span> : <span className="text-slate-500">measured when the run ends</span>}
        </p>
        {(run.incident || run.operations.length > 0) && (
          <div className="flex flex-wrap items-center gap-x-4 gap-y-1" data-testid="run-links">
            {run.incident && (
              <Link href={`/incidents/${run.incident.id}`} className="font-medium text-sky-700 hover:underline">
                Incident {run.incident.key} — its MTTR timeline
              </Link>
            )}
            {run.operations.length > 0 && (
              <span className="flex flex-wrap items-center gap-x-2">
                <span className="text-slate-600">Operations:</span>
                {run.operations.map((id) => (
                  <Link key={id} href={`/operations/${id}`} className="font-mono text-xs text-sky-700 hover:underline" aria-label={`Operation ${id}`}>
                    {shortId(id)}
                  </Link>
                ))}
              </span>
            )}
          </div>
        )}
      </div>

      <RunLog run={run} />
    </article>
  );
}

function Stat({ label, testId, children }: { label: string; testId?: string; children: React.ReactNode }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-slate-50 px-3 py-2">
      <dt className="text-xs uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="text-xl font-semibold tabular-nums" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

const TAG = /^\[([A-Z0-9 _-]+)\]\s?/;

/** The run's log as it grows; it follows the newest line unless the reader scrolled up. */
function RunLog({ run }: { run: TDemoRun }) {
  const box = useRef<HTMLOListElement>(null);
  const follow = useRef(true);
  useEffect(() => {
    const el = box.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [run.log.length, run.id]);
  const t0 = Date.parse(run.startedAt);
  return (
    <figure className="space-y-1">
      <figcaption className="flex items-center justify-between text-sm font-medium text-slate-700">
        <span id="run-log-label">Log</span>
        <span className="text-xs font-normal text-slate-500">
          {run.log.length} line{run.log.length === 1 ? "" : "s"}
          {run.status === "RUNNING" ? " · updates every second" : ""}
        </span>
      </figcaption>
      <ol
        ref={box}
        role="log"
        aria-labelledby="run-log-label"
        aria-live="polite"
        data-testid="run-log"
        onScroll={(e) => {
          const el = e.currentTarget;
          follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
        className="max-h-96 overflow-y-auto rounded-md bg-slate-950 px-3 py-2 font-mono text-xs leading-relaxed text-slate-200"
      >
        {run.log.length === 0 && <li className="text-slate-500">Waiting for the first line …</li>}
        {run.log.map((line, i) => {
          const tag = TAG.exec(line.text);
          const rest = tag ? line.text.slice(tag[0].length) : line.text;
          const verdict = /^PASS:/.test(line.text) ? "text-emerald-300 font-semibold" : /^FAIL:/.test(line.text) ? "text-red-300 font-semibold" : /: (FAILED|ROLLED_BACK|BLOCKED)/.test(line.text) ? "text-amber-300" : "";
          return (
            <li key={i} data-testid="run-log-line" className="flex gap-3">
              <span className="w-14 shrink-0 text-right tabular-nums text-slate-500">+{Math.max(0, (Date.parse(line.at) - t0) / 1000).toFixed(1)} s</span>
              <span className={`min-w-0 whitespace-pre-wrap break-words ${verdict}`}>
                {tag && <span className="text-sky-300">[{tag[1]}] </span>}
                {rest}
              </span>
            </li>
          );
        })}
      </ol>
    </figure>
  );
}
