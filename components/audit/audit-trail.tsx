"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import type { z } from "zod";
import { apiFetch, qs } from "@/lib/api/client";
import { AUDIT_CATEGORIES, AUDIT_SEVERITIES, type ZAuditEvent, type ZAuditPage } from "@/lib/api/audit";
import { queryKeys } from "@/lib/api/query-keys";
import { type Column, DataTable, DataTableDetailRow } from "@/components/ui/data-table";
import { Time } from "@/components/ui/time";
import { EmptyState, ErrorBox, LoadingRows } from "@/components/locks/ui";
import { AuditStatisticsHeader } from "./audit-statistics";
import { VerifyChain } from "./verify-chain";

type AuditEvent = z.infer<typeof ZAuditEvent>;
type AuditPage = z.infer<typeof ZAuditPage>;

interface Filters {
  category?: string;
  severity?: string;
  actor?: string;
  service?: string;
  correlationId?: string;
  from?: string;
  to?: string;
}

const SEVERITY_STYLE: Record<AuditEvent["severity"], string> = {
  INFO: "bg-slate-100 text-slate-700",
  WARNING: "bg-amber-100 text-amber-800",
  ERROR: "bg-red-100 text-red-800",
  CRITICAL: "bg-red-700 text-white",
};

const PAGE_SIZE = 50;

export function AuditTrail() {
  const [filters, setFilters] = useState<Filters>({});
  /** Start the list at this seq (inclusive) instead of the newest event: "show event N". */
  const [startAt, setStartAt] = useState<number | null>(null);
  const [expanded, setExpanded] = useState<Set<number>>(new Set());
  const [scrollTo, setScrollTo] = useState<number | null>(null);

  const query = useInfiniteQuery({
    queryKey: queryKeys.audit({ ...filters, startAt }),
    queryFn: ({ pageParam, signal }) => apiFetch<AuditPage>(`/api/v1/audit/events${qs({ ...filters, beforeSeq: pageParam, limit: PAGE_SIZE })}`, { signal }),
    initialPageParam: startAt === null ? undefined : startAt + 1,
    getNextPageParam: (last) => last.nextBeforeSeq ?? undefined,
  });
  const events = query.data?.pages.flatMap((p) => p.events) ?? [];

  useEffect(() => {
    if (scrollTo === null) return;
    const row = document.getElementById(`audit-event-${scrollTo}`);
    if (row) {
      row.scrollIntoView({ block: "center" });
      row.querySelector("button")?.focus({ preventScroll: true });
      setScrollTo(null);
    }
  }, [scrollTo, query.data]);

  const showSeq = (seq: number) => {
    setFilters({});
    setStartAt(seq);
    setExpanded((prev) => new Set(prev).add(seq));
    setScrollTo(seq);
  };
  const toggle = (seq: number) =>
    setExpanded((prev) => {
      const next = new Set(prev);
      if (next.has(seq)) next.delete(seq);
      else next.add(seq);
      return next;
    });

  return (
    <div className="space-y-6">
      <AuditStatisticsHeader />
      <section aria-labelledby="verify-heading" className="space-y-2">
        <h2 id="verify-heading" className="sr-only">
          Verification
        </h2>
        <VerifyChain onShowSeq={showSeq} />
      </section>
      <section aria-labelledby="events-heading" className="space-y-3">
        <h2 id="events-heading" className="text-lg font-semibold">Events</h2>
        <FilterForm
          applied={filters}
          onApply={(f) => {
            setFilters(f);
            setStartAt(null);
          }}
        />
        {startAt !== null ? (
          <p className="flex items-center gap-3 rounded border border-slate-200 bg-slate-50 px-3 py-2 text-sm text-slate-700">
            Showing events from seq {startAt} down.
            <button type="button" onClick={() => setStartAt(null)} className="rounded border border-slate-300 bg-white px-2 py-0.5 text-xs font-medium hover:bg-slate-100">
              Show newest
            </button>
          </p>
        ) : null}
        {query.isPending ? (
          <LoadingRows label="Loading audit events …" />
        ) : query.isError ? (
          <ErrorBox error={query.error} onRetry={() => void query.refetch()} what="the audit events" />
        ) : events.length === 0 ? (
          <EmptyState title={Object.keys(filters).length ? "No event matches these filters" : "No audit events yet"}>
            {Object.keys(filters).length
              ? "Every action Interlock takes is recorded here; widen the filters or clear them to see more."
              : "Every action Interlock takes (operations, locks, gates, reviews, notifications) is recorded here as it happens."}
          </EmptyState>
        ) : (
          <>
            <DataTable
              caption="Audit events, newest first"
              density="compact"
              rows={events}
              rowKey={(event) => event.seq}
              rowProps={(event) => ({ id: `audit-event-${event.seq}`, "data-testid": "audit-row", "data-seq": event.seq, className: expanded.has(event.seq) ? "bg-slate-50" : undefined })}
              afterRow={(event) => (expanded.has(event.seq) ? <EventDetail event={event} /> : null)}
              columns={eventColumns(expanded, toggle)}
            />
            <div className="flex items-center gap-3 text-sm text-slate-600">
              <span role="status" aria-live="polite">
                {events.length} event{events.length === 1 ? "" : "s"} shown{query.hasNextPage ? "" : ", the oldest included"}
              </span>
              {query.hasNextPage ? (
                <button
                  type="button"
                  onClick={() => void query.fetchNextPage()}
                  disabled={query.isFetchingNextPage}
                  className="rounded border border-slate-300 bg-white px-3 py-1.5 font-medium text-slate-800 hover:bg-slate-50 disabled:opacity-60"
                >
                  {query.isFetchingNextPage ? "Loading …" : "Load more"}
                </button>
              ) : null}
            </div>
          </>
        )}
      </section>
    </div>
  );
}

