"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { z } from "zod";
import { can, usePrincipal } from "@/components/console/providers";
import { apiFetch } from "@/lib/api/client";
import type { ZLockList } from "@/lib/api/locks";
import { queryKeys } from "@/lib/api/query-keys";
import { formatDuration, formatTime } from "./format";
import { ForceReleaseDialog, type ForceReleaseTarget } from "./force-release-dialog";
import { HolderId } from "./holder-id";
import { EmptyState, ErrorBox, LoadingRows } from "./ui";

type LockList = z.infer<typeof ZLockList>;
type Lock = LockList["locks"][number];

const PRIORITY_NAMES: Record<number, string> = { 0: "CRITICAL", 1: "HIGH", 2: "NORMAL", 3: "LOW" };

/** Ticks once a second, so countdowns move between fetches. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

export function ActiveLocks() {
  const principal = usePrincipal();
  const isAdmin = can(principal, "ADMIN");
  const query = useQuery({ queryKey: queryKeys.locks(), queryFn: ({ signal }) => apiFetch<LockList>("/api/v1/locks", { signal }), refetchInterval: 15_000 });
  const now = useNow();
  const [target, setTarget] = useState<ForceReleaseTarget | null>(null);

  if (query.isPending) return <LoadingRows label="Loading active locks …" />;
  if (query.isError) return <ErrorBox error={query.error} onRetry={() => void query.refetch()} what="the active locks" />;

  const { locks, at, backend } = query.data;
  // The store's clock, carried forward from when the answer arrived: corrects for the browser's clock offset.
  const offsetMs = Date.parse(at) - query.dataUpdatedAt;
  const storeNow = now + offsetMs;

  return (
    <>
      <p className="text-xs text-slate-500">
        Lock backend: <span className="font-mono">{backend}</span>. TTLs count down on the store&apos;s clock (read {formatTime(at)}; this browser&apos;s clock is{" "}
        {Math.abs(offsetMs) < 1000 ? "in step with it" : `${formatDuration(Math.abs(offsetMs))} ${offsetMs > 0 ? "behind" : "ahead"}`}).
      </p>
      {locks.length === 0 ? (
        <EmptyState title="No locks are held right now">
          A lock appears here while an operation runs: each operation takes the SERVICE lock on its target (and any SYSTEM locks it names) from the moment it passes the conflict check until it
          finishes, and anything queued behind it shows as a waiter.
        </EmptyState>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="min-w-full text-left text-sm">
            <caption className="sr-only">Locks held or waited for</caption>
            <thead className="bg-slate-100 text-xs uppercase tracking-wide text-slate-600">
              <tr>
                <th scope="col" className="px-2 py-2">Lock</th>
                <th scope="col" className="px-2 py-2">Holder</th>
                <th scope="col" className="px-2 py-2">Mode</th>
                <th scope="col" className="px-2 py-2">Fencing token</th>
                <th scope="col" className="px-2 py-2">Acquired</th>
                <th scope="col" className="px-2 py-2">TTL left</th>
                <th scope="col" className="px-2 py-2">Waiters</th>
                {isAdmin ? (
                  <th scope="col" className="px-2 py-2">
                    <span className="sr-only">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {locks.flatMap((lock) => rowsOf(lock, storeNow, isAdmin, setTarget))}
            </tbody>
          </table>
        </div>
      )}
      {target ? <ForceReleaseDialog target={target} onClose={() => setTarget(null)} /> : null}
    </>
  );
}

function rowsOf(lock: Lock, storeNow: number, isAdmin: boolean, onForceRelease: (t: ForceReleaseTarget) => void) {
  const name = `${lock.key.scope}:${lock.key.resource}`;
  const holders = lock.holders.length ? lock.holders : [null];
  return holders.map((holder, i) => {
    const ttlLeft = holder ? Date.parse(holder.expiresAt) - storeNow : 0;
    return (
      <tr key={`${name}/${holder?.holderId ?? "none"}`} data-testid="lock-row" data-lock={name} className="align-top">
        <th scope="row" className="px-2 py-2 font-normal">
          <span className="mr-1.5 rounded bg-slate-100 px-1.5 py-0.5 text-[11px] font-semibold tracking-wide text-slate-700">{lock.key.scope}</span>
          <span className="whitespace-nowrap font-mono text-xs font-medium">{lock.key.resource}</span>
        </th>
        <td className="px-2 py-2">{holder ? <HolderId holderId={holder.holderId} /> : <span className="text-slate-400">none (waiters only)</span>}</td>
        <td className="px-2 py-2 text-xs">{holder?.mode ?? "—"}</td>
        <td className="px-2 py-2 font-mono text-xs tabular-nums" data-testid="fencing-token">
          {holder?.fencingToken ?? "—"}
        </td>
        <td className="whitespace-nowrap px-2 py-2 font-mono text-xs tabular-nums">{holder ? <time dateTime={holder.acquiredAt} title={formatTime(holder.acquiredAt)}>{formatTime(holder.acquiredAt).slice(11)}</time> : "—"}</td>
        <td className="whitespace-nowrap px-2 py-2 tabular-nums" data-testid="ttl-left">
          {holder ? (
            <span className={ttlLeft <= 0 ? "font-semibold text-red-700" : ttlLeft < 60_000 ? "font-semibold text-amber-700" : ""}>
              {ttlLeft <= 0 ? "expired" : formatDuration(ttlLeft)}
            </span>
          ) : (
            "—"
          )}
        </td>
        <td className="px-2 py-2">{i === 0 ? <Waiters lock={lock} storeNow={storeNow} /> : <span className="text-xs text-slate-400">(see above)</span>}</td>
        {isAdmin ? (
          <td className="px-2 py-2 text-right">
            {holder ? (
              <button
                type="button"
                onClick={() => onForceRelease({ scope: lock.key.scope, resource: lock.key.resource, holderId: holder.holderId, fencingToken: holder.fencingToken })}
                className="whitespace-nowrap rounded border border-red-300 bg-white px-2.5 py-1 text-xs font-medium text-red-700 hover:bg-red-50"
                aria-label={`Force release ${name} held by ${holder.holderId}`}
              >
                Force release
              </button>
            ) : null}
          </td>
        ) : null}
      </tr>
    );
  });
}

function Waiters({ lock, storeNow }: { lock: Lock; storeNow: number }) {
  if (lock.waiters.length === 0) return <span className="text-xs text-slate-400">none</span>;
  return (
    <ol className="space-y-1 text-xs" aria-label={`Waiters for ${lock.key.scope}:${lock.key.resource}`}>
      {lock.waiters.map((w) => (
        <li key={w.holderId} className="whitespace-nowrap">
          <HolderId holderId={w.holderId} /> <span className="text-slate-600">{w.mode}</span>{" "}
          <span className="rounded bg-slate-100 px-1 text-slate-700">{PRIORITY_NAMES[w.priority] ?? `priority ${w.priority}`}</span>{" "}
          <span className="text-slate-500" title={`Waiting since ${formatTime(w.enqueuedAt)}`}>
            waiting {formatDuration(storeNow - Date.parse(w.enqueuedAt))}
          </span>
        </li>
      ))}
    </ol>
  );
}
