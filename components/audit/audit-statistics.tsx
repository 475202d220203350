"use client";

import { useQuery } from "@tanstack/react-query";
import type { z } from "zod";
import { apiFetch } from "@/lib/api/client";
import type { ZAuditStatistics } from "@/lib/api/audit";
import { queryKeys } from "@/lib/api/query-keys";
import { formatTime } from "@/lib/format";
import { ErrorBox, Stat } from "@/components/locks/ui";

type Statistics = z.infer<typeof ZAuditStatistics>;

/**
 * What the rate is measured over (server/core/audit/audit-statistics.ts): the
 * time since the first event, never less than an hour, so a young log shows
 * its events so far rather than an extrapolation.
 */
function rateWindow(firstAt: string | null, lastAt: string | null): string | undefined {
  if (!firstAt) return undefined;
  const hours = (Date.now() - Date.parse(firstAt)) / 3_600_000;
  const over = hours < 1 ? "in the first hour (less than an hour of events so far)" : `averaged over ${hours < 48 ? `${hours.toFixed(1)} h` : `${(hours / 24).toFixed(1)} days`} since the first event`;
  return lastAt ? `${over}; newest ${formatTime(lastAt)}` : over;
}

export function AuditStatisticsHeader() {
  const query = useQuery({ queryKey: queryKeys.auditStatistics(), queryFn: ({ signal }) => apiFetch<Statistics>("/api/v1/audit/statistics", { signal }) });
  if (query.isError) return <ErrorBox error={query.error} onRetry={() => void query.refetch()} what="the audit statistics" />;
  const s = query.data;
  const loading = <span className="inline-block h-6 w-12 animate-pulse rounded bg-slate-100" aria-label="Loading" />;
  const last = s?.lastVerification;
  return (
    <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5" aria-busy={query.isPending}>
      <Stat label="Events" value={s ? s.total.toLocaleString() : loading} hint={s?.firstAt ? `since ${formatTime(s.firstAt)}` : undefined} />
      <Stat label="Events / hour" value={s ? s.eventsPerHour.toFixed(1) : loading} hint={s ? rateWindow(s.firstAt, s.lastAt) : undefined} />
      <Stat label="Actors" value={s ? s.uniqueActors : loading} />
      <Stat label="Services" value={s ? s.uniqueServices : loading} />
      <Stat
        label="Last verification"
        value={
          !s ? (
            loading
          ) : !last ? (
            <span className="text-base text-slate-500">never</span>
          ) : last.valid ? (
            <span className="text-emerald-700">valid</span>
          ) : (
            <span className="text-red-700">broken</span>
          )
        }
        hint={last ? (last.valid ? `${last.checked.toLocaleString()} events, ${last.checkpoints} checkpoint${last.checkpoints === 1 ? "" : "s"}` : `at seq ${last.firstBadSeq} (${last.kind})`) : s ? "no verification recorded yet" : undefined}
      />
    </dl>
  );
}
