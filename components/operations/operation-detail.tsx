"use client";

import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent, type ReactNode } from "react";
import { can, usePrincipal } from "@/components/console/providers";
import { apiFetch } from "@/lib/api/client";
import type { TOperationDetail, TOperationSummary } from "@/lib/api/operations";
import { queryKeys } from "@/lib/api/query-keys";
import { DataTable } from "@/components/ui/data-table";
import { OperationControls, OperationStatusNotes, RunCount } from "./operation-controls";
import { BreakGlass, heldByFreeze } from "../freezes/break-glass";
import { ExecutionLeasePanel } from "./execution-lease-panel";
import { leasePollMs } from "./execution-lease";
import { Card, EmptyNote, ErrorBox, LoadingBlock, PassFail, ResultText, SeverityBadge, StateBadge, Time, formatDuration, messageOf, observedVsThreshold, shortId } from "./common";

type Detail = TOperationDetail;

const FINISHED = new Set(["COMPLETED", "FAILED", "ROLLED_BACK", "CANCELLED"]);

export function useOperationDetail(id: string) {
  return useQuery({
    queryKey: queryKeys.operation(id),
    queryFn: ({ signal }) => apiFetch<Detail>(`/api/v1/operations/${encodeURIComponent(id)}`, { signal }),
    // Heartbeats are not audited, so the live stream does not announce them: re-read while a lease runs.
    refetchInterval: (query) => leasePollMs(query.state.data?.lease),
  });
}

export function OperationDetailView({ id }: { id: string }) {
  const query = useOperationDetail(id);

  if (query.isPending) {
    return (
      <div className="space-y-4">
        <h1 className="text-2xl font-semibold">Operation</h1>
        <LoadingBlock label="Loading the operation…" rows={6} />
      </div>
    );
  }
  if (query.isError && !query.data) {
    return (
      <div className="space-y-4">
        <h1 className="text-2xl font-semibold">Operation</h1>
        <ErrorBox title="The operation could not be loaded" error={query.error} onRetry={() => void query.refetch()} />
        <Link href="/operations" className="text-sm text-slate-700 underline">
          Back to operations
        </Link>
      </div>
    );
  }
  const d = query.data;
  return (
    <div className="space-y-5">
      <Link href="/operations" className="text-sm text-slate-600 underline decoration-slate-300 underline-offset-2 hover:text-slate-900">
        ← Operations
      </Link>
      <OperationHeader detail={d} />
      {query.isError ? <ErrorBox title="Refreshing the operation failed; showing what was last loaded" error={query.error} onRetry={() => void query.refetch()} /> : null}
      <ExecutionLeasePanel detail={d} />
      <GateResults gates={d.gateResults} />
      <div className="grid items-start gap-5 xl:grid-cols-2">
        <Timeline transitions={d.transitions} />
        <Conflicts conflicts={d.conflicts} />
      </div>
      <Locks locks={d.locks} />
      {d.review ? <ReviewSummary review={d.review} quorum={d.quorum ?? null} /> : null}
      <Steps steps={d.steps} />
      <AuditEvents events={d.auditEvents} truncated={d.auditEventsTruncated} operationId={d.operation.id} />
    </div>
  );
}

