"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { apiFetch } from "@/lib/api/client";
import { CONFLICT_ACTIONS, CONFLICT_SEVERITIES, CONFLICT_TYPES, SAFETY_GATES } from "@/lib/api/operations";
import { queryKeys } from "@/lib/api/query-keys";
import { GATE_FAILURE_ACTIONS, GATE_THRESHOLD_UNITS, type TConflictPolicy, type TConflictPolicySettings, type TGateConfig, type TGateSettings } from "@/lib/api/settings";
import { DataTable } from "@/components/ui/data-table";
import { formatClock } from "@/lib/format";
import { ErrorBox, FormError, Loading } from "../kpis/query-states";

const human = (s: string) => s.charAt(0) + s.slice(1).toLowerCase().replaceAll("_", " ");
export const INPUT = "rounded border border-slate-300 bg-white px-2 py-1 text-sm";
export const PRIMARY = "rounded bg-slate-800 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-50";

export function Saved({ when }: { when: number | null }) {
  return (
    <p role="status" aria-live="polite" className="text-sm text-emerald-700">
      {when ? `Saved at ${formatClock(new Date(when).toISOString())}.` : ""}
    </p>
  );
}

// ── safety gates ───────────────────────────────────────────────────

function GateForm({ initial, defaults }: { initial: TGateConfig; defaults: TGateConfig }) {
  const client = useQueryClient();
  const [draft, setDraft] = useState(() => Object.fromEntries(SAFETY_GATES.map((g) => [g, { ...initial.gates[g], threshold: String(initial.gates[g].threshold) }])) as Record<(typeof SAFETY_GATES)[number], Omit<TGateConfig["gates"]["COOLDOWN"], "threshold"> & { threshold: string }>);
  const [savedAt, setSavedAt] = useState<number | null>(null);
  const save = useMutation({
    mutationFn: () =>
      apiFetch<TGateSettings>("/api/v1/settings/gates", {
        method: "PUT",
        body: { gates: Object.fromEntries(SAFETY_GATES.map((g) => [g, { ...draft[g], threshold: draft[g].threshold.trim() === "" ? null : Number(draft[g].threshold) }])) },
      }),
    onSuccess: (data) => {
      client.setQueryData(queryKeys.gateSettings(), data);
      setSavedAt(Date.now());
    },
    onMutate: () => setSavedAt(null),
  });
  const set = (g: (typeof SAFETY_GATES)[number], patch: Partial<(typeof draft)[typeof g]>) => setDraft((d) => ({ ...d, [g]: { ...d[g], ...patch } }));
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
      className="space-y-3"
      aria-label="Safety gates"
      noValidate
    >
      <DataTable
        caption="Safety gates"
        rows={SAFETY_GATES}
        rowKey={(g) => g}
        columns={[
          {
            key: "gate",
            header: "Gate",
            rowHeader: true,
            className: "font-medium",
            cell: (g) => (
              <>
                {human(g)}
                <p className="text-xs font-normal text-slate-500">default {defaults.gates[g].threshold}</p>
              </>
            ),
          },
          { key: "enabled", header: "Enabled", cell: (g) => <input type="checkbox" aria-label={`${human(g)} enabled`} checked={draft[g].enabled} onChange={(e) => set(g, { enabled: e.target.checked })} /> },
          {
            key: "threshold",
            header: "Threshold",
            cell: (g) => (
              <>
                <input type="number" step="any" aria-label={`${human(g)} threshold`} className={`${INPUT} w-24`} value={draft[g].threshold} onChange={(e) => set(g, { threshold: e.target.value })} />
                <p className="text-xs text-slate-500">{GATE_THRESHOLD_UNITS[g]}</p>
              </>
            ),
          },
          {
            key: "onFailure",
            header: "On failure",
            cell: (g) => (
              <select aria-label={`${human(g)} on failure`} className={INPUT} value={draft[g].onFailure} onChange={(e) => set(g, { onFailure: e.target.value as (typeof GATE_FAILURE_ACTIONS)[number] })}>
                {GATE_FAILURE_ACTIONS.map((a) => (
                  <option key={a} value={a}>
                    {a === "BLOCK" ? "Block" : "Pause for review"}
                  </option>
                ))}
              </select>
            ),
          },
          { key: "checks", header: "Checks", className: "text-xs text-slate-600", cell: (g) => (draft[g].appliesTo.length ? draft[g].appliesTo.map(human).join(", ") : "no operation type") },
        ]}
      />
      <FormError error={save.error} />
      <div className="flex items-center gap-3">
        <button type="submit" className={PRIMARY} disabled={save.isPending}>
          {save.isPending ? "Saving …" : "Save safety gates"}
        </button>
        <Saved when={savedAt} />
      </div>
    </form>
  );
}

