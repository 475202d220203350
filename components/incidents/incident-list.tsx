"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { apiFetch, qs } from "@/lib/api/client";
import type { TIncidentPage, TIncidentSummary } from "@/lib/api/incidents";
import { queryKeys } from "@/lib/api/query-keys";
import { ErrorBox, formatDuration, formatTime, Loading } from "../kpis/query-states";

export const STATUS_STYLE: Record<TIncidentSummary["status"], string> = {
  OPEN: "bg-red-100 text-red-800",
  REMEDIATING: "bg-amber-100 text-amber-800",
  RESOLVED: "bg-emerald-100 text-emerald-800",
  ESCALATED: "bg-purple-100 text-purple-800",
  FAILED: "bg-slate-200 text-slate-800",
};

export const SEVERITY_STYLE: Record<string, string> = {
  INFO: "bg-slate-100 text-slate-700",
  WARNING: "bg-yellow-100 text-yellow-800",
  ERROR: "bg-orange-100 text-orange-800",
  CRITICAL: "bg-red-100 text-red-800",
};

export function mttrSeconds(incident: Pick<TIncidentSummary, "detectedAt" | "resolvedAt">): number | null {
  return incident.resolvedAt ? (Date.parse(incident.resolvedAt) - Date.parse(incident.detectedAt)) / 1000 : null;
}

export function Badge({ className, children }: { className: string; children: React.ReactNode }) {
  return <span className={`inline-block whitespace-nowrap rounded px-2 py-0.5 text-xs font-medium ${className}`}>{children}</span>;
}

export function IncidentList() {
  const query = useInfiniteQuery({
    queryKey: queryKeys.incidents(),
    queryFn: ({ pageParam, signal }) => apiFetch<TIncidentPage>(`/api/v1/incidents${qs({ limit: 50, cursor: pageParam })}`, { signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });

  if (query.isPending) return <Loading what="incidents" />;
  if (query.isError) return <ErrorBox error={query.error} what="incidents" onRetry={() => void query.refetch()} />;
  const items = query.data.pages.flatMap((p) => p.items);
  if (items.length === 0) {
    return (
      <div className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600" data-testid="incidents-empty">
        <p className="font-medium text-slate-800">No incidents yet — the self-healing demo records them.</p>
        <p className="mt-1">
          Each incident the pipeline detects appears here with its status, severity and time to recovery; open one for its MTTR timeline. Nothing in Interlock writes incidents until the demo runs.
        </p>
      </div>
    );
  }
  return (
    <div className="space-y-3">
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="min-w-full text-left text-sm">
          <caption className="sr-only">Incidents, most recently detected first</caption>
          <thead className="bg-slate-100 text-xs uppercase tracking-wide text-slate-600">
            <tr>
              <th scope="col" className="px-3 py-2">Incident</th>
              <th scope="col" className="px-3 py-2">Status</th>
              <th scope="col" className="px-3 py-2">Service</th>
              <th scope="col" className="px-3 py-2">Severity</th>
              <th scope="col" className="px-3 py-2">Detected</th>
              <th scope="col" className="px-3 py-2">Resolved</th>
              <th scope="col" className="px-3 py-2 text-right">MTTR</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {items.map((i) => {
              const mttr = mttrSeconds(i);
              return (
                <tr key={i.id}>
                  <td className="px-3 py-2">
                    <Link href={`/incidents/${i.id}`} className="font-medium text-sky-700 hover:underline">
                      {i.key}
                    </Link>
                    <p className="text-xs text-slate-500">{i.title}</p>
                  </td>
                  <td className="px-3 py-2">
                    <Badge className={STATUS_STYLE[i.status]}>{i.status}</Badge>
                  </td>
                  <td className="whitespace-nowrap px-3 py-2 font-mono text-xs">{i.service}</td>
                  <td className="px-3 py-2">
                    <Badge className={SEVERITY_STYLE[i.severity] ?? ""}>{i.severity}</Badge>
                  </td>
                  <td className="whitespace-nowrap px-3 py-2 text-xs">{formatTime(i.detectedAt)}</td>
                  <td className="whitespace-nowrap px-3 py-2 text-xs">{i.resolvedAt ? formatTime(i.resolvedAt) : <span className="text-slate-400">not yet</span>}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{mttr === null ? <span className="text-slate-400">—</span> : formatDuration(mttr)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {query.hasNextPage && (
        <button type="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage} className="rounded border border-slate-300 bg-white px-3 py-1 text-sm hover:bg-slate-100 disabled:opacity-50">
          {query.isFetchingNextPage ? "Loading …" : "Load more incidents"}
        </button>
      )}
    </div>
  );
}
