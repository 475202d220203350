"use client";

import { useQuery } from "@tanstack/react-query";
import type { z } from "zod";
import { apiFetch } from "@/lib/api/client";
import type { ZLockStatistics } from "@/lib/api/locks";
import { queryKeys } from "@/lib/api/query-keys";
import { formatMs } from "./format";
import { EmptyState, ErrorBox, LoadingRows } from "./ui";

type Statistics = z.infer<typeof ZLockStatistics>;

/** Seed 002 calls a lock that makes more than 10 % of its acquisitions wait highly contended. */
const HIGH_CONTENTION = 0.1;

export function LockStatistics() {
  const query = useQuery({ queryKey: queryKeys.lockStatistics(), queryFn: ({ signal }) => apiFetch<Statistics>("/api/v1/locks/statistics", { signal }) });
  if (query.isPending) return <LoadingRows label="Loading lock statistics …" />;
  if (query.isError) return <ErrorBox error={query.error} onRetry={() => void query.refetch()} what="the lock statistics" />;
  const { locks } = query.data;
  if (locks.length === 0) {
    return (
      <EmptyState title="No lock has been taken yet">
        Each lock gets a line here after its first acquisition: how often it was taken, how often a request had to wait for it, and how long waits and holds lasted.
      </EmptyState>
    );
  }
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="min-w-full text-left text-sm">
        <caption className="sr-only">Contention statistics per lock, most contended first</caption>
        <thead className="bg-slate-100 text-xs uppercase tracking-wide text-slate-600">
          <tr>
            <th scope="col" className="px-3 py-2">Lock</th>
            <th scope="col" className="px-3 py-2 text-right">Acquisitions</th>
            <th scope="col" className="px-3 py-2 text-right">Contentions</th>
            <th scope="col" className="px-3 py-2 text-right">Contention rate</th>
            <th scope="col" className="px-3 py-2 text-right">Avg wait</th>
            <th scope="col" className="px-3 py-2 text-right">Max wait</th>
            <th scope="col" className="px-3 py-2 text-right">Releases</th>
            <th scope="col" className="px-3 py-2 text-right">Avg hold</th>
            <th scope="col" className="px-3 py-2 text-right">Max hold</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 tabular-nums">
          {locks.map((s) => (
            <tr key={`${s.key.scope}:${s.key.resource}`} data-testid="lock-statistics-row">
              <th scope="row" className="px-3 py-2 font-normal">
                <span className="mr-1.5 rounded bg-slate-100 px-1.5 py-0.5 text-[11px] font-semibold tracking-wide text-slate-700">{s.key.scope}</span>
                <span className="whitespace-nowrap font-mono text-xs">{s.key.resource}</span>
              </th>
              <td className="whitespace-nowrap px-3 py-2 text-right">{s.acquisitions}</td>
              <td className="whitespace-nowrap px-3 py-2 text-right">{s.contentions}</td>
              <td className="whitespace-nowrap px-3 py-2 text-right">
                <span className={s.contentionRate > HIGH_CONTENTION ? "font-semibold text-amber-700" : ""}>{(s.contentionRate * 100).toFixed(1)} %</span>
                {s.contentionRate > HIGH_CONTENTION ? <span className="sr-only"> (high contention)</span> : null}
              </td>
              <td className="whitespace-nowrap px-3 py-2 text-right">{s.contentions ? formatMs(s.avgWaitMs) : "—"}</td>
              <td className="whitespace-nowrap px-3 py-2 text-right">{s.contentions ? formatMs(s.maxWaitMs) : "—"}</td>
              <td className="whitespace-nowrap px-3 py-2 text-right">{s.releases}</td>
              <td className="whitespace-nowrap px-3 py-2 text-right">{s.releases ? formatMs(s.avgHoldMs) : "—"}</td>
              <td className="whitespace-nowrap px-3 py-2 text-right">{s.releases ? formatMs(s.maxHoldMs) : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
