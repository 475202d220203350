"use client";

// One run: its status, live log, verdict, duration, and for a healed incident
// the measured MTTR against the manual baseline, with links to what it did.
// Durations are on the simulated basis (the demo's waits run timeScale× faster)
// with the wall time beside them; Interlock's own decision time is real time,
// shown apart and never compared with the simulated figures (docs/demo.md#time-in-the-demo).
import Link from "next/link";
import { useEffect, useRef } from "react";
import type { TDemoRun } from "@/lib/api/demo";
import { Time } from "@/components/ui/time";
import { formatSpan } from "@/demo/pipeline/demo-times";
import { ErrorBox } from "../kpis/query-states";
import { formatRunDuration, mttrComparison, RunStatusBadge, runSeconds, shortId, useNow, VerdictBadge } from "./common";

export function RunPanel({ run, manualMttrMinutes, error }: { run: TDemoRun; manualMttrMinutes: number; error: unknown }) {
  const now = useNow(run.status === "RUNNING");
  const seconds = runSeconds(run, now);
  const finished = run.status !== "RUNNING";
  const mttr = run.times ? mttrComparison(run.times) : null;
  const scaled = run.timeScale !== 1;

  return (
    <article className="space-y-4 rounded-lg border border-slate-200 bg-white p-4" data-testid="demo-run" data-run-id={run.id} data-status={run.status} aria-label={`Run of ${run.scenario.title}`}>
      <header className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <h3 className="text-base font-semibold">
          Row {run.scenario.row}: {run.scenario.title}
        </h3>
        <RunStatusBadge status={run.status} testId="run-status" />
        <span className="text-xs text-slate-500">
          started by {run.startedBy} at <Time iso={run.startedAt} /> · <span className="font-mono">{shortId(run.id)}</span>
        </span>
      </header>

      {error ? <ErrorBox error={error} what="the run's latest state" /> : null}

      <dl className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-5">
        <Stat label={`${finished ? "Duration" : "Running for"}${scaled ? " (simulated time)" : ""}`} testId="run-duration">
          <span>
            {scaled ? formatSpan(seconds * 1000 * run.timeScale) : formatRunDuration(seconds)}
            {scaled && (
              <span className="block text-sm font-normal text-slate-600" data-testid="run-duration-wall">
                run {run.timeScale}× faster: {formatRunDuration(seconds)} of wall time
              </span>
            )}
          </span>
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
        <Stat label={`Automated MTTR${scaled ? " (simulated time)" : ""}`} testId="run-mttr">
          {mttr ? (
            <span>
              {mttr.simulated}
              <span className="block text-sm font-normal text-slate-600" data-testid="mttr-wall">
                {mttr.wall}
              </span>
              <span className="block text-sm font-normal text-slate-600" data-testid="mttr-vs-manual">
                {mttr.versusManual}
              </span>
            </span>
          ) : (
            <span className="text-sm font-normal text-slate-500">{finished ? "no incident healed in this run" : "when the incident is resolved"}</span>
          )}
        </Stat>
        <Stat label="Manual baseline" testId="run-manual-baseline">
          <span>
            {formatSpan((run.times?.manualMs ?? manualMttrMinutes * 60_000))}
            <span className="block text-sm font-normal text-slate-600">by hand, real-world time (the incident setting)</span>
          </span>
        </Stat>
        <Stat label="Interlock deciding (real time)" testId="run-orchestrator">
          {run.orchestratorMs !== null ? (
            <span>
              {formatSpan(run.orchestratorMs)}
              <span className="block text-sm font-normal text-slate-600">
                conflict checks, locks and gates of {run.operations.length} operation{run.operations.length === 1 ? "" : "s"}; not scaled, so not compared with the simulated times
              </span>
            </span>
          ) : (
            <span className="text-sm font-normal text-slate-500">{finished ? "no operation in this run" : "when the operations come to rest"}</span>
          )}
        </Stat>
      </dl>

      <div className="grid gap-2 text-sm">
        <p>
          <span className="font-medium text-slate-700">Expected:</span> <span className="text-slate-700">{run.scenario.expected}</span>
        </p>
        <p data-testid="run-actual">
          <span className="font-medium text-slate-700">Actual:</span>{" "}
          {run.actual ? <span className={run.passed ? "text-emerald-900" : "text-red-800"}>{run.actual}</span> : <span className="text-slate-500">measured when the run ends</span>}
        </p>
        {run.sandbox && (
          <p data-testid="run-sandbox" className="rounded border border-sky-200 bg-sky-50 px-3 py-2 text-sky-950">
            {run.status === "RUNNING" ? "Running" : "Ran"} in the sandbox: {run.sandbox}; its operations are not in this console&apos;s lists, so its incident and operations are named here, not linked.
          </p>
        )}
        {(run.incident || run.operations.length > 0) &&
          (run.sandbox ? (
            // Their records were in the sandbox, not in this server's store: a link would lead nowhere.
            <div className="flex flex-wrap items-center gap-x-4 gap-y-1 text-slate-700" data-testid="run-records">
              {run.incident && (
                <span>
                  Incident <span className="font-medium">{run.incident.key}</span>
                </span>
              )}
              {run.operations.length > 0 && (
                <span className="flex flex-wrap items-center gap-x-2">
                  <span className="text-slate-600">Operations:</span>
                  {run.operations.map((id) => (
                    <span key={id} className="font-mono text-xs" title={id}>
                      {shortId(id)}
                    </span>
                  ))}
                </span>
              )}
            </div>
          ) : (
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
          ))}
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
          {run.timeScale !== 1 ? `times since the start in simulated minutes (${run.timeScale}× the wall time) · ` : "times since the start · "}
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
              <span className="w-16 shrink-0 text-right tabular-nums text-slate-500" title={`${Math.max(0, (Date.parse(line.at) - t0) / 1000).toFixed(1)} s of wall time`}>
                +{sinceStart(Math.max(0, Date.parse(line.at) - t0), run.timeScale)}
              </span>
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

/** A log line's offset on the simulated basis: "+12:18" (minutes:seconds), "+1:02:05" past the hour; in real time at scale 1: "+12.3 s". */
function sinceStart(wallMs: number, timeScale: number): string {
  if (timeScale === 1) return `${(wallMs / 1000).toFixed(1)} s`;
  const total = Math.round((wallMs * timeScale) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}
