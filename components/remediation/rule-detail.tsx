"use client";

// One remediation rule: its definition, its breaker, and its last 100 matches
// with what each did (dry runs included). Admins edit it, reset a tripped
// breaker, or delete it (docs/incidents.md#remediation-rules).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiFetch } from "@/lib/api/client";
import { queryKeys } from "@/lib/api/query-keys";
import type { TRemediationRule, TRemediationRuleDetail } from "@/lib/api/remediation";
import { DataTable } from "@/components/ui/data-table";
import { Time } from "@/components/ui/time";
import { can, usePrincipal } from "../console/providers";
import { OutcomeBadge, PRIMARY, SECONDARY, shortId } from "../incidents/common";
import { ErrorBox, FormError, Loading } from "../kpis/query-states";
import { BreakerState, EnabledBadge, matchSummary, MODE_HINT, ModeBadge, operationSummary } from "./common";
import { RuleForm } from "./rule-form";

const DANGER = "rounded border border-red-300 bg-white px-3 py-1.5 text-sm font-medium text-red-800 hover:bg-red-50 disabled:cursor-not-allowed disabled:opacity-50";

export function RuleDetail({ id }: { id: string }) {
  const principal = usePrincipal();
  const admin = can(principal, "ADMIN");
  const [editing, setEditing] = useState(false);
  const query = useQuery({ queryKey: queryKeys.remediationRule(id), queryFn: ({ signal }) => apiFetch<TRemediationRuleDetail>(`/api/v1/remediation-rules/${encodeURIComponent(id)}`, { signal }) });

  if (query.isPending || query.isError) {
    return (
      <div className="space-y-4">
        <p className="text-sm">
          <Link href="/rules" className="text-sky-700 hover:underline">
            ← Rules
          </Link>
        </p>
        <h1 className="text-2xl font-semibold">Remediation rule</h1>
        {query.isPending ? <Loading what="the rule" /> : <ErrorBox error={query.error} what="the rule" onRetry={() => void query.refetch()} />}
      </div>
    );
  }
  const { rule, matches } = query.data;
  return (
    <div className="space-y-6">
      <header className="space-y-1">
        <p className="text-sm">
          <Link href="/rules" className="text-sky-700 hover:underline">
            ← Rules
          </Link>
        </p>
        <h1 className="text-2xl font-semibold">{rule.name}</h1>
        <div className="flex flex-wrap items-center gap-2 text-sm text-slate-600">
          <ModeBadge mode={rule.mode} />
          <EnabledBadge enabled={rule.enabled} />
          <span>{MODE_HINT[rule.mode]}</span>
        </div>
      </header>

      <div className="grid max-w-5xl gap-4 lg:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
        <dl className="grid grid-cols-[max-content_minmax(0,1fr)] gap-x-4 gap-y-2 rounded-lg border border-slate-200 bg-white p-4 text-sm">
          <dt className="text-slate-500">Matches alerts with</dt>
          <dd className="font-mono text-xs" data-testid="rule-match">
            {matchSummary(rule.match)}
          </dd>
          <dt className="text-slate-500">Submits</dt>
          <dd className="font-mono text-xs" data-testid="rule-operation">
            {operationSummary(rule.operation)}
          </dd>
          <dt className="text-slate-500">Matches, last hour</dt>
          <dd className="tabular-nums">{rule.matchesLastHour}</dd>
          <dt className="text-slate-500">Created</dt>
          <dd className="text-xs">
            <Time iso={rule.createdAt} /> by {rule.createdBy}
          </dd>
          <dt className="text-slate-500">Changed</dt>
          <dd className="text-xs">
            <Time iso={rule.updatedAt} /> by {rule.updatedBy}
          </dd>
        </dl>
        <section aria-labelledby="breaker-heading" className={`space-y-2 rounded-lg border p-4 text-sm ${rule.trippedAt ? "border-red-300 bg-red-50" : "border-slate-200 bg-white"}`}>
          <h2 id="breaker-heading" className="font-semibold">
            Breaker
          </h2>
          <BreakerState rule={rule} />
          {admin && rule.trippedAt && <ResetBreaker rule={rule} />}
        </section>
      </div>

      {admin &&
        (editing ? (
          <RuleForm key={rule.updatedAt} rule={rule} onDone={() => setEditing(false)} />
        ) : (
          <div className="flex flex-wrap items-start gap-3">
            <button type="button" className={SECONDARY} onClick={() => setEditing(true)}>
              Edit rule
            </button>
            <DeleteRule rule={rule} />
          </div>
        ))}

      <section aria-labelledby="matches-heading" className="space-y-3">
        <h2 id="matches-heading" className="text-lg font-semibold">
          Recent matches
        </h2>
        <DataTable
          caption="The rule's last 100 matches, most recent first"
          density="snug"
          rows={matches}
          rowKey={(m) => m.id}
          rowProps={(m) => ({ "data-testid": "match-row", "data-outcome": m.outcome })}
          empty={<p className="rounded-lg border border-dashed border-slate-300 bg-white p-4 text-sm text-slate-600">No alert has matched this rule yet.</p>}
          columns={[
            { key: "at", header: "Time", className: "whitespace-nowrap text-xs", cell: (m) => <Time iso={m.at} /> },
            {
              key: "incident",
              header: "Incident",
              cell: (m) => (
                <Link href={`/incidents/${m.incidentId}`} className="font-medium text-sky-700 hover:underline">
                  {m.incidentKey}
                </Link>
              ),
            },
            { key: "service", header: "Service", className: "font-mono text-xs", cell: (m) => m.service },
            { key: "outcome", header: "Outcome", cell: (m) => <OutcomeBadge outcome={m.outcome} /> },
            { key: "reason", header: "Reason", className: "text-xs", cell: (m) => m.reason },
            {
              key: "operation",
              header: "Operation",
              cell: (m) =>
                m.operationId ? (
                  <Link href={`/operations/${m.operationId}`} className="font-mono text-xs text-sky-700 hover:underline">
                    operation {shortId(m.operationId)}
                  </Link>
                ) : (
                  <span className="text-slate-400">—</span>
                ),
            },
          ]}
        />
      </section>
    </div>
  );
}

