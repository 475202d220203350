"use client";

import { useQuery } from "@tanstack/react-query";
import type { z } from "zod";
import { apiFetch } from "@/lib/api/client";
import type { ZLockStatistics } from "@/lib/api/locks";
import { queryKeys } from "@/lib/api/query-keys";
import { DataTable } from "@/components/ui/data-table";
import { formatMs } from "./format";
import { EmptyState, ErrorBox, LoadingRows } from "./ui";

type Statistics = z.infer<typeof ZLockStatistics>;

/** The console highlights a lock that makes more than 10 % of its acquisitions wait as highly contended. */
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
    <DataTable
      caption="Contention statistics per lock, most contended first"
      rows={locks}
      rowKey={(s) => `${s.key.scope}:${s.key.resource}`}
      rowProps={() => ({ "data-testid": "lock-statistics-row" })}
      bodyClassName="tabular-nums"
      columns={[
        {
          key: "lock",
          header: "Lock",
          rowHeader: true,
          className: "font-normal",
          cell: (s) => (
            <>
              <span className="mr-1.5 rounded bg-slate-100 px-1.5 py-0.5 text-[11px] font-semibold tracking-wide text-slate-700">{s.key.scope}</span>
              <span className="whitespace-nowrap font-mono text-xs">{s.key.resource}</span>
            </>
          ),
        },
        { key: "acquisitions", header: "Acquisitions", align: "right", className: "whitespace-nowrap", cell: (s) => s.acquisitions },
        { key: "contentions", header: "Contentions", align: "right", className: "whitespace-nowrap", cell: (s) => s.contentions },
        {
          key: "rate",
          header: "Contention rate",
          align: "right",
          className: "whitespace-nowrap",
          cell: (s) => (
            <>
              <span className={s.contentionRate > HIGH_CONTENTION ? "font-semibold text-amber-700" : ""}>{(s.contentionRate * 100).toFixed(1)} %</span>
              {s.contentionRate > HIGH_CONTENTION ? <span className="sr-only"> (high contention)</span> : null}
            </>
          ),
        },
        { key: "avgWait", header: "Avg wait", align: "right", className: "whitespace-nowrap", cell: (s) => (s.contentions ? formatMs(s.avgWaitMs) : "—") },
        { key: "maxWait", header: "Max wait", align: "right", className: "whitespace-nowrap", cell: (s) => (s.contentions ? formatMs(s.maxWaitMs) : "—") },
        { key: "releases", header: "Releases", align: "right", className: "whitespace-nowrap", cell: (s) => s.releases },
        { key: "avgHold", header: "Avg hold", align: "right", className: "whitespace-nowrap", cell: (s) => (s.releases ? formatMs(s.avgHoldMs) : "—") },
        { key: "maxHold", header: "Max hold", align: "right", className: "whitespace-nowrap", cell: (s) => (s.releases ? formatMs(s.maxHoldMs) : "—") },
      ]}
    />
  );
}