export function GateSettings() {
  const query = useQuery({ queryKey: queryKeys.gateSettings(), queryFn: ({ signal }) => apiFetch<TGateSettings>("/api/v1/settings/gates", { signal }) });
  if (query.isPending) return <Loading what="the safety gates" />;
  if (query.isError) return <ErrorBox error={query.error} what="the safety gates" onRetry={() => void query.refetch()} />;
  return <GateForm initial={query.data.config} defaults={query.data.defaults} />;
}

// ── conflict policy ────────────────────────────────────────────────

function PolicyForm({ initial }: { initial: TConflictPolicy }) {
  const client = useQueryClient();
  const [depth, setDepth] = useState(String(initial.depth));
  const [timing, setTiming] = useState(String(initial.timingWindowSeconds));
  const [rules, setRules] = useState(initial.rules);
  const [savedAt, setSavedAt] = useState<number | null>(null);
  const num = (s: string) => (s.trim() === "" ? null : Number(s));
  const save = useMutation({
    mutationFn: () => apiFetch<TConflictPolicySettings>("/api/v1/settings/conflict-policy", { method: "PUT", body: { depth: num(depth), timingWindowSeconds: num(timing), rules } }),
    onMutate: () => setSavedAt(null),
    onSuccess: (data) => {
      client.setQueryData(queryKeys.conflictPolicy(), data);
      setSavedAt(Date.now());
    },
  });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
      className="space-y-3"
      aria-label="Conflict policy"
      noValidate
    >
      <div className="flex flex-wrap gap-4">
        <label className="text-sm">
          <span className="block text-slate-700">Traversal depth (hops)</span>
          <input type="number" className={`${INPUT} w-24`} value={depth} onChange={(e) => setDepth(e.target.value)} />
        </label>
        <label className="text-sm">
          <span className="block text-slate-700">Timing window (seconds)</span>
          <input type="number" className={`${INPUT} w-28`} value={timing} onChange={(e) => setTiming(e.target.value)} />
        </label>
      </div>
      <DataTable
        caption="Conflict rules by type"
        rows={CONFLICT_TYPES}
        rowKey={(t) => t}
        columns={[
          { key: "type", header: "Conflict type", rowHeader: true, className: "font-medium", cell: (t) => human(t) },
          {
            key: "enabled",
            header: "Enabled",
            cell: (t) => <input type="checkbox" aria-label={`${human(t)} enabled`} checked={rules[t].enabled} onChange={(e) => setRules((r) => ({ ...r, [t]: { ...r[t], enabled: e.target.checked } }))} />,
          },
          {
            key: "severity",
            header: "Severity",
            cell: (t) => (
              <select aria-label={`${human(t)} severity`} className={INPUT} value={rules[t].severity} onChange={(e) => setRules((r) => ({ ...r, [t]: { ...r[t], severity: e.target.value as (typeof CONFLICT_SEVERITIES)[number] } }))}>
                {CONFLICT_SEVERITIES.map((s) => (
                  <option key={s} value={s}>
                    {human(s)}
                  </option>
                ))}
              </select>
            ),
          },
          {
            key: "action",
            header: "Action",
            cell: (t) => (
              <select aria-label={`${human(t)} action`} className={INPUT} value={rules[t].action} onChange={(e) => setRules((r) => ({ ...r, [t]: { ...r[t], action: e.target.value as (typeof CONFLICT_ACTIONS)[number] } }))}>
                {CONFLICT_ACTIONS.map((a) => (
                  <option key={a} value={a}>
                    {human(a)}
                  </option>
                ))}
              </select>
            ),
          },
        ]}
      />
      <FormError error={save.error} />
      <div className="flex items-center gap-3">
        <button type="submit" className={PRIMARY} disabled={save.isPending}>
          {save.isPending ? "Saving …" : "Save conflict policy"}
        </button>
        <Saved when={savedAt} />
      </div>
    </form>
  );
}

export function ConflictPolicySettings() {
  const query = useQuery({ queryKey: queryKeys.conflictPolicy(), queryFn: ({ signal }) => apiFetch<TConflictPolicySettings>("/api/v1/settings/conflict-policy", { signal }) });
  if (query.isPending) return <Loading what="the conflict policy" />;
  if (query.isError) return <ErrorBox error={query.error} what="the conflict policy" onRetry={() => void query.refetch()} />;
  return <PolicyForm initial={query.data.policy} />;
}