function ResetBreaker({ rule }: { rule: TRemediationRule }) {
  const client = useQueryClient();
  const reset = useMutation({
    mutationFn: () => apiFetch<TRemediationRule>(`/api/v1/remediation-rules/${encodeURIComponent(rule.id)}`, { method: "PATCH", body: { resetBreaker: true } }),
    onSettled: () => void client.invalidateQueries({ queryKey: ["incidents", "rules"] }),
  });
  return (
    <div className="space-y-2">
      <button type="button" className={PRIMARY} disabled={reset.isPending} onClick={() => reset.mutate()}>
        {reset.isPending ? "Resetting …" : "Reset breaker"}
      </button>
      <FormError error={reset.error} />
    </div>
  );
}

function DeleteRule({ rule }: { rule: TRemediationRule }) {
  const router = useRouter();
  const client = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation({
    mutationFn: () => apiFetch<void>(`/api/v1/remediation-rules/${encodeURIComponent(rule.id)}`, { method: "DELETE" }),
    onSuccess: () => {
      client.removeQueries({ queryKey: queryKeys.remediationRule(rule.id) });
      void client.invalidateQueries({ queryKey: queryKeys.remediationRules() });
      router.push("/rules");
    },
  });
  if (!confirming) {
    return (
      <button type="button" className={DANGER} onClick={() => setConfirming(true)}>
        Delete rule
      </button>
    );
  }
  return (
    <div role="group" aria-label={`Delete ${rule.name}?`} className="space-y-2 rounded-lg border border-red-200 bg-red-50 p-3 text-sm text-red-900">
      <p>Delete “{rule.name}”? Its match history goes with it; the audit trail keeps both. Operations it submitted are not touched.</p>
      <div className="flex gap-2">
        <button type="button" className={DANGER} disabled={remove.isPending} onClick={() => remove.mutate()}>
          {remove.isPending ? "Deleting …" : "Delete"}
        </button>
        <button type="button" className={SECONDARY} onClick={() => setConfirming(false)}>
          Keep it
        </button>
      </div>
      <FormError error={remove.error} />
    </div>
  );
}
