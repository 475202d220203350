"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState, type FormEvent, type ReactNode } from "react";
import { can, usePrincipal } from "@/components/console/providers";
import { apiFetch, qs } from "@/lib/api/client";
import { OPERATION_STATES, OPERATION_TYPES, type TOperationPage } from "@/lib/api/operations";
import { queryKeys } from "@/lib/api/query-keys";
import { DataTable } from "@/components/ui/data-table";
import { EmptyNote, ErrorBox, LoadingBlock, ResultText, STATE_LABEL, StateBadge, Time, shortId } from "./common";

export interface OperationFilters {
  state: string[];
  type: string;
  service: string;
  actor: string;
  correlationId: string;
}

export const EMPTY_FILTERS: OperationFilters = { state: [], type: "", service: "", actor: "", correlationId: "" };

const PAGE_SIZE = 25;

function queryOf(f: OperationFilters) {
  return {
    state: f.state.length ? f.state.join(",") : undefined,
    type: f.type || undefined,
    service: f.service.trim() || undefined,
    actor: f.actor.trim() || undefined,
    correlationId: f.correlationId.trim() || undefined,
  };
}

export function OperationsList({ initialFilters }: { initialFilters: OperationFilters }) {
  const router = useRouter();
  const principal = usePrincipal();
  const [applied, setApplied] = useState<OperationFilters>(initialFilters);
  const [draft, setDraft] = useState<OperationFilters>(initialFilters);
  const filterQuery = queryOf(applied);

  const query = useInfiniteQuery({
    queryKey: queryKeys.operationPages(filterQuery),
    queryFn: ({ pageParam, signal }) => apiFetch<TOperationPage>(`/api/v1/operations${qs({ ...filterQuery, limit: PAGE_SIZE, cursor: pageParam ?? undefined })}`, { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });

  const apply = (next: OperationFilters) => {
    setApplied(next);
    setDraft(next);
    router.replace(`/operations${qs(queryOf(next))}`, { scroll: false });
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    apply(draft);
  };
  const toggleState = (state: string) =>
    setDraft((d) => ({ ...d, state: d.state.includes(state) ? d.state.filter((s) => s !== state) : [...d.state, state] }));

  const items = query.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Object.values(filterQuery).some((v) => v !== undefined);

  return (
    <div className="space-y-4">
      {can(principal, "OPERATOR") ? (
        <Link href="/operations/new" className="inline-block rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700">
          New operation
        </Link>
      ) : (
        <p className="text-sm text-slate-600" data-testid="new-operation-note">
          Submitting an operation needs the operator role; you are signed in as {principal.role.toLowerCase()}, so you can follow operations but not start one.
        </p>
      )}
      <form onSubmit={onSubmit} aria-label="Filter operations" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
        <fieldset>
          <legend className="mb-1.5 text-xs font-medium uppercase tracking-wide text-slate-500">State</legend>
          <div className="flex flex-wrap gap-1.5">
            {OPERATION_STATES.map((state) => (
              <label key={state} className="inline-flex cursor-pointer items-center gap-1.5 rounded border border-slate-200 px-2 py-1 text-sm has-[:checked]:border-slate-500 has-[:checked]:bg-slate-100">
                <input type="checkbox" checked={draft.state.includes(state)} onChange={() => toggleState(state)} className="accent-slate-700" />
                {STATE_LABEL[state]}
              </label>
            ))}
          </div>
        </fieldset>
        <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
          <Field label="Type" id="filter-type">
            <select id="filter-type" value={draft.type} onChange={(e) => setDraft({ ...draft, type: e.target.value })} className="w-full rounded border border-slate-300 bg-white px-2 py-1.5 text-sm">
              <option value="">Any type</option>
              {OPERATION_TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Service" id="filter-service">
            <input id="filter-service" value={draft.service} onChange={(e) => setDraft({ ...draft, service: e.target.value })} placeholder="payment-service" className="w-full rounded border border-slate-300 px-2 py-1.5 text-sm" />
          </Field>
          <Field label="Actor" id="filter-actor">
            <input id="filter-actor" value={draft.actor} onChange={(e) => setDraft({ ...draft, actor: e.target.value })} placeholder="operator@interlock.local" className="w-full rounded border border-slate-300 px-2 py-1.5 text-sm" />
          </Field>
          <Field label="Correlation id" id="filter-correlation">
            <input id="filter-correlation" value={draft.correlationId} onChange={(e) => setDraft({ ...draft, correlationId: e.target.value })} className="w-full rounded border border-slate-300 px-2 py-1.5 font-mono text-sm" />
          </Field>
        </div>
        <div className="flex gap-2">
          <button type="submit" className="rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700">
            Apply filters
          </button>
          <button type="button" onClick={() => apply(EMPTY_FILTERS)} className="rounded border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50">
            Clear
          </button>
        </div>
      </form>

      {query.isPending ? (
        <LoadingBlock label="Loading operations…" rows={5} />
      ) : query.isError && items.length === 0 ? (
        <ErrorBox title="The operations could not be loaded" error={query.error} onRetry={() => void query.refetch()} />
      ) : items.length === 0 ? (
        <EmptyNote>
          {filtered
            ? "No operation matches these filters. Clear them to see every operation."
            : "No operations yet. Operations appear here when a person or automation submits one (POST /api/v1/operations), e.g. a deployment or a rollback."}
        </EmptyNote>
      ) : (
        <>
          <DataTable
            caption="Operations, newest first"
            rows={items}
            rowKey={(op) => op.id}
            rowProps={(op) => ({ "data-testid": "operation-row", "data-operation-id": op.id, className: "hover:bg-slate-50" })}
            columns={[
              {
                key: "operation",
                header: "Operation",
                rowHeader: true,
                className: "font-medium",
                cell: (op) => (
                  <span className="inline-flex flex-wrap items-center gap-x-1.5">
                    <Link href={`/operations/${op.id}`} className="text-slate-900 underline decoration-slate-300 underline-offset-2 hover:decoration-slate-700">
                      {op.type} <span className="font-mono text-xs text-slate-500">{shortId(op.id)}</span>
                    </Link>
                    {op.execution === "external" ? <ExternalTag actor={op.actor} /> : null}
                  </span>
                ),
              },
              { key: "service", header: "Service", className: "whitespace-nowrap font-mono text-sm", cell: (op) => op.service },
              { key: "state", header: "State", cell: (op) => <StateBadge state={op.state} /> },
              { key: "result", header: "Result", cell: (op) => <ResultText result={op.result} /> },
              { key: "actor", header: "Actor", className: "max-w-56 truncate", cellProps: (op) => ({ title: op.actor }), cell: (op) => op.actor },
              { key: "correlation", header: "Correlation id", className: "max-w-32 truncate font-mono text-xs text-slate-600", cellProps: (op) => ({ title: op.correlationId }), cell: (op) => op.correlationId },
              { key: "created", header: "Created", className: "text-slate-600", cell: (op) => <Time iso={op.createdAt} compact /> },
            ]}
          />
          <div className="flex items-center gap-3">
            {query.hasNextPage ? (
              <button
                type="button"
                onClick={() => void query.fetchNextPage()}
                disabled={query.isFetchingNextPage}
                className="rounded border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50 disabled:opacity-60"
              >
                {query.isFetchingNextPage ? "Loading more…" : "Load more"}
              </button>
            ) : null}
            <p className="text-sm text-slate-500" role="status" aria-live="polite">
              {items.length} operation{items.length === 1 ? "" : "s"} shown{query.hasNextPage ? "; more available" : ""}
            </p>
          </div>
          {query.isError ? <ErrorBox title="Refreshing the operations failed" error={query.error} onRetry={() => void query.refetch()} /> : null}
        </>
      )}
    </div>
  );
}

/** Marks an operation its submitter carries out (a pipeline, under an execution lease) rather than Interlock's executor. */
function ExternalTag({ actor }: { actor: string }) {
  return (
    <span
      data-testid="external-tag"
      title={`Carried out by its submitter (${actor}) under an execution lease, not by Interlock's executor`}
      className="whitespace-nowrap rounded bg-violet-50 px-1.5 py-0.5 text-xs font-medium text-violet-800 ring-1 ring-inset ring-violet-200"
    >
      external
    </span>
  );
}

function Field({ label, id, children }: { label: string; id: string; children: ReactNode }) {
  return (
    <div>
      <label htmlFor={id} className="mb-1 block text-xs font-medium uppercase tracking-wide text-slate-500">
        {label}
      </label>
      {children}
    </div>
  );
}