function OperationHeader({ detail }: { detail: Detail }) {
  const op = detail.operation;
  const outcome = detail.outcome as { summary?: string; status?: string; executor?: string } | null;
  return (
    <header className="space-y-3 rounded-lg border border-slate-200 bg-white p-4" data-testid="operation-header">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-semibold">
          {op.type} <span className="font-mono">{op.service}</span>
        </h1>
        <span aria-live="polite" data-testid="operation-state">
          <span className="sr-only">State: </span>
          <StateBadge state={op.state} />
        </span>
        {op.state === "PAUSED_FOR_HUMAN_REVIEW" ? (
          <Link href={`/approvals/${op.id}`} className="rounded bg-amber-100 px-2 py-1 text-sm font-medium text-amber-900 hover:bg-amber-200">
            Open the review →
          </Link>
        ) : null}
      </div>
      <p className="font-mono text-xs text-slate-500">{op.id}</p>
      <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2 lg:grid-cols-4">
        <Item label="Result">
          <ResultText result={op.result} />
        </Item>
        <Item label="Requester">
          {op.actor} <span className="text-xs text-slate-500">({op.actorKind.toLowerCase()})</span>
        </Item>
        <Item label="Correlation id">
          <Link href={`/operations?correlationId=${encodeURIComponent(op.correlationId)}`} className="break-all font-mono text-xs underline decoration-slate-300">
            {op.correlationId}
          </Link>
        </Item>
        <Item label="Runs">
          <RunCount op={op} />
        </Item>
        <Item label="Created">
          <Time iso={op.createdAt} />
        </Item>
        <Item label="Started">
          <Time iso={op.startedAt} />
        </Item>
        <Item label="Finished">
          <Time iso={op.finishedAt} />
        </Item>
        <Item label="Parameters">
          <code className="break-all font-mono text-xs">{Object.keys(op.params).length ? JSON.stringify(op.params) : "none"}</code>
        </Item>
      </dl>
      {op.reason && !op.queuedAt ? (
        <p className="rounded bg-slate-50 px-3 py-2 text-sm text-slate-700">
          <span className="font-medium">Why: </span>
          {op.reason}
        </p>
      ) : null}
      <OperationStatusNotes op={op} />
      {op.error ? <p className="rounded bg-red-50 px-3 py-2 text-sm text-red-800">{op.error}</p> : null}
      {op.execution === "internal" ? (
        <p className="text-sm text-slate-600" data-testid="execution-mode">
          Carried out by Interlock&apos;s executor
        </p>
      ) : null}
      {outcome?.summary ? (
        <p className="text-sm text-slate-700">
          <span className="font-medium">Executor{outcome.executor ? ` (${outcome.executor})` : ""}: </span>
          {outcome.summary}
        </p>
      ) : null}
      <BreakGlass op={op} held={heldByFreeze(op, detail.gateResults)} />
      <OperationControls op={op} />
      <CancelControl op={op} />
    </header>
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

function CancelControl({ op }: { op: TOperationSummary }) {
  const principal = usePrincipal();
  const client = useQueryClient();
  const [reason, setReason] = useState("");
  const cancel = useMutation({
    mutationFn: () => apiFetch<TOperationSummary>(`/api/v1/operations/${op.id}/cancel`, { body: reason.trim() ? { reason: reason.trim() } : {} }),
    onSettled: () => void client.invalidateQueries({ queryKey: ["operations"] }),
  });
  const own = op.actor.trim().toLowerCase() === principal.email.trim().toLowerCase();
  const allowed = can(principal, "APPROVER") || (can(principal, "OPERATOR") && own);
  const cancellable = !FINISHED.has(op.state) && op.state !== "IN_PROGRESS";

  const feedback = cancel.isSuccess ? (
    <p role="status" className="text-sm text-emerald-800">
      Cancelled: the operation is now {cancel.data.state.toLowerCase().replaceAll("_", " ")}.
    </p>
  ) : cancel.isError ? (
    <p role="alert" className="text-sm text-red-800">
      The server refused the cancellation: {messageOf(cancel.error)}
    </p>
  ) : null;

  if (!allowed || !cancellable) return feedback;
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    cancel.mutate();
  };
  return (
    <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-2 border-t border-slate-100 pt-3">
      <div>
        <label htmlFor="cancel-reason" className="mb-1 block text-xs font-medium uppercase tracking-wide text-slate-500">
          Cancellation reason (optional)
        </label>
        <input id="cancel-reason" value={reason} onChange={(e) => setReason(e.target.value)} className="w-72 rounded border border-slate-300 px-2 py-1.5 text-sm" maxLength={2000} />
      </div>
      <button type="submit" disabled={cancel.isPending} className="rounded border border-red-300 bg-white px-3 py-1.5 text-sm font-medium text-red-800 hover:bg-red-50 disabled:opacity-60">
        {cancel.isPending ? "Cancelling…" : "Cancel operation"}
      </button>
      <div className="basis-full">{feedback}</div>
    </form>
  );
}

function Metadata({ value }: { value: Record<string, unknown> }) {
  const entries = Object.entries(value);
  if (entries.length === 0) return null;
  return (
    <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-2 text-xs text-slate-600">
      {entries.map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="font-medium text-slate-500">{k}</dt>
          <dd className="break-all font-mono">{typeof v === "string" ? v : JSON.stringify(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

function Timeline({ transitions }: { transitions: Detail["transitions"] }) {
  return (
    <Card title="State timeline" id="timeline-heading">
      {transitions.length === 0 ? (
        <EmptyNote>No transitions yet: the operation is waiting for a worker to take it up.</EmptyNote>
      ) : (
        <ol className="relative space-y-4 border-l border-slate-200 pl-5" data-testid="timeline">
          {transitions.map((t) => (
            <li key={t.version} className="relative" data-testid="timeline-entry" data-to={t.to}>
              <span aria-hidden="true" className="absolute -left-[26px] top-1 h-3 w-3 rounded-full border-2 border-white bg-slate-400 ring-1 ring-slate-300" />
              <div className="flex flex-wrap items-center gap-2 text-sm">
                {t.from ? (
                  <>
                    <StateBadge state={t.from} />
                    <span aria-label="to">→</span>
                  </>
                ) : null}
                <StateBadge state={t.to} />
                <span className="text-xs text-slate-500">v{t.version}</span>
              </div>
              <p className="mt-0.5 text-xs text-slate-600">
                <Time iso={t.at} /> · by <span className="font-medium">{t.actor}</span>
              </p>
              <Metadata value={t.metadata} />
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}

export function GateResultsTable({
  gates,
  caption,
}: {
  gates: Detail["gateResults"] | { gate: string; source?: string | null; passed: boolean; skipped?: boolean; observed: number | null; threshold: number; unit: string; reason: string }[];
  caption: string;
}) {
  // Where each figure came from (docs/gates.md); a simulated one is marked as not a measurement.
  const sourceLabel = (source: string | null | undefined) => {
    if (!source) return <span className="text-xs text-slate-400">—</span>;
    if (source === "simulated") {
      return (
        <span className="whitespace-nowrap rounded border border-amber-300 bg-amber-50 px-1.5 py-0.5 text-xs font-medium text-amber-800" title="From the simulated signal source: not a measurement of the service" data-testid="gate-source-simulated">
          simulated · not measured
        </span>
      );
    }
    const titles: Record<string, string> = { store: "Interlock's own operations and incidents", prometheus: "Measured by Prometheus", graph: "The dependency graph", config: "The configuration (the gate was skipped)" };
    return (
      <span className="whitespace-nowrap rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-700" title={titles[source] ?? source}>
        {source}
      </span>
    );
  };
  return (
    <DataTable
      variant="plain"
      caption={caption}
      rows={gates}
      rowKey={(g, i) => `${g.gate}-${i}`}
      rowProps={(g) => ({ "data-testid": "gate-row", "data-gate": g.gate, "data-passed": String(g.passed), "data-source": ("source" in g ? g.source : null) ?? "" })}
      columns={[
        { key: "gate", header: "Gate", rowHeader: true, className: "whitespace-nowrap font-mono text-xs font-medium", cell: (g) => g.gate },
        { key: "result", header: "Result", cell: (g) => <PassFail passed={g.passed} skipped={g.skipped ?? false} /> },
        { key: "observed", header: "Observed vs threshold", className: "whitespace-nowrap tabular-nums", cell: (g) => observedVsThreshold(g.observed, g.threshold, g.unit) },
        { key: "source", header: "Source", cell: (g) => sourceLabel("source" in g ? g.source : null) },
        { key: "reason", header: "Reason", headerClassName: "min-w-64", className: "text-slate-600", cell: (g) => g.reason },
      ]}
    />
  );
}

function GateResults({ gates }: { gates: Detail["gateResults"] }) {
  return (
    <Card title="Gate results" id="gates-heading">
      {gates.length === 0 ? <EmptyNote>No safety gate has run for this operation yet (gates run after the locks are taken; verifications are not gated).</EmptyNote> : <GateResultsTable gates={gates} caption="Safety gate results" />}
    </Card>
  );
}

export function ConflictList({ conflicts }: { conflicts: Detail["conflicts"] }) {
  return (
    <ul className="space-y-3">
      {conflicts.map((c) => (
        <li key={c.id} className="rounded border border-slate-200 p-3" data-testid="conflict">
          <div className="flex flex-wrap items-center gap-2 text-sm">
            <span className="font-mono text-xs font-semibold">{c.type}</span>
            <SeverityBadge severity={c.severity} />
            <span className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-700">{c.action}</span>
            <span className="text-xs text-slate-500">blast radius {c.blastRadius}</span>
          </div>
          <p className="mt-1.5 text-sm">{c.explanation}</p>
          <p className="mt-1 text-sm text-slate-600">
            <span className="font-medium">Recommendation: </span>
            {c.recommendation}
          </p>
          {c.conflictingOperations.length ? (
            <p className="mt-1.5 text-xs text-slate-600">
              With:{" "}
              {c.conflictingOperations.map((o, i) => (
                <span key={o.id}>
                  {i > 0 ? ", " : null}
                  <Link href={`/operations/${o.id}`} className="font-mono underline decoration-slate-300">
                    {o.type ?? "operation"} {o.service ?? ""} {shortId(o.id)}
                  </Link>
                  {o.state ? ` (${o.state})` : null}
                </span>
              ))}
            </p>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

function Conflicts({ conflicts }: { conflicts: Detail["conflicts"] }) {
  return (
    <Card title="Conflicts" id="conflicts-heading">
      {conflicts.length === 0 ? <EmptyNote>No conflict with other operations was found on the dependency graph.</EmptyNote> : <ConflictList conflicts={conflicts} />}
    </Card>
  );
}

function Locks({ locks }: { locks: Detail["locks"] }) {
  return (
    <Card title="Locks held" id="locks-heading">
      {locks.length === 0 ? (
        <EmptyNote>This operation has not held a lock (locks are taken after the conflict check; a paused operation holds none).</EmptyNote>
      ) : (
        <DataTable
          variant="plain"
          caption="Locks held by this operation, with their fencing tokens"
          rows={locks}
          rowKey={(l, i) => `${l.scope}:${l.resource}:${l.fencingToken}:${i}`}
          rowProps={() => ({ "data-testid": "lock-row" })}
          columns={[
            {
              key: "resource",
              header: "Resource",
              rowHeader: true,
              className: "whitespace-nowrap font-mono text-xs font-medium",
              cell: (l) => (
                <>
                  {l.resource}
                  {l.mode ? <span className="ml-1 font-sans text-slate-500">({l.mode.toLowerCase()})</span> : null}
                </>
              ),
            },
            { key: "scope", header: "Scope", className: "font-mono text-xs", cell: (l) => l.scope },
            { key: "fencing", header: "Fencing token", className: "font-mono text-xs tabular-nums", cellProps: () => ({ "data-testid": "fencing-token" }), cell: (l) => l.fencingToken },
            { key: "acquired", header: "Acquired", className: "text-xs", cell: (l) => <Time iso={l.acquiredAt} compact /> },
            { key: "expires", header: "Expires", className: "text-xs", cell: (l) => <Time iso={l.expiresAt} compact /> },
            { key: "released", header: "Released", className: "text-xs", cell: (l) => <Time iso={l.releasedAt} compact /> },
            {
              key: "ended",
              header: "How it ended",
              className: "text-xs",
              cell: (l) => (
                <>
                  {l.release ? (
                    <>
                      <span className="font-mono">{l.release}</span>
                      {l.releaseReason ? <span className="text-slate-600"> — {l.releaseReason}</span> : null}
                    </>
                  ) : l.releasedAt ? (
                    "released"
                  ) : (
                    <span className="font-medium text-blue-800">held</span>
                  )}
                  {l.attempt !== null ? <span className="text-slate-400"> · attempt {l.attempt}</span> : null}
                </>
              ),
            },
          ]}
        />
      )}
    </Card>
  );
}

function ReviewSummary({ review, quorum }: { review: NonNullable<Detail["review"]>; quorum: Detail["quorum"] | null }) {
  return (
    <Card
      title="Review"
      id="review-heading"
      actions={
        <Link href={`/approvals/${review.operationId}`} className="text-sm text-slate-700 underline decoration-slate-300">
          {review.status === "PENDING" ? "Open the review" : "See the evidence"}
        </Link>
      }
    >
      <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2 lg:grid-cols-4">
        <Item label="Status">
          <span className="font-mono text-xs">{review.status}</span>
        </Item>
        <Item label="Severity">
          <SeverityBadge severity={review.severity} />
        </Item>
        <Item label="Decided by">{review.decidedBy ?? "—"}</Item>
        <Item label="Approval id">
          <span className="font-mono text-xs">{review.approvalId ?? "—"}</span>
        </Item>
      </dl>
      <p className="mt-3 text-sm">{review.reason}</p>
      {quorum ? (
        <p className="mt-1 text-sm" data-testid="review-quorum">
          <span className="font-semibold">{quorum.summary}</span>
          {quorum.approvals.length ? ` (${quorum.approvals.map((a) => a.by).join(", ")})` : ""}
          {quorum.needed.length ? `. Still needed: ${quorum.needed.join("; ")}` : ""}
        </p>
      ) : null}
      {review.notes ? (
        <p className="mt-1 text-sm text-slate-600">
          <span className="font-medium">Notes: </span>
          {review.notes}
        </p>
      ) : null}
      <p className="mt-2 text-xs text-slate-500">
        Evidence hash <span className="break-all font-mono">{review.evidenceHash}</span>
      </p>
    </Card>
  );
}

function Steps({ steps }: { steps: Detail["steps"] }) {
  if (steps.length === 0) return null;
  return (
    <Card title="Execution steps" id="steps-heading">
      <DataTable
        variant="plain"
        caption="Steps the workers recorded"
        rows={steps}
        rowKey={(s) => s.id}
        columns={[
          { key: "step", header: "Step", rowHeader: true, className: "font-mono text-xs font-medium", cell: (s) => s.name },
          { key: "outcome", header: "Outcome", className: "text-xs", cell: (s) => (s.outcome === "INFO" ? <span className="text-slate-600">info</span> : <PassFail passed={s.outcome === "PASSED"} />) },
          { key: "attempt", header: "Attempt", className: "text-xs", cell: (s) => s.attempt },
          { key: "started", header: "Started", className: "text-xs", cell: (s) => <Time iso={s.startedAt} compact /> },
          { key: "took", header: "Took", className: "text-xs tabular-nums", cell: (s) => formatDuration(new Date(s.endedAt).getTime() - new Date(s.startedAt).getTime()) },
        ]}
      />
    </Card>
  );
}

function AuditEvents({ events, truncated, operationId }: { events: Detail["auditEvents"]; truncated: boolean; operationId: string }) {
  return (
    <Card title="Audit events" id="audit-heading">
      {events.length === 0 ? (
        <EmptyNote>No audit event recorded for this operation yet.</EmptyNote>
      ) : (
        <>
          <DataTable
            variant="plain"
            caption="Audit events of this operation, in chain order"
            rows={events}
            rowKey={(e) => e.seq}
            rowProps={() => ({ "data-testid": "audit-row" })}
            columns={[
              { key: "seq", header: "Seq", rowHeader: true, className: "font-mono text-xs font-medium tabular-nums", cell: (e) => e.seq },
              { key: "time", header: "Time", className: "text-xs", cell: (e) => <Time iso={e.at} compact /> },
              { key: "category", header: "Category", className: "font-mono text-xs", cell: (e) => e.category },
              { key: "action", header: "Action", className: "font-mono text-xs", cell: (e) => e.action },
              { key: "actor", header: "Actor", className: "max-w-48 truncate text-xs", cellProps: (e) => ({ title: e.actor }), cell: (e) => e.actor },
              { key: "hash", header: "Hash", className: "font-mono text-xs text-slate-600", cellProps: (e) => ({ title: e.hash }), cell: (e) => `${e.hash.slice(0, 12)}…` },
            ]}
          />
          {truncated ? <p className="mt-2 text-xs text-slate-500">More events exist; query the audit API with operationId={operationId} for the rest.</p> : null}
        </>
      )}
    </Card>
  );
}
