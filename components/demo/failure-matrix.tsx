"use client";

// The failure injection matrix: 20 scenarios, each injectable here, each
// judged by what this server measured the last time it ran.
import type { TDemoCatalog, TDemoRun } from "@/lib/api/demo";
import { formatDuration } from "../kpis/query-states";
import { DataTable, DataTableDetailRow, type Column } from "../ui/data-table";
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

  type Scenario = TDemoCatalog["scenarios"][number];
  const columns: Column<Scenario>[] = [
    { key: "row", header: "Row", align: "right", className: "tabular-nums text-slate-500", cell: (s) => s.row },
    {
      key: "title",
      header: "Failure type",
      rowHeader: true,
      className: "font-medium",
      cell: (s) => (
        <>
          {s.title}
          <span className="block font-mono text-[11px] font-normal text-slate-400">{s.id}</span>
        </>
      ),
    },
    { key: "injectedAt", header: "Injected at", className: "max-w-[14rem] text-xs text-slate-700", cell: (s) => s.injectedAt },
    { key: "expected", header: "Expected reaction", className: "max-w-xs text-xs text-slate-700", cell: (s) => s.expected },
    {
      key: "last",
      header: "Last result here",
      className: "min-w-[16rem] max-w-md text-xs",
      cellProps: () => ({ "data-testid": "last-result" }),
      cell: (s) => {
        const r = last.get(s.id);
        return (
          <>
            {s.unavailableReason && (
              <p id={`unavailable-${s.id}`} className="mb-1 rounded border border-amber-200 bg-amber-50 px-2 py-1 text-amber-900" data-testid="row-unavailable">
                Unavailable on this server: this row {s.unavailableReason}.
              </p>
            )}
            {!r ? (
              <span className="text-slate-400">{s.unavailableReason ? "not run" : "not run yet"}</span>
            ) : (
              <div className="space-y-1">
                <div className="flex flex-wrap items-center gap-2">
                  {r.status === "RUNNING" || r.passed === null ? <RunStatusBadge status={r.status} /> : <VerdictBadge passed={r.passed} />}
                  <span className="tabular-nums text-slate-500" data-testid="last-result-duration" title={`wall time of the row's run (its simulated waits ran ${r.timeScale}× faster)`}>
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
          </>
        );
      },
    },
    {
      key: "action",
      header: <span className="sr-only">Action</span>,
      align: "right",
      cell: (s) => (
        <button
          type="button"
          onClick={() => onInject(s.id)}
          disabled={block !== null || s.unavailableReason !== null}
          aria-label={`Inject row ${s.row}: ${s.title}`}
          aria-describedby={block && block.kind !== "starting" ? "inject-blocked-reason" : s.unavailableReason ? `unavailable-${s.id}` : undefined}
          className="rounded border border-slate-300 bg-white px-3 py-1 text-sm font-medium text-slate-800 hover:bg-slate-100 disabled:cursor-not-allowed disabled:opacity-50"
        >
          Inject
        </button>
      ),
    },
  ];

  return (
    <section aria-labelledby="matrix-heading" className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <div>
          <h2 id="matrix-heading" className="text-lg font-semibold">
            Failure injection matrix
          </h2>
          <p className="text-sm text-slate-600">{catalog.scenarios.length} failure scenarios. Inject one to run it on this server; its verdict compares what was measured with the expected reaction.</p>
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
      <DataTable
        columns={columns}
        rows={catalog.scenarios}
        rowKey={(s) => s.id}
        caption="Failure injection matrix: each scenario, where it is injected, the expected reaction and its last result on this server"
        tableProps={{ "data-testid": "failure-matrix" }}
        bodyClassName="align-top"
        rowProps={(s) => {
          const r = last.get(s.id);
          return { "data-testid": `matrix-row-${s.id}`, className: r && r.id === selectedId ? "bg-sky-50/60" : undefined };
        }}
        afterRow={(s) =>
          refusal && refusal.scenario === s.id ? (
            <DataTableDetailRow colSpan={columns.length} cellClassName="px-3 pb-3">
              <StartRefusal error={refusal.error} onShowRun={onShowRun} />
            </DataTableDetailRow>
          ) : null
        }
      />
    </section>
  );
}
