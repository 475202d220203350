"use client";

// The incident settings (docs/incidents.md#settings): the manual-MTTR baseline
// the incident pages and the demo compare with, and how Alertmanager's alerts
// become incidents (grouping, the service and severity labels), and whether an
// open incident halts its service's changes (docs/freezes.md#halts-from-incidents). Saved with
// PUT /api/v1/settings/incidents; the severity map and default severity, not
// edited here, are sent back as they are so that saving keeps them.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { apiFetch } from "@/lib/api/client";
import { queryKeys } from "@/lib/api/query-keys";
import type { TIncidentSettings, TIncidentSettingsView } from "@/lib/api/settings";
import { ErrorBox, FormError, Loading } from "../kpis/query-states";
import { INPUT, PRIMARY, Saved } from "./safety-settings";

function IncidentSettingsForm({ initial, defaults }: { initial: TIncidentSettings; defaults: TIncidentSettings }) {
  const client = useQueryClient();
  const [minutes, setMinutes] = useState(String(initial.manualMttrMinutes));
  const [groupBy, setGroupBy] = useState(initial.intake.groupBy.join(", "));
  const [serviceLabel, setServiceLabel] = useState(initial.intake.serviceLabel);
  const [severityLabel, setSeverityLabel] = useState(initial.intake.severityLabel);
  const [haltOn, setHaltOn] = useState<string>(initial.haltOnIncidentSeverity ?? "");
  const [savedAt, setSavedAt] = useState<number | null>(null);
  const save = useMutation({
    mutationFn: () =>
      apiFetch<TIncidentSettingsView>("/api/v1/settings/incidents", {
        method: "PUT",
        body: {
          manualMttrMinutes: minutes.trim() === "" ? null : Number(minutes),
          intake: {
            groupBy: groupBy
              .split(",")
              .map((s) => s.trim())
              .filter(Boolean),
            serviceLabel: serviceLabel.trim(),
            severityLabel: severityLabel.trim(),
            severityMap: initial.intake.severityMap,
            defaultSeverity: initial.intake.defaultSeverity,
          },
          haltOnIncidentSeverity: haltOn === "" ? null : haltOn,
        },
      }),
    onMutate: () => setSavedAt(null),
    onSuccess: (data) => {
      client.setQueryData(queryKeys.incidentSettings(), data);
      setSavedAt(Date.now());
    },
  });
  const severityMap = Object.entries(initial.intake.severityMap);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
      className="max-w-3xl space-y-4 rounded-lg border border-slate-200 bg-white p-4"
      aria-label="Incident settings"
      noValidate
    >
      <label className="block text-sm">
        <span className="block text-slate-700">Manual baseline (minutes)</span>
        <input type="number" min={1} className={`${INPUT} w-28`} value={minutes} onChange={(e) => setMinutes(e.target.value)} />
        <span className="mt-1 block text-xs text-slate-500">How long an incident takes to resolve by hand; incident pages set their measured MTTR beside it. Default {defaults.manualMttrMinutes}.</span>
      </label>
      <fieldset className="space-y-3 border-t border-slate-100 pt-3">
        <legend className="text-sm font-semibold text-slate-800">Alertmanager intake</legend>
        <div className="flex flex-wrap gap-4">
          <label className="text-sm">
            <span className="block text-slate-700">Group by (labels)</span>
            <input className={`${INPUT} w-64 font-mono`} value={groupBy} onChange={(e) => setGroupBy(e.target.value)} />
            <span className="mt-1 block text-xs text-slate-500">Comma-separated; one open incident per group. Default {defaults.intake.groupBy.join(", ")}.</span>
          </label>
          <label className="text-sm">
            <span className="block text-slate-700">Service label</span>
            <input className={`${INPUT} w-40 font-mono`} value={serviceLabel} onChange={(e) => setServiceLabel(e.target.value)} />
            <span className="mt-1 block text-xs text-slate-500">Names the affected service. Default {defaults.intake.serviceLabel}.</span>
          </label>
          <label className="text-sm">
            <span className="block text-slate-700">Severity label</span>
            <input className={`${INPUT} w-40 font-mono`} value={severityLabel} onChange={(e) => setSeverityLabel(e.target.value)} />
            <span className="mt-1 block text-xs text-slate-500">Default {defaults.intake.severityLabel}.</span>
          </label>
        </div>
        <p className="text-xs text-slate-500">
          Severity values: {severityMap.length ? severityMap.map(([k, v]) => `${k} → ${v}`).join(", ") : "none mapped"}; any other value → {initial.intake.defaultSeverity}. Changed through the API.
        </p>
      </fieldset>
      <label className="block border-t border-slate-100 pt-3 text-sm">
        <span className="block text-slate-700">Stop the line during incidents</span>
        <select className={`${INPUT} w-64`} value={haltOn} onChange={(e) => setHaltOn(e.target.value)} aria-label="Halt changes while an incident is open">
          <option value="">Off</option>
          {(["CRITICAL", "ERROR", "WARNING", "INFO"] as const).map((s) => (
            <option key={s} value={s}>
              {s === "CRITICAL" ? "CRITICAL incidents" : `${s} incidents or worse`}
            </option>
          ))}
        </select>
        <span className="mt-1 block text-xs text-slate-500">
          While such an incident is unresolved on a service, new deployments, config changes and maintenance of that service halt; rollbacks and remediations still run. Default {defaults.haltOnIncidentSeverity ?? "off"}.
        </span>
      </label>
      <FormError error={save.error} />
      <div className="flex items-center gap-3">
        <button type="submit" className={PRIMARY} disabled={save.isPending}>
          {save.isPending ? "Saving …" : "Save incident settings"}
        </button>
        <Saved when={savedAt} />
      </div>
    </form>
  );
}

export function IncidentSettings() {
  const query = useQuery({ queryKey: queryKeys.incidentSettings(), queryFn: ({ signal }) => apiFetch<TIncidentSettingsView>("/api/v1/settings/incidents", { signal }) });
  if (query.isPending) return <Loading what="the incident settings" />;
  if (query.isError) return <ErrorBox error={query.error} what="the incident settings" onRetry={() => void query.refetch()} />;
  return <IncidentSettingsForm initial={query.data.settings} defaults={query.data.defaults} />;
}
