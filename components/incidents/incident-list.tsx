"use client";

// The incidents, newest first, from every source (docs/incidents.md#sources):
// Alertmanager's alerts, tools through the API, operators here, and the demo.
// The list is under the "incidents" live topic, so it refreshes on its own
// when an alert opens or resolves one, or someone moves one on.
import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useId, useState } from "react";
import { apiFetch, qs } from "@/lib/api/client";
import { INCIDENT_SOURCES, INCIDENT_STATUSES, type TIncidentPage } from "@/lib/api/incidents";
import { queryKeys } from "@/lib/api/query-keys";
import { DataTable } from "@/components/ui/data-table";
import { Time } from "@/components/ui/time";
import { can, usePrincipal } from "../console/providers";
import { ErrorBox, formatDuration, Loading } from "../kpis/query-states";
import { INPUT, LABEL, mttrSeconds, PRIMARY, SeverityBadge, SOURCE_LABEL, SourceBadge, StatusBadge, type IncidentSource, type IncidentStatus } from "./common";
import { OpenIncidentForm } from "./open-incident-form";

export function IncidentList() {
  const principal = usePrincipal();
  const operator = can(principal, "OPERATOR");
  const id = useId();
  const [source, setSource] = useState<"" | IncidentSource>("");
  const [status, setStatus] = useState<"" | IncidentStatus>("");
  const [opening, setOpening] = useState(false);
  const filtered = source !== "" || status !== "";

  const query = useInfiniteQuery({
    queryKey: queryKeys.incidents({ source, status }),
    queryFn: ({ pageParam, signal }) => apiFetch<TIncidentPage>(`/api/v1/incidents${qs({ limit: 50, cursor: pageParam, source, status })}`, { signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <form aria-label="Filter incidents" className="flex flex-wrap items-end gap-3" onSubmit={(e) => e.preventDefault()}>
          <div>
            <label htmlFor={`${id}-source`} className={LABEL}>
              Source
            </label>
            <select id={`${id}-source`} value={source} onChange={(e) => setSource(e.target.value as typeof source)} className={INPUT}>
              <option value="">Every source</option>
              {INCIDENT_SOURCES.map((s) => (
                <option key={s} value={s}>
                  {SOURCE_LABEL[s]}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor={`${id}-status`} className={LABEL}>
              Status
            </label>
            <select id={`${id}-status`} value={status} onChange={(e) => setStatus(e.target.value as typeof status)} className={INPUT}>
              <option value="">Every status</option>
              {INCIDENT_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
        </form>
        {operator ? (
          !opening && (
            <button type="button" className={PRIMARY} onClick={() => setOpening(true)}>
              Open incident
            </button>
          )
        ) : (
          <p className="text-xs text-slate-500">Opening, acknowledging and resolving incidents need the operator role.</p>
        )}
      </div>

      {operator && opening && <OpenIncidentForm onCancel={() => setOpening(false)} />}

      {query.isPending ? (
        <Loading what="incidents" />
      ) : query.isError ? (
        <ErrorBox error={query.error} what="incidents" onRetry={() => void query.refetch()} />
      ) : (
        <Incidents pages={query.data.pages} filtered={filtered} />
      )}

      {query.hasNextPage && (
        <button type="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage} className="rounded border border-slate-300 bg-white px-3 py-1 text-sm hover:bg-slate-100 disabled:opacity-50">
          {query.isFetchingNextPage ? "Loading …" : "Load more incidents"}
        </button>
      )}
    </div>
  );
}

function Incidents({ pages, filtered }: { pages: TIncidentPage[]; filtered: boolean }) {
  const items = pages.flatMap((p) => p.items);
  if (items.length === 0) {
    return filtered ? (
      <p className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600" data-testid="incidents-none-match">
        No incident matches these filters.
      </p>
    ) : (
      <div className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600" data-testid="incidents-empty">
        <p className="font-medium text-slate-800">No incidents yet.</p>
        <p className="mt-1">
          Incidents are opened by Alertmanager&apos;s alerts (its webhook posts to <span className="font-mono text-xs">/api/v1/integrations/alertmanager</span>), by tools through the API, by an operator here with{" "}
          <span className="italic">Open incident</span>, and by the self-healing demo. Each appears here with its source, status and time to recovery.
        </p>
      </div>
    );
  }
  return (
    <DataTable
      caption="Incidents, most recently detected first"
      rows={items}
      rowKey={(i) => i.id}
      rowProps={(i) => ({ "data-testid": "incident-row", "data-key": i.key })}
      columns={[
        {
          key: "incident",
          header: "Incident",
          cell: (i) => (
            <>
              <Link href={`/incidents/${i.id}`} className="font-medium text-sky-700 hover:underline">
                {i.key}
              </Link>
              <p className="text-xs text-slate-500">{i.title}</p>
            </>
          ),
        },
        { key: "status", header: "Status", cell: (i) => <StatusBadge status={i.status} /> },
        { key: "source", header: "Source", cell: (i) => <SourceBadge source={i.source} /> },
        { key: "service", header: "Service", className: "whitespace-nowrap font-mono text-xs", cell: (i) => i.service },
        { key: "severity", header: "Severity", cell: (i) => <SeverityBadge severity={i.severity} /> },
        { key: "detected", header: "Detected", className: "whitespace-nowrap text-xs", cell: (i) => <Time iso={i.detectedAt} /> },
        { key: "resolved", header: "Resolved", className: "whitespace-nowrap text-xs", cell: (i) => (i.resolvedAt ? <Time iso={i.resolvedAt} /> : <span className="text-slate-400">not yet</span>) },
        {
          key: "mttr",
          header: "MTTR",
          align: "right",
          className: "tabular-nums",
          cell: (i) => {
            const mttr = mttrSeconds(i);
            if (mttr === null) return <span className="text-slate-400">—</span>;
            // The demo's stored times are compressed by its time scale (docs/demo.md#time-in-the-demo).
            return i.source === "DEMO" ? (
              <span title="Demo: stored times are compressed by the demo's time scale">
                {formatDuration(mttr)} <span className="text-xs text-slate-500">(demo)</span>
              </span>
            ) : (
              formatDuration(mttr)
            );
          },
        },
      ]}
    />
  );
}