const detailIdOf = (seq: number) => `audit-event-detail-${seq}`;

function eventColumns(expanded: Set<number>, onToggle: (seq: number) => void): Column<AuditEvent>[] {
  return [
    {
      key: "seq",
      header: "Seq",
      rowHeader: true,
      className: "font-normal",
      cell: (event) => {
        const open = expanded.has(event.seq);
        return (
          <button
            type="button"
            onClick={() => onToggle(event.seq)}
            aria-expanded={open}
            aria-controls={detailIdOf(event.seq)}
            aria-label={`Event ${event.seq}: ${open ? "hide" : "show"} detail`}
            className="inline-flex items-center gap-1 font-mono text-xs tabular-nums text-slate-800 hover:text-blue-700"
          >
            <span aria-hidden="true" className="inline-block w-3 text-slate-400">
              {open ? "▾" : "▸"}
            </span>
            {event.seq}
          </button>
        );
      },
    },
    { key: "time", header: "Time", className: "whitespace-nowrap text-xs", cell: (event) => <Time iso={event.at} /> },
    {
      key: "severity",
      header: "Severity",
      cell: (event) => <span className={`rounded px-1.5 py-0.5 text-[11px] font-semibold ${SEVERITY_STYLE[event.severity]}`}>{event.severity}</span>,
    },
    { key: "category", header: "Category", className: "whitespace-nowrap text-xs", cell: (event) => event.category },
    { key: "action", header: "Action", className: "font-mono text-xs", cell: (event) => event.action },
    { key: "actor", header: "Actor", className: "whitespace-nowrap text-xs", cell: (event) => event.actor },
    { key: "service", header: "Service", className: "whitespace-nowrap font-mono text-xs", cell: (event) => event.service ?? <span className="text-slate-400">—</span> },
  ];
}

function EventDetail({ event }: { event: AuditEvent }) {
  return (
    <DataTableDetailRow id={detailIdOf(event.seq)} data-testid="audit-detail" className="bg-slate-50" cellClassName="px-2 pb-3 pt-1" colSpan={7}>
      <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-xs">
        <dt className="text-slate-500">Seq</dt>
        <dd className="font-mono">{event.seq}</dd>
        <dt className="text-slate-500">At</dt>
        <dd className="font-mono">{event.at}</dd>
        <dt className="text-slate-500">Operation</dt>
        <dd className="font-mono">{event.operationId ? <a className="text-blue-700 hover:underline" href={`/operations/${event.operationId}`}>{event.operationId}</a> : "—"}</dd>
        <dt className="text-slate-500">Correlation id</dt>
        <dd className="font-mono">{event.correlationId ?? "—"}</dd>
        <dt className="text-slate-500">Previous hash</dt>
        <dd className="break-all font-mono" data-testid="prev-hash">
          {event.prevHash}
        </dd>
        <dt className="text-slate-500">Hash</dt>
        <dd className="break-all font-mono" data-testid="hash">
          {event.hash}
        </dd>
        <dt className="text-slate-500">Payload</dt>
        <dd>
          <pre className="max-h-80 overflow-auto rounded border border-slate-200 bg-white p-2 font-mono text-[11px] leading-snug">{JSON.stringify(event.payload, null, 2)}</pre>
        </dd>
      </dl>
    </DataTableDetailRow>
  );
}

