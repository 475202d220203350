"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { z } from "zod";
import { can, usePrincipal } from "@/components/console/providers";
import { apiFetch } from "@/lib/api/client";
import type { ZLockList } from "@/lib/api/locks";
import { queryKeys } from "@/lib/api/query-keys";
import { formatTime } from "@/lib/format";
import { formatDuration } from "./format";
import { ForceReleaseDialog, type ForceReleaseTarget } from "./force-release-dialog";
import { HolderId } from "./holder-id";
import { type Column, DataTable } from "@/components/ui/data-table";
import { Time } from "@/components/ui/time";
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
        Lock backend: <span className="font-mono">{backend}</span>. TTLs count down on {backend === "etcd" ? "the Interlock server\u2019s clock, since etcd has none a client can read" : "the store\u2019s clock"} (read {formatTime(at)}; this browser&apos;s clock is{" "}
        {Math.abs(offsetMs) < 1000 ? "in step with it" : `${formatDuration(Math.abs(offsetMs))} ${offsetMs > 0 ? "behind" : "ahead"}`}).
      </p>
      {locks.length === 0 ? (
        <EmptyState title="No locks are held right now">
          A lock appears here while an operation runs: each operation takes the SERVICE lock on its target (and any SYSTEM locks it names) from the moment it passes the conflict check until it
          finishes, and anything queued behind it shows as a waiter.
        </EmptyState>
      ) : (
        <DataTable
          caption="Locks held or waited for"
          density="narrow"
          rows={locks.flatMap((lock) => (lock.holders.length ? lock.holders : [null]).map((holder, i) => ({ lock, holder, first: i === 0 })))}
          rowKey={({ lock, holder }) => `${lock.key.scope}:${lock.key.resource}/${holder?.holderId ?? "none"}`}
          rowProps={({ lock }) => ({ "data-testid": "lock-row", "data-lock": `${lock.key.scope}:${lock.key.resource}`, className: "align-top" })}
          columns={lockColumns(storeNow, isAdmin, setTarget)}
        />
      )}
      {target ? <ForceReleaseDialog target={target} onClose={() => setTarget(null)} /> : null}
    </>
  );
}

interface LockRow {
  lock: Lock;
  holder: Lock["holders"][number] | null;
  /** The lock's first row: the one that lists its waiters. */
  first: boolean;
}

function lockColumns(storeNow: number, isAdmin: boolean, onForceRelease: (t: ForceReleaseTarget) => void): Column<LockRow>[] {
  const columns: Column<LockRow>[] = [
    {
      key: "lock",
      header: "Lock",
      rowHeader: true,
      className: "font-normal",
      cell: ({ lock }) => (
        <>
          <span className="mr-1.5 rounded bg-slate-100 px-1.5 py-0.5 text-[11px] font-semibold tracking-wide text-slate-700">{lock.key.scope}</span>
          <span className="whitespace-nowrap font-mono text-xs font-medium">{lock.key.resource}</span>
        </>
      ),
    },
    { key: "holder", header: "Holder", cell: ({ holder }) => (holder ? <HolderId holderId={holder.holderId} /> : <span className="text-slate-400">none (waiters only)</span>) },
    { key: "mode", header: "Mode", className: "text-xs", cell: ({ holder }) => holder?.mode ?? "—" },
    { key: "fencing", header: "Fencing token", className: "font-mono text-xs tabular-nums", cellProps: () => ({ "data-testid": "fencing-token" }), cell: ({ holder }) => holder?.fencingToken ?? "—" },
    { key: "acquired", header: "Acquired", className: "whitespace-nowrap font-mono text-xs tabular-nums", cell: ({ holder }) => (holder ? <Time iso={holder.acquiredAt} clock /> : "—") },
    {
      key: "ttl",
      header: "TTL left",
      className: "whitespace-nowrap tabular-nums",
      cellProps: () => ({ "data-testid": "ttl-left" }),
      cell: ({ holder }) => {
        if (!holder) return "—";
        const ttlLeft = Date.parse(holder.expiresAt) - storeNow;
        return (
          <span className={ttlLeft <= 0 ? "font-semibold text-red-700" : ttlLeft < 60_000 ? "font-semibold text-amber-700" : ""} title={`Expires ${holder.expiresAt}`}>
            {ttlLeft <= 0 ? "expired" : formatDuration(ttlLeft)}
          </span>
        );
      },
    },
    { key: "waiters", header: "Waiters", cell: ({ lock, first }) => (first ? <Waiters lock={lock} storeNow={storeNow} /> : <span className="text-xs text-slate-400">(see above)</span>) },
  ];
  if (isAdmin) {
    columns.push({
      key: "actions",
      header: <span className="sr-only">Actions</span>,
      align: "right",
      cell: ({ lock, holder }) =>
        holder ? (
          <button
            type="button"
            onClick={() => onForceRelease({ scope: lock.key.scope, resource: lock.key.resource, holderId: holder.holderId, fencingToken: holder.fencingToken })}
            className="whitespace-nowrap rounded border border-red-300 bg-white px-2.5 py-1 text-xs font-medium text-red-700 hover:bg-red-50"
            aria-label={`Force release ${lock.key.scope}:${lock.key.resource} held by ${holder.holderId}`}
          >
            Force release
          </button>
        ) : null,
    });
  }
  return columns;
}

function Waiters({ lock, storeNow }: { lock: Lock; storeNow: number }) {
  if (lock.waiters.length === 0) return <span className="text-xs text-slate-400">none</span>;
  return (
    <ol className="space-y-1 text-xs" aria-label={`Waiters for ${lock.key.scope}:${lock.key.resource}`}>
      {lock.waiters.map((w) => (
        <li key={w.holderId} className="whitespace-nowrap">
          <HolderId holderId={w.holderId} /> <span className="text-slate-600">{w.mode}</span>{" "}
          <span className="rounded bg-slate-100 px-1 text-slate-700">{PRIORITY_NAMES[w.priority] ?? `priority ${w.priority}`}</span>{" "}
          <span className="text-slate-500" title={`Waiting since ${formatTime(w.enqueuedAt)} (${w.enqueuedAt})`}>
            waiting {formatDuration(storeNow - Date.parse(w.enqueuedAt))}
          </span>
        </li>
      ))}
    </ol>
  );
}
