"use client";

// The remediation rules (docs/incidents.md#remediation-rules): what each
// matches, what it submits and in which mode, its breaker, and how often it
// matched in the last hour. Admins add rules here.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { apiFetch } from "@/lib/api/client";
import { queryKeys } from "@/lib/api/query-keys";
import type { TRemediationRule } from "@/lib/api/remediation";
import { DataTable } from "@/components/ui/data-table";
import { can, usePrincipal } from "../console/providers";
import { PRIMARY } from "../incidents/common";
import { ErrorBox, Loading } from "../kpis/query-states";
import { BreakerState, EnabledBadge, MatchLines, ModeBadge, OperationLines } from "./common";
import { RuleForm } from "./rule-form";

export function RuleList() {
  const principal = usePrincipal();
  const admin = can(principal, "ADMIN");
  const [creating, setCreating] = useState(false);
  const query = useQuery({ queryKey: queryKeys.remediationRules(), queryFn: ({ signal }) => apiFetch<{ items: TRemediationRule[] }>("/api/v1/remediation-rules", { signal }) });

  return (
    <div className="space-y-4">
      {admin ? (
        creating ? (
          <RuleForm onDone={() => setCreating(false)} />
        ) : (
          <button type="button" className={PRIMARY} onClick={() => setCreating(true)}>
            New rule
          </button>
        )
      ) : (
        <p className="text-xs text-slate-500">Adding, changing and deleting rules, and resetting a breaker, need the admin role. You are signed in as {principal.role.toLowerCase()}.</p>
      )}

      {query.isPending ? (
        <Loading what="the remediation rules" />
      ) : query.isError ? (
        <ErrorBox error={query.error} what="the remediation rules" onRetry={() => void query.refetch()} />
      ) : (
        <DataTable
          caption="Remediation rules, by name"
          rows={query.data.items}
          rowKey={(r) => r.id}
          rowProps={(r) => ({ "data-testid": "rule-row", "data-name": r.name })}
          bodyClassName="align-top"
          empty={
            <div className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600" data-testid="rules-empty">
              <p className="font-medium text-slate-800">No remediation rules yet.</p>
              <p className="mt-1">A rule submits an operation when an Alertmanager alert matching it fires: start one in dry run to see what it would have done before it does anything.</p>
            </div>
          }
          columns={[
            {
              key: "name",
              header: "Rule",
              rowHeader: true,
              cell: (r) => (
                <Link href={`/rules/${r.id}`} className="font-medium text-sky-700 hover:underline">
                  {r.name}
                </Link>
              ),
            },
            { key: "mode", header: "Mode", cell: (r) => <ModeBadge mode={r.mode} /> },
            { key: "enabled", header: "Enabled", cell: (r) => <EnabledBadge enabled={r.enabled} /> },
            { key: "match", header: "Matches alerts with", className: "min-w-[12rem] max-w-xs", cell: (r) => <MatchLines match={r.match} /> },
            { key: "operation", header: "Submits", className: "min-w-[12rem] max-w-xs", cell: (r) => <OperationLines operation={r.operation} /> },
            { key: "breaker", header: "Breaker", className: "min-w-[11rem] text-sm", cell: (r) => <BreakerState rule={r} /> },
            { key: "hour", header: "Last hour", headerClassName: "whitespace-nowrap", align: "right", className: "tabular-nums", cellProps: () => ({ "data-testid": "rule-matches-last-hour" }), cell: (r) => r.matchesLastHour },
          ]}
        />
      )}
    </div>
  );
}
