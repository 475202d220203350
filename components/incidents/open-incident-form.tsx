"use client";

// An operator opens an incident by hand through the same POST /api/v1/incidents
// that tools use (its source is then CONSOLE; docs/incidents.md#sources). The
// server's refusal is shown as it explains it.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useMemo, useState } from "react";
import { apiFetch } from "@/lib/api/client";
import { AUDIT_SEVERITIES } from "@/lib/api/audit";
import type { TTopology } from "@/lib/api/graph";
import { queryKeys } from "@/lib/api/query-keys";
import { FormError } from "../kpis/query-states";
import { INPUT, LABEL, PRIMARY, SECONDARY } from "./common";

type Severity = (typeof AUDIT_SEVERITIES)[number];

export function OpenIncidentForm({ onCancel }: { onCancel: () => void }) {
  const router = useRouter();
  const client = useQueryClient();
  const id = useId();
  const [service, setService] = useState("");
  const [title, setTitle] = useState("");
  const [severity, setSeverity] = useState<Severity>("ERROR");
  const [note, setNote] = useState("");

  const topology = useQuery({ queryKey: queryKeys.graph(), queryFn: ({ signal }) => apiFetch<TTopology>("/api/v1/graph", { signal }) });
  const services = useMemo(() => (topology.data?.services ?? []).map((s) => s.name).sort(), [topology.data]);

  const open = useMutation({
    mutationFn: () => apiFetch<{ id: string; key: string }>("/api/v1/incidents", { body: { service, title, severity, ...(note.trim() ? { note } : {}) } }),
    onSuccess: (created) => {
      void client.invalidateQueries({ queryKey: ["incidents"] });
      router.push(`/incidents/${created.id}`);
    },
  });

  return (
    <form
      aria-label="Open an incident"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        open.mutate();
      }}
      className="grid max-w-3xl gap-4 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2"
    >
      <div>
        <label htmlFor={`${id}-service`} className={LABEL}>
          Service
        </label>
        {topology.isError ? (
          <input id={`${id}-service`} value={service} onChange={(e) => setService(e.target.value)} placeholder="payment-service" className={`${INPUT} font-mono`} />
        ) : (
          <select id={`${id}-service`} value={service} onChange={(e) => setService(e.target.value)} className={`${INPUT} font-mono`} disabled={topology.isPending}>
            <option value="">{topology.isPending ? "Loading the services …" : "Choose a service"}</option>
            {services.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        )}
        <p className="mt-1 text-xs text-slate-500">{topology.isError ? "The service list could not be loaded; type the name." : "A service of the dependency graph."}</p>
      </div>
      <div>
        <label htmlFor={`${id}-severity`} className={LABEL}>
          Severity
        </label>
        <select id={`${id}-severity`} value={severity} onChange={(e) => setSeverity(e.target.value as Severity)} className={INPUT}>
          {AUDIT_SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <div className="sm:col-span-2">
        <label htmlFor={`${id}-title`} className={LABEL}>
          Title
        </label>
        <input id={`${id}-title`} value={title} onChange={(e) => setTitle(e.target.value)} placeholder="Checkout errors above 5 %" className={INPUT} />
      </div>
      <div className="sm:col-span-2">
        <label htmlFor={`${id}-note`} className={LABEL}>
          Note (optional)
        </label>
        <textarea id={`${id}-note`} value={note} onChange={(e) => setNote(e.target.value)} rows={3} className={INPUT} placeholder="What you see, who is looking" />
      </div>
      <div className="space-y-2 sm:col-span-2">
        <FormError error={open.error} />
        <div className="flex items-center gap-2">
          <button type="submit" className={PRIMARY} disabled={open.isPending}>
            {open.isPending ? "Opening …" : "Open incident"}
          </button>
          <button type="button" className={SECONDARY} onClick={onCancel}>
            Cancel
          </button>
        </div>
      </div>
    </form>
  );
}
