"use client";

// The graph's sources (docs/graph-sources.md): each source, what it reads and
// its last refresh with the change it applied and the problems it found; the
// removals held for an admin's review; and the drift between what is declared
// and what traffic shows. Refetched on the "graph" live topic.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type ReactNode } from "react";
import { apiFetch } from "@/lib/api/client";
import type { TGraphDrift, TGraphSources, THeldChange, TSourceRun } from "@/lib/api/graph-live";
import { queryKeys } from "@/lib/api/query-keys";
import { can, usePrincipal } from "../console/providers";
import { Badge, INPUT, LABEL, PRIMARY, SECONDARY } from "../incidents/common";
import { ErrorBox, FormError, Loading, formatDuration } from "../kpis/query-states";
import { KIND_LABEL } from "./graph-elements";
import { SOURCE_LABEL } from "./provenance";
import { Age, useNow } from "./provenance-panel";
import { DiffSummary, TopologyDiffView } from "./topology-diff-view";

type SourceEntry = TGraphSources["sources"][number];
type Refreshable = "CATALOG" | "TRACES";

const OUTCOME_STYLE: Record<TSourceRun["outcome"], string> = {
  APPLIED: "bg-emerald-100 text-emerald-800",
  NO_CHANGE: "bg-slate-100 text-slate-700",
  HELD: "bg-amber-100 text-amber-800",
  REFUSED: "bg-orange-100 text-orange-800",
  FAILED: "bg-red-100 text-red-800",
};
const OUTCOME_LABEL: Record<TSourceRun["outcome"], string> = { APPLIED: "applied", NO_CHANGE: "no change", HELD: "held for review", REFUSED: "refused", FAILED: "failed" };
const TRIGGER_LABEL: Record<TSourceRun["trigger"], string> = { INTERVAL: "on its interval", MANUAL: "by hand", STARTUP: "at start-up" };
/** Sources refreshed from outside (FILE, CONSOLE) are changed by an import or an apply, not refreshed. */
const REFRESHABLE: readonly string[] = ["CATALOG", "TRACES"];
const ORDER = ["FILE", "CONSOLE", "CATALOG", "TRACES"] as const;
/** The sources that change the graph by a whole document: always there, never refreshed. */
const DOCUMENT_SOURCES: Record<"FILE" | "CONSOLE", string> = {
  FILE: "Topology files imported with npm run graph:import (docs/topology.md): each import declares the whole graph.",
  CONSOLE: "Documents applied here (Apply a topology, below) or with PUT /api/v1/graph: each declares the whole graph.",
};

/** Every source in a fixed order; FILE and CONSOLE, which the server may leave out (nothing to configure or refresh), described here. */
function allSources(listed: readonly SourceEntry[]): SourceEntry[] {
  return ORDER.map((source) => listed.find((s) => s.source === source) ?? (source === "FILE" || source === "CONSOLE" ? { source, configured: true, description: DOCUMENT_SOURCES[source], lastRun: null } : null)).filter(
    (s): s is SourceEntry => s !== null,
  );
}

