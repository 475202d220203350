"use client";

// Seed 001's failure injection matrix: 20 scenarios, each injectable here, each
// judged by what this server measured the last time it ran.
import { Fragment } from "react";
import type { TDemoCatalog, TDemoRun } from "@/lib/api/demo";
import { formatDuration } from "../kpis/query-states";
import { formatRunDuration, RunStatusBadge, runSeconds, StartRefusal, useNow, VerdictBadge, type StartBlock } from "./common";

export function FailureMatrix({
  catalog,
  runs,
  selectedId,
  block,
  onInject,
  refusal,
  onShowRun,
}: {
  catalog: TDemoCatalog;
  /** This server's runs, newest first. */
  runs: TDemoRun[];
  selectedId: string | null;
  block: StartBlock | null;
  onInject: (scenario: string) => void;
  refusal: { scenario: string; error: unknown } | null;
  onShowRun: (id: string) => void;
}) {
  const now = useNow(runs.some((r) => r.status === "RUNNING"));
  const last = new Map<string, TDemoRun>();
  for (const r of runs) if (!last.has(r.scenario.id)) last.set(r.scenario.id, r);
  const passed = catalog.scenarios.filter((s) => last.get(s.id)?.passed === true).length;
  const failed = catalog.scenarios.filter((s) => last.get(s.id)?.passed === false).length;

  return (
    <section aria-labelledby="matrix-heading" className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <div>
          <h2 id="matrix-heading" className="text-lg font-semibold">
            Failure injection matrix
          </h2>
          <p className="text-sm text-slate-600">Seed 001&apos;s {catalog.scenarios.length} scenarios. Inject one to run it on this server; its verdict compares what was measured with the expected reaction.</p>
        </div>
        <p className="text-sm text-slate-600" data-testid="matrix-summary">
          Last results here: <span className="font-semibold text-emerald-700">{passed} passed</span>, <span className="font-semibold text-red-700">{failed} failed</span>, {catalog.scenarios.length - passed - failed} not run
        </p>
      </div>
      {block && block.kind !== "starting" && (
        <p id="inject-blocked-reason" data-testid="inject-blocked-reason" className="rounded border border-slate-200 bg-slate-50 px-3 py-2 text-sm text-slate-700">
          {block.reason}
        </p>
      )}
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="min-w-full text-left text-sm" data-testid="failure-matrix">
          <caption className="sr-only">Failure injection matrix: each scenario, where it is injected, the expected reaction and its last result on this server</caption>
          <thead className="bg-slate-100 text-xs uppercase tracking-wide text-slate-600">
            <tr>
              <th scope="col" className="px-3 py-2 text-right">Row</th>
              <th scope="col" className="px-3 py-2">Failure type</th>
              <th scope="col" className="px-3 py-2">Injected at</th>
              <th scope="col" className="px-3 py-2">Expected reaction</th>
              <th scope="col" className="px-3 py-2">Last result here</th>
              <th scope="col" className="px-3 py-2">
                <span className="sr-only">Action</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 align-top">
            {catalog.scenarios.map((s) => {
              const r = last.get(s.id);
              const refused = refusal && refusal.scenario === s.id ? refusal.error : null;
              return (
                <Fragment key={s.id}>
                  <tr data-testid={`matrix-row-${s.id}`} className={r && r.id === selectedId ? "bg-sky-50/60" : undefined}>
                    <td className="px-3 py-2 text-right tabular-nums text-slate-500">{s.row}</td>
                    <th scope="row" className="px-3 py-2 font-medium">
                      {s.title}
                      <span className="block font-mono text-[11px] font-normal text-slate-400">{s.id}</span>
                    </th>
                    <td className="max-w-[14rem] px-3 py-2 text-xs text-slate-700">{s.injectedAt}</td>
                    <td className="max-w-xs px-3 py-2 text-xs text-slate-700">{s.expected}</td>
                    <td className="min-w-[16rem] max-w-md px-3 py-2 text-xs" data-testid="last-result">
                      {!r ? (
                        <span className="text-slate-400">not run yet</span>
                      ) : (
                        <div className="space-y-1">
                          <div className="flex flex-wrap items-center gap-2">
                            {r.status === "RUNNING" || r.passed === null ? <RunStatusBadge status={r.status} /> : <VerdictBadge passed={r.passed} />}
                            <span className="tabular-nums text-slate-500" data-testid="last-result-duration">
                              {r.status === "RUNNING" ? `running for ${formatDuration(runSeconds(r, now))}` : `in ${formatRunDuration(runSeconds(r, now))}`}
                            </span>
                            {r.id === selectedId ? (
                              <span className="text-slate-500">shown above</span>
                            ) : (
                              <button type="button" onClick={() => onShowRun(r.id)} className="text-sky-700 hover:underline" aria-label={`Show the log of row ${s.row}'s last run`}>
                                show log
                              </button>
                            )}
                          </div>
                          {r.actual && (
                            <p className={r.passed ? "text-slate-700" : "text-red-800"} data-testid="last-result-actual">
                              {r.actual}
                            </p>
                          )}
                        </div>
                      )}
                    </td>
                    <td className="px-3 py-2 text-right">
                      <button
                        type="button"
                        onClick={() => onInject(s.id)}
                        disabled={block !== null}
                        aria-label={`Inject row ${s.row}: ${s.title}`}
                        aria-describedby={block && block.kind !== "starting" ? "inject-blocked-reason" : undefined}
                        className="rounded border border-slate-300 bg-white px-3 py-1 text-sm font-medium text-slate-800 hover:bg-slate-100 disabled:cursor-not-allowed disabled:opacity-50"
                      >
                        Inject
                      </button>
                    </td>
                  </tr>
                  {refused ? (
                    <tr>
                      <td colSpan={6} className="px-3 pb-3">
                        <StartRefusal error={refused} onShowRun={onShowRun} />
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