function FilterForm({ applied, onApply }: { applied: Filters; onApply: (f: Filters) => void }) {
  const id = useId();
  const [draft, setDraft] = useState<Filters>(applied);
  useEffect(() => setDraft(applied), [applied]);
  const set = (key: keyof Filters) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: e.target.value }));
  const input = "w-full rounded border border-slate-300 bg-white px-2 py-1 text-sm focus:border-slate-500 focus:outline-none";
  const label = "block text-xs font-medium text-slate-600";
  return (
    <form
      aria-label="Filter audit events"
      className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3 [&>div:not(:last-child)]:w-44"
      onSubmit={(e) => {
        e.preventDefault();
        const clean: Filters = {};
        for (const [k, v] of Object.entries(draft) as [keyof Filters, string | undefined][]) {
          const value = v?.trim();
          if (!value) continue;
          clean[k] = k === "from" || k === "to" ? new Date(value).toISOString() : value;
        }
        onApply(clean);
      }}
    >
      <div>
        <label htmlFor={`${id}-category`} className={label}>Category</label>
        <select id={`${id}-category`} value={draft.category ?? ""} onChange={set("category")} className={input}>
          <option value="">Any</option>
          {AUDIT_CATEGORIES.map((c) => (
            <option key={c} value={c}>{c}</option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor={`${id}-severity`} className={label}>Severity</label>
        <select id={`${id}-severity`} value={draft.severity ?? ""} onChange={set("severity")} className={input}>
          <option value="">Any</option>
          {AUDIT_SEVERITIES.map((s) => (
            <option key={s} value={s}>{s}</option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor={`${id}-actor`} className={label}>Actor</label>
        <input id={`${id}-actor`} value={draft.actor ?? ""} onChange={set("actor")} placeholder="admin@…" className={input} />
      </div>
      <div>
        <label htmlFor={`${id}-service`} className={label}>Service</label>
        <input id={`${id}-service`} value={draft.service ?? ""} onChange={set("service")} placeholder="payment-service" className={input} />
      </div>
      <div>
        <label htmlFor={`${id}-correlation`} className={label}>Correlation id</label>
        <input id={`${id}-correlation`} value={draft.correlationId ?? ""} onChange={set("correlationId")} className={input} />
      </div>
      <div>
        <label htmlFor={`${id}-from`} className={label}>From</label>
        <input id={`${id}-from`} type="datetime-local" step={1} value={toLocalInput(draft.from)} onChange={set("from")} className={input} />
      </div>
      <div>
        <label htmlFor={`${id}-to`} className={label}>To</label>
        <input id={`${id}-to`} type="datetime-local" step={1} value={toLocalInput(draft.to)} onChange={set("to")} className={input} />
      </div>
      <div className="flex items-end gap-2">
        <button type="submit" className="rounded bg-slate-900 px-3 py-1 text-sm font-medium text-white hover:bg-slate-700">
          Apply
        </button>
        <button
          type="button"
          onClick={() => {
            setDraft({});
            onApply({});
          }}
          className="rounded border border-slate-300 bg-white px-3 py-1 text-sm font-medium hover:bg-slate-50"
        >
          Clear
        </button>
      </div>
    </form>
  );
}

/** datetime-local wants local "YYYY-MM-DDTHH:mm:ss"; the applied filter is ISO (UTC). A draft value is already local. */
function toLocalInput(value: string | undefined): string {
  if (!value) return "";
  if (!value.endsWith("Z")) return value;
  const d = new Date(value);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