export function GraphSources() {
  const principal = usePrincipal();
  const admin = can(principal, "ADMIN");
  const now = useNow();
  const client = useQueryClient();
  const sources = useQuery({ queryKey: queryKeys.graphSources(), queryFn: ({ signal }) => apiFetch<TGraphSources>("/api/v1/graph/sources", { signal }) });
  const refresh = useMutation({
    mutationFn: (source: Refreshable | null) => apiFetch<{ runs: TSourceRun[] }>("/api/v1/graph/sources/refresh", { body: source ? { source } : {} }),
    onSettled: () => void client.invalidateQueries({ queryKey: ["graph"] }),
  });
  const notAdmin = `Needs the admin role; you are signed in as ${principal.role.toLowerCase()}.`;

  if (sources.isPending) return <Loading what="the graph's sources" />;
  if (sources.isError) return <ErrorBox error={sources.error} what="the graph's sources" onRetry={() => void sources.refetch()} />;
  const data = sources.data;
  const refreshable = data.sources.some((s) => s.configured && REFRESHABLE.includes(s.source));
  const pending = data.held.filter((h) => h.status === "PENDING");
  const decided = data.held.filter((h) => h.status !== "PENDING");

  return (
    <div className="space-y-6">
      <section aria-labelledby="sources-heading" className="space-y-3">
        <div className="flex flex-wrap items-end justify-between gap-3">
          <div>
            <h2 id="sources-heading" className="text-lg font-semibold">Sources</h2>
            <p className="text-xs text-slate-500" data-testid="sources-settings">
              Graph revision <span className="font-mono">{data.revision}</span> · refreshed {data.refreshIntervalSeconds ? `every ${formatDuration(data.refreshIntervalSeconds)}` : "only on demand"} · removals {data.removals === "review" ? "held for an admin's review" : "applied automatically"}
            </p>
          </div>
          <div className="flex flex-col items-end gap-1">
            <button
              type="button"
              className={PRIMARY}
              disabled={!admin || !refreshable || refresh.isPending}
              onClick={() => refresh.mutate(null)}
              title={!admin ? notAdmin : !refreshable ? "No catalog or trace source is configured" : undefined}
            >
              {refresh.isPending ? "Refreshing …" : "Refresh now"}
            </button>
            {!admin ? <span className="text-xs text-slate-500">{notAdmin}</span> : !refreshable ? <span className="text-xs text-slate-500">No catalog or trace source is configured.</span> : null}
          </div>
        </div>
        {refresh.isError ? <FormError error={refresh.error} /> : null}
        {refresh.data ? (
          <div role="status" className="rounded border border-slate-200 bg-white px-3 py-2 text-sm" data-testid="refresh-result">
            {refresh.data.runs.length === 0 ? (
              "Nothing was refreshed."
            ) : (
              <ul>
                {refresh.data.runs.map((r) => (
                  <li key={r.id} data-testid="refresh-run" data-source={r.source} data-outcome={r.outcome}>
                    {SOURCE_LABEL[r.source]}: <Badge className={OUTCOME_STYLE[r.outcome]}>{OUTCOME_LABEL[r.outcome]}</Badge> {r.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        ) : null}
        <div className="grid gap-4 xl:grid-cols-2">
          {allSources(data.sources).map((s) => (
            <SourceCard key={s.source} entry={s} now={now} admin={admin} notAdmin={notAdmin} refreshing={refresh.isPending} onRefresh={(source) => refresh.mutate(source)} />
          ))}
        </div>
      </section>

      <section aria-labelledby="held-heading" className="space-y-3">
        <h2 id="held-heading" className="text-lg font-semibold">Held changes</h2>
        <p className="text-xs text-slate-500">
          Removals a source proposed: the elements only it declared (or, for traces, not seen within the age-out) that it no longer reports. Approving applies what is still removable; rejecting keeps the elements and records who kept them, so they are not proposed again.
        </p>
        {pending.length === 0 ? (
          <p className="rounded-lg border border-dashed border-slate-300 bg-white p-4 text-sm text-slate-600" data-testid="held-empty">No change is waiting for review.</p>
        ) : (
          <ul className="space-y-3">
            {pending.map((h) => (
              <li key={h.id}>
                <HeldChangeCard change={h} now={now} admin={admin} notAdmin={notAdmin} />
              </li>
            ))}
          </ul>
        )}
        {decided.length > 0 && (
          <details className="rounded-lg border border-slate-200 bg-white p-3 text-sm">
            <summary className="cursor-pointer font-medium">Decided ({decided.length})</summary>
            <ul className="mt-2 divide-y divide-slate-100">
              {decided.map((h) => (
                <li key={h.id} className="py-1.5" data-testid="held-decided" data-status={h.status}>
                  <Badge className={h.status === "APPROVED" ? "bg-emerald-100 text-emerald-800" : h.status === "REJECTED" ? "bg-slate-200 text-slate-800" : "bg-slate-100 text-slate-600"}>{h.status.toLowerCase()}</Badge>{" "}
                  {SOURCE_LABEL[h.source]} · <DiffSummary diff={h.diff} /> · {h.decidedBy ?? "—"} <Age iso={h.decidedAt} now={now} />
                  {h.note ? <span className="text-slate-600"> — “{h.note}”</span> : null}
                </li>
              ))}
            </ul>
          </details>
        )}
      </section>

      <Drift now={now} />
    </div>
  );
}

function SourceCard({ entry, now, admin, notAdmin, refreshing, onRefresh }: { entry: SourceEntry; now: number; admin: boolean; notAdmin: string; refreshing: boolean; onRefresh: (s: Refreshable) => void }) {
  const run = entry.lastRun;
  const refreshable = REFRESHABLE.includes(entry.source);
  const headingId = useId();
  return (
    <article aria-labelledby={headingId} className="space-y-2 rounded-lg border border-slate-200 bg-white p-4" data-testid="source-card" data-source={entry.source} data-configured={entry.configured}>
      <header className="flex flex-wrap items-center gap-2">
        <h3 id={headingId} className="text-base font-semibold">{SOURCE_LABEL[entry.source]}</h3>
        <Badge className={entry.source === "TRACES" ? "bg-teal-50 text-teal-800" : "bg-slate-100 text-slate-700"}>{entry.source === "TRACES" ? "observes" : "declares"}</Badge>
        {refreshable ? (
          <Badge className={entry.configured ? "bg-emerald-100 text-emerald-800" : "bg-slate-100 text-slate-500"} data-testid="source-configured">
            {entry.configured ? "configured" : "not configured"}
          </Badge>
        ) : (
          <Badge className="bg-slate-100 text-slate-700">always available</Badge>
        )}
        {refreshable && entry.configured ? (
          <button
            type="button"
            className={`${SECONDARY} ml-auto !px-2 !py-0.5 !text-xs`}
            disabled={!admin || refreshing}
            title={admin ? undefined : notAdmin}
            aria-label={`Refresh ${SOURCE_LABEL[entry.source]} now`}
            onClick={() => onRefresh(entry.source as Refreshable)}
          >
            Refresh
          </button>
        ) : null}
      </header>
      <p className="break-words text-sm text-slate-700" data-testid="source-description">{entry.description}</p>
      {!run ? (
        <p className="text-sm text-slate-500">{refreshable ? "Not refreshed yet." : <>Not refreshed: it changes the graph when a document is imported or applied. Each change is in the <a href="/audit" className="text-indigo-700 underline">audit trail</a> (graph.changed).</>}</p>
      ) : (
        <div className="space-y-2 text-sm" data-testid="source-last-run" data-outcome={run.outcome}>
          <p className="flex flex-wrap items-center gap-x-2 gap-y-1">
            <span className="text-slate-500">Last refresh</span>
            <Age iso={run.finishedAt ?? run.startedAt} now={now} />
            <span className="text-slate-500">{TRIGGER_LABEL[run.trigger]}{run.trigger === "MANUAL" ? ` by ${run.actor}` : ""}</span>
            <Badge className={OUTCOME_STYLE[run.outcome]}>{OUTCOME_LABEL[run.outcome]}</Badge>
            {run.finishedAt === null ? <span className="text-slate-500">(still running)</span> : null}
          </p>
          {run.message ? <p className="text-slate-700">{run.message}</p> : null}
          {run.problems.length > 0 && (
            <details open={run.problems.length <= 10} className="rounded border border-amber-200 bg-amber-50 p-2">
              <summary className="cursor-pointer text-amber-900">
                {run.problems.length} problem{run.problems.length === 1 ? "" : "s"} in its input
              </summary>
              <ul className="mt-1 space-y-0.5 font-mono text-xs text-amber-900" data-testid="source-problems">
                {run.problems.slice(0, 200).map((p, i) => (
                  <li key={i}>
                    {p.file}
                    {p.line !== null ? `:${p.line}` : ""}
                    {p.entity ? ` ${p.entity}` : ""}: {p.message}
                  </li>
                ))}
              </ul>
              {run.problems.length > 200 && <p className="text-xs text-amber-900">and {run.problems.length - 200} more</p>}
            </details>
          )}
          {run.applied ? (
            <details className="rounded border border-slate-200 p-2">
              <summary className="cursor-pointer">
                Applied <DiffSummary diff={run.applied} />
                {run.revision !== null ? <span className="text-slate-500"> → revision {run.revision}</span> : null}
              </summary>
              <div className="mt-2">
                <TopologyDiffView diff={run.applied} label={`What the ${SOURCE_LABEL[entry.source]} refresh applied`} open={false} />
              </div>
            </details>
          ) : null}
          {run.heldChangeId ? <p className="text-xs text-amber-800">Removals held for review below.</p> : null}
        </div>
      )}
    </article>
  );
}

function HeldChangeCard({ change, now, admin, notAdmin }: { change: THeldChange; now: number; admin: boolean; notAdmin: string }) {
  const client = useQueryClient();
  const ids = { note: useId(), reason: useId() };
  const [rejecting, setRejecting] = useState(false);
  const [note, setNote] = useState("");
  const decide = useMutation({
    mutationFn: ({ action, note }: { action: "approve" | "reject"; note?: string }) =>
      apiFetch<unknown>(`/api/v1/graph/changes/${encodeURIComponent(change.id)}/${action}`, { body: note ? { note } : {} }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["graph"] }),
  });
  return (
    <article className="space-y-2 rounded-lg border border-amber-200 bg-white p-4" aria-label={`Held change from ${SOURCE_LABEL[change.source]}`} data-testid="held-change" data-id={change.id}>
      <p className="flex flex-wrap items-center gap-2 text-sm">
        <Badge className="bg-amber-100 text-amber-800">awaiting review</Badge>
        <span className="font-medium">{SOURCE_LABEL[change.source]}</span>
        <Age iso={change.createdAt} now={now} />
        <DiffSummary diff={change.diff} />
      </p>
      <p className="text-sm text-slate-700">{change.reason}</p>
      <TopologyDiffView diff={change.diff} label="What approving removes" />
      {rejecting && admin ? (
        <form
          className="space-y-2"
          aria-label="Reject the held change"
          onSubmit={(e) => {
            e.preventDefault();
            decide.mutate({ action: "reject", note: note.trim() });
          }}
        >
          <div>
            <label htmlFor={ids.note} className={LABEL}>Why keep these elements?</label>
            <textarea id={ids.note} className={INPUT} rows={2} value={note} onChange={(e) => setNote(e.target.value)} required maxLength={2000} />
          </div>
          <div className="flex gap-2">
            <button type="submit" className={PRIMARY} disabled={decide.isPending || note.trim() === ""}>
              Reject and keep them
            </button>
            <button type="button" className={SECONDARY} onClick={() => setRejecting(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div className="flex flex-wrap items-center gap-2">
          <button type="button" className={PRIMARY} disabled={!admin || decide.isPending} aria-describedby={admin ? undefined : ids.reason} onClick={() => decide.mutate({ action: "approve" })}>
            Approve
          </button>
          <button type="button" className={SECONDARY} disabled={!admin || decide.isPending} aria-describedby={admin ? undefined : ids.reason} onClick={() => setRejecting(true)}>
            Reject…
          </button>
          {!admin ? (
            <span id={ids.reason} className="text-xs text-slate-500" data-testid="held-disabled-reason">
              Approving and rejecting: {notAdmin.charAt(0).toLowerCase()}{notAdmin.slice(1)}
            </span>
          ) : null}
        </div>
      )}
      {decide.isError ? <FormError error={decide.error} /> : null}
    </article>
  );
}

function Drift({ now }: { now: number }) {
  const drift = useQuery({ queryKey: queryKeys.graphDrift(), queryFn: ({ signal }) => apiFetch<TGraphDrift>("/api/v1/graph/drift", { signal }) });
  return (
    <section aria-labelledby="drift-heading" className="space-y-3">
      <h2 id="drift-heading" className="text-lg font-semibold">Drift</h2>
      {drift.isPending ? (
        <Loading what="the drift" />
      ) : drift.isError ? (
        <ErrorBox error={drift.error} what="the drift" onRetry={() => void drift.refetch()} />
      ) : (
        <>
          <div className="space-y-1">
            <h3 className="text-base font-semibold">Observed, not declared</h3>
            <p className="text-xs text-slate-500">Edges traffic shows that no file, console change or catalog declares.</p>
            {drift.data.observedNotDeclared.length === 0 ? (
              <p className="text-sm text-slate-600" data-testid="drift-observed-empty">
                {drift.data.tracesConfigured ? "None: every observed edge is declared." : "None (no trace source is configured)."}
              </p>
            ) : (
              <DriftTable
                caption="Edges observed in traffic but not declared"
                testId="drift-observed"
                head={["From", "To", "Kind", "Requests", "Last seen", "Why"]}
                rows={drift.data.observedNotDeclared.map((d) => ({
                  key: `${d.from}->${d.to}`,
                  cells: [
                    <span key="f" className="font-mono">{d.from}</span>,
                    <span key="t" className="font-mono">{d.to}</span>,
                    KIND_LABEL[d.kind],
                    d.requests === null ? "—" : Math.round(d.requests).toLocaleString("en-US"),
                    <Age key="a" iso={d.lastSeenAt} now={now} />,
                    <span key="r">
                      {!d.inGraph ? <Badge className="mr-1 bg-orange-100 text-orange-800">not a service in the graph</Badge> : null}
                      {d.reason}
                    </span>,
                  ],
                }))}
              />
            )}
          </div>
          <div className="space-y-1">
            <h3 className="text-base font-semibold">Declared, not observed</h3>
            {!drift.data.tracesConfigured ? (
              <p className="text-sm text-slate-600" data-testid="drift-no-traces">
                No trace source is configured (GRAPH_TRACES_PROMETHEUS_URL), so nothing can be said about declared edges that traffic does not show.
              </p>
            ) : drift.data.declaredNotObserved.length === 0 ? (
              <p className="text-sm text-slate-600" data-testid="drift-declared-empty">None: traffic shows every declared edge.</p>
            ) : (
              <>
                <p className="text-xs text-slate-500">Declared edges traffic has not shown within the trace window: perhaps gone, perhaps rarely used.</p>
                <DriftTable
                  caption="Edges declared but not observed in traffic"
                  testId="drift-declared"
                  head={["From", "To", "Kind", "Declared by", "Last observed"]}
                  rows={drift.data.declaredNotObserved.map((d) => ({
                    key: `${d.from}->${d.to}`,
                    cells: [
                      <span key="f" className="font-mono">{d.from}</span>,
                      <span key="t" className="font-mono">{d.to}</span>,
                      KIND_LABEL[d.kind],
                      d.declaredBy.map((s) => SOURCE_LABEL[s]).join(", "),
                      d.lastSeenAt ? <Age key="a" iso={d.lastSeenAt} now={now} /> : "never",
                    ],
                  }))}
                />
              </>
            )}
          </div>
        </>
      )}
    </section>
  );
}

/** Rows shown per drift table; a large estate can drift by thousands of edges. */
const DRIFT_ROWS = 500;

function DriftTable({ caption, testId, head, rows }: { caption: string; testId: string; head: string[]; rows: { key: string; cells: ReactNode[] }[] }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="min-w-full text-sm" data-testid={testId}>
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
          <tr>
            {head.map((h) => (
              <th key={h} scope="col" className="p-2">{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.slice(0, DRIFT_ROWS).map((r) => (
            <tr key={r.key} className="border-t border-slate-100 align-top" data-testid={`${testId}-row`}>
              {r.cells.map((c, i) => (
                <td key={i} className="p-2">{c}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > DRIFT_ROWS && <p className="p-2 text-xs text-slate-500">Showing {DRIFT_ROWS} of {rows.length}.</p>}
    </div>
  );
}
