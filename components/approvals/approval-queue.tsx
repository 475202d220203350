"use client";

import Link from "next/link";
import { useInfiniteQuery } from "@tanstack/react-query";
import { apiFetch, qs } from "@/lib/api/client";
import type { TPendingReview, TPendingReviewPage } from "@/lib/api/operations";
import { queryKeys } from "@/lib/api/query-keys";
import { type Column, DataTable } from "@/components/ui/data-table";
import { EmptyNote, ErrorBox, LoadingBlock, SeverityBadge, formatDuration, observedVsThreshold, shortId, useNow } from "@/components/operations/common";

export function ApprovalQueue() {
  const query = useInfiniteQuery({
    queryKey: queryKeys.reviewQueuePages(),
    queryFn: ({ pageParam, signal }) => apiFetch<TPendingReviewPage>(`/api/v1/reviews${qs({ limit: 50, cursor: pageParam ?? undefined })}`, { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const now = useNow();

  if (query.isPending) return <LoadingBlock label="Loading the approval queue…" rows={3} />;
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];
  if (query.isError && items.length === 0) return <ErrorBox title="The approval queue could not be loaded" error={query.error} onRetry={() => void query.refetch()} />;
  if (items.length === 0) {
    return (
      <EmptyNote>
        Nothing waits for a decision. An operation lands here when a high-severity conflict or a failing gate (error budget, blast radius) pauses it for human review.
      </EmptyNote>
    );
  }
  return (
    <div className="space-y-3">
      <p className="text-sm text-slate-600" role="status" aria-live="polite">
        {items.length} review{items.length === 1 ? "" : "s"} pending
      </p>
      <DataTable
        caption="Pending reviews, oldest first"
        rows={items}
        rowKey={(r) => r.id}
        rowProps={(r) => ({ "data-testid": "review-row", "data-operation-id": r.operationId, className: "align-top hover:bg-slate-50" })}
        columns={queueColumns(now)}
      />
      {query.hasNextPage ? (
        <button type="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage} className="rounded border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50 disabled:opacity-60">
          {query.isFetchingNextPage ? "Loading more…" : "Load more"}
        </button>
      ) : null}
      {query.isError ? <ErrorBox title="Refreshing the queue failed" error={query.error} onRetry={() => void query.refetch()} /> : null}
    </div>
  );
}

function queueColumns(now: number): Column<TPendingReview>[] {
  return [
    {
      key: "operation",
      header: "Operation",
      rowHeader: true,
      className: "font-medium",
      cell: (r) => (
        <>
          <Link href={`/approvals/${r.operationId}`} className="underline decoration-slate-300 underline-offset-2 hover:decoration-slate-700">
            {r.operation.type} <span className="font-mono">{r.operation.service}</span>
          </Link>
          <p className="font-mono text-xs font-normal text-slate-500">{shortId(r.operation.id)} · {r.operation.actor}</p>
          {typeof r.operation.params.version === "string" || typeof r.operation.params.version === "number" ? <p className="text-xs font-normal text-slate-600">to version {String(r.operation.params.version)}</p> : null}
        </>
      ),
    },
    { key: "severity", header: "Severity", cell: (r) => <SeverityBadge severity={r.severity} /> },
    { key: "reason", header: "Why it paused", className: "max-w-md text-slate-700", cell: (r) => r.reason },
    {
      key: "approvals",
      header: "Approvals",
      className: "whitespace-nowrap text-xs",
      cell: (r) =>
        r.quorum ? (
          <span data-testid="queue-quorum" title={[...r.quorum.approvals.map((a) => `approved by ${a.by}`), ...r.quorum.needed].join("\n") || undefined}>
            {r.quorum.summary}
            {r.quorum.approvals.length ? <span className="block text-slate-500">{r.quorum.approvals.map((a) => a.by).join(", ")}</span> : null}
          </span>
        ) : (
          "—"
        ),
    },
    {
      key: "waiting",
      header: "Waiting",
      className: "whitespace-nowrap tabular-nums",
      cellProps: () => ({ "data-testid": "review-age" }),
      cell: (r) => <span title={`Waiting since ${r.createdAt}`}>{formatDuration(now - new Date(r.createdAt).getTime())}</span>,
    },
    { key: "escalation", header: "Escalation", className: "whitespace-nowrap text-xs", cell: (r) => <Escalation review={r} now={now} /> },
    { key: "evidence", header: "Evidence", className: "text-xs", cell: (r) => <Evidence review={r} /> },
  ];
}

function Escalation({ review: r, now }: { review: TPendingReview; now: number }) {
  const next = r.nextEscalation;
  const untilNext = next ? new Date(next.at).getTime() - now : null;
  return (
    <>
      <p>
        Level <span className="font-semibold">{r.escalationLevel}</span>
        {r.dueLevel > r.escalationLevel ? <span className="text-amber-800"> (level {r.dueLevel} due)</span> : null}
      </p>
      {next && untilNext !== null ? (
        <p className="tabular-nums text-slate-600" data-testid="escalation-countdown">
          {untilNext > 0 ? (
            <>
              level {next.level} in <span className="font-medium text-slate-900">{formatDuration(untilNext)}</span>
            </>
          ) : (
            <>level {next.level} due now</>
          )}
        </p>
      ) : (
        <p className="text-slate-500">no further escalation</p>
      )}
    </>
  );
}

function Evidence({ review: r }: { review: TPendingReview }) {
  return (
    <>
      {r.failedGates.length ? (
        <ul className="space-y-0.5">
          {r.failedGates.map((g) => (
            <li key={g.gate}>
              <span className="font-mono font-medium text-red-800">{g.gate}</span> {observedVsThreshold(g.observed, g.threshold, g.unit)}
            </li>
          ))}
        </ul>
      ) : null}
      {r.conflicts.count > 0 ? (
        <p className={r.failedGates.length ? "mt-1" : ""}>
          {r.conflicts.count} conflict{r.conflicts.count === 1 ? "" : "s"}
          {r.conflicts.highestSeverity ? ` (highest ${r.conflicts.highestSeverity})` : ""}: <span className="font-mono">{r.conflicts.types.join(", ")}</span>
        </p>
      ) : null}
      {!r.failedGates.length && r.conflicts.count === 0 ? <span className="text-slate-500">—</span> : null}
    </>
  );
}
