"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { apiFetch } from "@/lib/api/client";
import type { TApprovalPolicy, TApprovalPolicyPreview } from "@/lib/api/approvals";
import { DataTable } from "@/components/ui/data-table";
import { ErrorBox, FormError, Loading } from "../kpis/query-states";
import { INPUT, PRIMARY } from "./safety-settings";

// Settings → Approval policies (docs/approvals.md): how many distinct people
// must approve the operations a scope covers, from which roles and teams, with
// a live preview of the services a draft would apply to.

const POLICIES_KEY = ["approval-policies"] as const;
const TYPES = ["DEPLOYMENT", "ROLLBACK", "VERIFICATION", "REMEDIATION", "CONFIG_CHANGE", "MAINTENANCE"] as const;
const APPROVER_ROLES = ["APPROVER", "ADMIN"] as const;

interface Draft {
  name: string;
  services: string;
  teams: string;
  tiers: string;
  types: string[];
  requiredApprovals: number;
  fromRoles: string[];
  fromTeams: string;
  enabled: boolean;
}

const EMPTY: Draft = { name: "", services: "", teams: "", tiers: "", types: [], requiredApprovals: 2, fromRoles: ["APPROVER", "ADMIN"], fromTeams: "", enabled: true };
const words = (s: string) => [...new Set(s.split(",").map((w) => w.trim()).filter(Boolean))];

function bodyOf(d: Draft) {
  return {
    name: d.name,
    scope: { services: words(d.services), teams: words(d.teams), tiers: words(d.tiers).map(Number), types: d.types },
    requiredApprovals: d.requiredApprovals,
    fromRoles: d.fromRoles,
    fromTeams: words(d.fromTeams),
    enabled: d.enabled,
  };
}

function draftOf(p: TApprovalPolicy): Draft {
  return { name: p.name, services: p.scope.services.join(", "), teams: p.scope.teams.join(", "), tiers: p.scope.tiers.join(", "), types: p.scope.types, requiredApprovals: p.requiredApprovals, fromRoles: p.fromRoles, fromTeams: p.fromTeams.join(", "), enabled: p.enabled };
}

function scopeText(p: TApprovalPolicy): string {
  const parts = [
    p.scope.services.length ? `services ${p.scope.services.join(", ")}` : null,
    p.scope.teams.length ? `teams ${p.scope.teams.join(", ")}` : null,
    p.scope.tiers.length ? `tier ${p.scope.tiers.join(", ")}` : null,
    p.scope.types.length ? p.scope.types.join(", ") : null,
  ].filter(Boolean);
  return parts.length ? parts.join(" · ") : "every operation";
}

function whoText(p: { requiredApprovals: number; fromRoles: string[]; fromTeams: string[] }): string {
  const teams = p.fromTeams.map((t) => (t === "owning" ? "the owning team" : t));
  return `${p.requiredApprovals} distinct ${p.fromRoles.join(" or ")}${teams.length ? ` from ${teams.join(" or ")}` : ""}`;
}

