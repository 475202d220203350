"use client";

// The Execution panel of an operation its submitter carries out (execution
// "external", docs/execution.md): the lease, its fencing token, deadline and
// heartbeats. Reads the operation detail the page already holds (react-query,
// refreshed by the live stream and, while the lease runs, by polling).
import type { ReactNode } from "react";
import type { TOperationDetail } from "@/lib/api/operations";
import { Card, EmptyNote, Time, useNow } from "./common";
import { type ExecutionLease, type LeaseTone, deadlineText, executionViewOf, formatRelative, leaseBadge, leaseLengthText } from "./execution-lease";

const TONE_STYLE: Record<LeaseTone, string> = {
  green: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  amber: "bg-amber-50 text-amber-900 ring-amber-300",
  red: "bg-red-50 text-red-800 ring-red-200",
  neutral: "bg-slate-100 text-slate-700 ring-slate-300",
};

const DETAIL_STYLE: Record<LeaseTone, string> = {
  green: "bg-emerald-50 text-emerald-900",
  amber: "bg-amber-50 text-amber-900",
  red: "bg-red-50 text-red-800",
  neutral: "bg-slate-50 text-slate-700",
};

/** The Execution panel; nothing for an operation Interlock's executor carries out. */
export function ExecutionLeasePanel({ detail }: { detail: Pick<TOperationDetail, "operation" | "lease"> }) {
  const view = executionViewOf(detail);
  if (view.kind === "internal") return null;
  return (
    <Card title="Execution" id="execution-heading">
      <div className="space-y-3" data-testid="execution-panel" data-lease-state={view.kind === "lease" ? view.lease.state : view.kind}>
        <p className="text-sm">
          Carried out by its submitter (<span className="font-medium">{detail.operation.actor}</span>)
        </p>
        {view.kind === "waiting" ? (
          <EmptyNote>Waiting to start: the submitter is granted its lease when the operation reaches IN_PROGRESS</EmptyNote>
        ) : view.kind === "never-started" ? (
          <EmptyNote>Never started: the operation ended before its submitter was granted a lease.</EmptyNote>
        ) : (
          <LeaseDetails lease={view.lease} />
        )}
      </div>
    </Card>
  );
}

export function LeaseBadgeView({ lease }: { lease: Pick<ExecutionLease, "state" | "holdReason" | "endReason"> }) {
  const badge = leaseBadge(lease);
  return (
    <span data-testid="lease-state" data-state={lease.state} className={`inline-flex items-center whitespace-nowrap rounded px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset ${TONE_STYLE[badge.tone]}`}>
      {badge.label}
    </span>
  );
}

function LeaseDetails({ lease }: { lease: ExecutionLease }) {
  // Ticks every second: the countdown and "ago" times move between refreshes.
  const now = useNow();
  const badge = leaseBadge(lease);
  return (
    <>
      <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2 lg:grid-cols-4">
        <Item label="Lease">
          <span aria-live="polite">
            <LeaseBadgeView lease={lease} />
          </span>
        </Item>
        <Item label="Fencing token">
          <span className="font-mono text-xs tabular-nums" data-testid="lease-fencing-token">
            {lease.fencingToken}
          </span>
        </Item>
        <Item label="Lease length">
          <span className="tabular-nums">{leaseLengthText(lease.leaseSeconds)}</span>
        </Item>
        <Item label="Deadline">
          {lease.state === "ACTIVE" && lease.deadline ? (
            <time dateTime={lease.deadline} title={lease.deadline} className="tabular-nums" data-testid="lease-deadline">
              {deadlineText(lease, now)}
            </time>
          ) : (
            <span className="text-slate-500" data-testid="lease-deadline">
              {deadlineText(lease, now)}
            </span>
          )}
        </Item>
        <Item label="Granted">
          <Time iso={lease.grantedAt} />
        </Item>
        <Item label="Last heartbeat">
          {lease.lastHeartbeatAt ? (
            <time dateTime={lease.lastHeartbeatAt} title={lease.lastHeartbeatAt} className="tabular-nums" data-testid="lease-last-heartbeat">
              {formatRelative(lease.lastHeartbeatAt, now)}
            </time>
          ) : (
            <span className="text-slate-500" data-testid="lease-last-heartbeat">
              none yet
            </span>
          )}
        </Item>
        <Item label="Heartbeats">
          <span className="tabular-nums" data-testid="lease-heartbeats">
            {lease.heartbeats}
          </span>
        </Item>
        <Item label="Ended">
          <Time iso={lease.endedAt} />
        </Item>
      </dl>
      {badge.detail ? (
        <p className={`rounded px-3 py-2 text-sm ${DETAIL_STYLE[badge.tone]}`} data-testid="lease-reason">
          <span className="font-medium">{lease.state === "HELD" ? "Held: " : "Why it ended: "}</span>
          {badge.detail}
        </p>
      ) : null}
      {lease.fences.length ? (
        <p className="text-xs text-slate-600">
          Every report must carry fencing token <span className="font-mono">{lease.fencingToken}</span>. Locks held when the lease was granted:{" "}
          {lease.fences.map((f, i) => (
            <span key={`${f.scope}:${f.resource}`}>
              {i > 0 ? ", " : null}
              <span className="font-mono">
                {f.scope}:{f.resource}
              </span>{" "}
              (token <span className="font-mono">{f.fencingToken}</span>)
            </span>
          ))}
          .
        </p>
      ) : null}
    </>
  );
}

function Item({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-0.5">{children}</dd>
    </div>
  );
}
