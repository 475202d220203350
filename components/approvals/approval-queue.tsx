"use client";

import Link from "next/link";
import { useInfiniteQuery } from "@tanstack/react-query";
import { apiFetch, qs } from "@/lib/api/client";
import type { TPendingReview, TPendingReviewPage } from "@/lib/api/operations";
import { queryKeys } from "@/lib/api/query-keys";
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
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="min-w-full text-left text-sm">
          <caption className="sr-only">Pending reviews, oldest first</caption>
          <thead className="bg-slate-100 text-xs uppercase tracking-wide text-slate-600">
            <tr>
              <th scope="col" className="px-3 py-2">Operation</th>
              <th scope="col" className="px-3 py-2">Severity</th>
              <th scope="col" className="px-3 py-2">Why it paused</th>
              <th scope="col" className="px-3 py-2">Waiting</th>
              <th scope="col" className="px-3 py-2">Escalation</th>
              <th scope="col" className="px-3 py-2">Evidence</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {items.map((r) => (
              <QueueRow key={r.id} review={r} now={now} />
            ))}
          </tbody>
        </table>
      </div>
      {query.hasNextPage ? (
        <button type="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage} className="rounded border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50 disabled:opacity-60">
          {query.isFetchingNextPage ? "Loading more…" : "Load more"}
        </button>
      ) : null}
      {query.isError ? <ErrorBox title="Refreshing the queue failed" error={query.error} onRetry={() => void query.refetch()} /> : null}
    </div>
  );
}

function QueueRow({ review: r, now }: { review: TPendingReview; now: number }) {
  const op = r.operation;
  const age = now - new Date(r.createdAt).getTime();
  const next = r.nextEscalation;
  const untilNext = next ? new Date(next.at).getTime() - now : null;
  return (
    <tr data-testid="review-row" data-operation-id={r.operationId} className="align-top hover:bg-slate-50">
      <th scope="row" className="px-3 py-2 font-medium">
        <Link href={`/approvals/${r.operationId}`} className="underline decoration-slate-300 underline-offset-2 hover:decoration-slate-700">
          {op.type} <span className="font-mono">{op.service}</span>
        </Link>
        <p className="font-mono text-xs font-normal text-slate-500">{shortId(op.id)} · {op.actor}</p>
        {typeof op.params.version === "string" || typeof op.params.version === "number" ? <p className="text-xs font-normal text-slate-600">to version {String(op.params.version)}</p> : null}
      </th>
      <td className="px-3 py-2">
        <SeverityBadge severity={r.severity} />
      </td>
      <td className="max-w-md px-3 py-2 text-slate-700">{r.reason}</td>
      <td className="whitespace-nowrap px-3 py-2 tabular-nums" data-testid="review-age">
        {formatDuration(age)}
      </td>
      <td className="whitespace-nowrap px-3 py-2 text-xs">
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
      </td>
      <td className="px-3 py-2 text-xs">
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
      </td>
    </tr>
  );
}