export function ApprovalPolicySettings() {
  const query = useQuery({ queryKey: POLICIES_KEY, queryFn: ({ signal }) => apiFetch<{ items: TApprovalPolicy[] }>("/api/v1/approval-policies", { signal }) });
  const [editing, setEditing] = useState<TApprovalPolicy | "new" | null>(null);
  return (
    <div className="space-y-3" data-testid="approval-policies">
      {query.isPending ? (
        <Loading what="approval policies" />
      ) : query.isError ? (
        <ErrorBox error={query.error} what="approval policies" onRetry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 bg-white p-4 text-sm text-slate-600">No approval policies: every paused operation needs one approver (an approver or admin other than its requester).</p>
      ) : (
        <DataTable
          caption="Approval policies"
          density="snug"
          rows={query.data.items}
          rowKey={(p) => p.id}
          rowProps={(p) => ({ "data-testid": `approval-policy-${p.name}` })}
          columns={[
            { key: "name", header: "Name", className: "font-medium", cell: (p) => p.name },
            { key: "scope", header: "Applies to", className: "text-xs", cell: (p) => scopeText(p) },
            { key: "who", header: "Needs", className: "text-xs", cell: (p) => whoText(p) },
            { key: "enabled", header: "Status", className: "text-xs", cell: (p) => (p.enabled ? "enabled" : "disabled") },
            {
              key: "actions",
              header: "",
              className: "text-xs",
              cell: (p) => (
                <button type="button" className="rounded border border-slate-300 px-2 py-0.5 hover:bg-slate-100" aria-label={`Edit ${p.name}`} onClick={() => setEditing(p)}>
                  Edit
                </button>
              ),
            },
          ]}
        />
      )}
      {editing ? (
        <PolicyForm key={editing === "new" ? "new" : editing.id} policy={editing === "new" ? null : editing} onDone={() => setEditing(null)} />
      ) : (
        <button type="button" className={PRIMARY} onClick={() => setEditing("new")}>
          New approval policy
        </button>
      )}
    </div>
  );
}

function PolicyForm({ policy, onDone }: { policy: TApprovalPolicy | null; onDone: () => void }) {
  const client = useQueryClient();
  const [draft, setDraft] = useState<Draft>(policy ? draftOf(policy) : EMPTY);
  const set = (change: Partial<Draft>) => setDraft((d) => ({ ...d, ...change }));
  const save = useMutation({
    mutationFn: () =>
      policy ? apiFetch<TApprovalPolicy>(`/api/v1/approval-policies/${policy.id}`, { method: "PATCH", body: bodyOf(draft) }) : apiFetch<TApprovalPolicy>("/api/v1/approval-policies", { body: bodyOf(draft) }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: POLICIES_KEY });
      onDone();
    },
  });
  const remove = useMutation({
    mutationFn: () => apiFetch<null>(`/api/v1/approval-policies/${policy!.id}`, { method: "DELETE" }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: POLICIES_KEY });
      onDone();
    },
  });
  const toggle = (list: string[], item: string) => (list.includes(item) ? list.filter((x) => x !== item) : [...list, item]);
  return (
    <form
      className="space-y-3 rounded-lg border border-slate-200 bg-white p-4"
      aria-label={policy ? `Edit approval policy ${policy.name}` : "New approval policy"}
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <div className="grid gap-3 sm:grid-cols-2">
        <label className="block text-sm">
          <span className="block text-slate-700">Name</span>
          <input className={`${INPUT} w-full`} value={draft.name} onChange={(e) => set({ name: e.target.value })} required />
        </label>
        <label className="block text-sm">
          <span className="block text-slate-700">Approvals required (distinct people)</span>
          <input className={`${INPUT} w-24`} type="number" min={1} max={10} value={draft.requiredApprovals} onChange={(e) => set({ requiredApprovals: Number(e.target.value) })} />
        </label>
        <label className="block text-sm">
          <span className="block text-slate-700">Services (comma-separated; empty: any)</span>
          <input className={`${INPUT} w-full`} value={draft.services} onChange={(e) => set({ services: e.target.value })} />
        </label>
        <label className="block text-sm">
          <span className="block text-slate-700">Owning teams (empty: any)</span>
          <input className={`${INPUT} w-full`} value={draft.teams} onChange={(e) => set({ teams: e.target.value })} />
        </label>
        <label className="block text-sm">
          <span className="block text-slate-700">Tiers (e.g. 1, 2; empty: any)</span>
          <input className={`${INPUT} w-full`} value={draft.tiers} onChange={(e) => set({ tiers: e.target.value })} />
        </label>
        <label className="block text-sm">
          <span className="block text-slate-700">Approvers from teams (“owning”: the service’s team; empty: any team)</span>
          <input className={`${INPUT} w-full`} value={draft.fromTeams} onChange={(e) => set({ fromTeams: e.target.value })} />
        </label>
      </div>
      <fieldset className="text-sm">
        <legend className="text-slate-700">Operation types (none ticked: every type)</legend>
        <div className="mt-1 flex flex-wrap gap-3">
          {TYPES.map((t) => (
            <label key={t} className="flex items-center gap-1 text-xs">
              <input type="checkbox" checked={draft.types.includes(t)} onChange={() => set({ types: toggle(draft.types, t) })} /> {t}
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset className="text-sm">
        <legend className="text-slate-700">Approvers’ roles</legend>
        <div className="mt-1 flex gap-3">
          {APPROVER_ROLES.map((r) => (
            <label key={r} className="flex items-center gap-1 text-xs">
              <input type="checkbox" checked={draft.fromRoles.includes(r)} onChange={() => set({ fromRoles: toggle(draft.fromRoles, r) })} /> {r}
            </label>
          ))}
          <label className="ml-6 flex items-center gap-1 text-xs">
            <input type="checkbox" checked={draft.enabled} onChange={(e) => set({ enabled: e.target.checked })} /> enabled
          </label>
        </div>
      </fieldset>
      <PolicyPreview draft={draft} />
      <FormError error={save.error ?? remove.error} />
      <div className="flex flex-wrap gap-2">
        <button type="submit" className={PRIMARY} disabled={save.isPending}>
          {save.isPending ? "Saving …" : policy ? "Save policy" : "Create policy"}
        </button>
        <button type="button" className="rounded border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100" onClick={onDone}>
          Cancel
        </button>
        {policy ? (
          <button
            type="button"
            className="ml-auto rounded border border-red-300 px-3 py-1.5 text-sm text-red-700 hover:bg-red-50"
            disabled={remove.isPending}
            onClick={() => {
              if (window.confirm(`Delete the approval policy ${policy.name}? Reviews waiting are counted without it from then on.`)) remove.mutate();
            }}
          >
            Delete
          </button>
        ) : null}
      </div>
    </form>
  );
}

/** "This policy would apply to these services", re-asked of the server as the draft changes. */
function PolicyPreview({ draft }: { draft: Draft }) {
  const body = bodyOf({ ...draft, name: draft.name || "draft" });
  const [debounced, setDebounced] = useState(body);
  const key = JSON.stringify(body);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(JSON.parse(key) as typeof body), 300);
    return () => clearTimeout(timer);
  }, [key]);
  const preview = useQuery({
    queryKey: ["approval-policy-preview", debounced],
    queryFn: ({ signal }) => apiFetch<TApprovalPolicyPreview>("/api/v1/approval-policies/preview", { body: debounced, signal }),
    placeholderData: keepPreviousData,
    retry: false,
  });
  return (
    <section aria-label="Preview" className="rounded border border-slate-200 bg-slate-50 p-3 text-sm" data-testid="approval-policy-preview">
      {preview.isPending ? (
        <p className="text-slate-600">Working out which services this policy would apply to …</p>
      ) : preview.isError ? (
        <FormError error={preview.error} />
      ) : (
        <>
          <p>
            This policy would apply to <span className="font-semibold">{preview.data.services.length}</span> of {preview.data.totalServices} services
            {preview.data.services.length ? ": " : "."}
            <span className="font-mono text-xs">{preview.data.services.map((s) => s.name).join(", ")}</span>
          </p>
          <p className="mt-1 text-slate-700">
            People who could approve under it:{" "}
            {preview.data.approvers.length ? preview.data.approvers.map((a) => `${a.email} (${a.role.toLowerCase()}${a.teams.length ? `, ${a.teams.join(", ")}` : ""})`).join("; ") : "nobody"}
          </p>
          {preview.data.unapprovable.length ? (
            <p className="mt-1 text-amber-800" role="status">
              Fewer people could approve than it requires on: {preview.data.unapprovable.join(", ")}. Operations there would wait until they time out.
            </p>
          ) : null}
        </>
      )}
    </section>
  );
}
