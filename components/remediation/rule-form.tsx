"use client";

// An admin creates or edits a remediation rule (POST or PATCH
// /api/v1/remediation-rules; docs/incidents.md#remediation-rules). Extra labels
// and the operation's parameters are key=value lines; parameter values may use
// {{labels.NAME}}, {{service}}, {{alertname}}, {{severity}} and {{incident.key}}.
// The server validates; its refusal is shown beside the form.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useMemo, useState, type ReactNode } from "react";
import { apiFetch } from "@/lib/api/client";
import type { TTopology } from "@/lib/api/graph";
import { REMEDIATION_MODES } from "@/lib/api/incidents";
import { OPERATION_TYPES } from "@/lib/api/operations";
import { queryKeys } from "@/lib/api/query-keys";
import type { TRemediationRule, TRemediationRuleInput } from "@/lib/api/remediation";
import { FormError } from "../kpis/query-states";
import { INPUT, LABEL, PRIMARY, SECONDARY } from "../incidents/common";
import { formatLines, MODE_HINT, MODE_LABEL, parseLines, type Mode } from "./common";

const PRIORITIES = ["CRITICAL", "HIGH", "NORMAL", "LOW"] as const;
type OperationType = (typeof OPERATION_TYPES)[number];
type Priority = (typeof PRIORITIES)[number];

interface Fields {
  name: string;
  mode: Mode;
  enabled: boolean;
  alertname: string;
  service: string;
  severity: string;
  labels: string;
  type: OperationType;
  params: string;
  priority: "" | Priority;
  maxPerIncident: string;
  maxPerHourPerService: string;
}

function fieldsOf(rule: TRemediationRule | null): Fields {
  if (!rule) {
    return { name: "", mode: "DRY_RUN", enabled: true, alertname: "", service: "", severity: "", labels: "", type: "ROLLBACK", params: "", priority: "", maxPerIncident: "2", maxPerHourPerService: "3" };
  }
  return {
    name: rule.name,
    mode: rule.mode,
    enabled: rule.enabled,
    alertname: rule.match.alertname ?? "",
    service: rule.match.service ?? "",
    severity: rule.match.severity ?? "",
    labels: formatLines(rule.match.labels),
    type: rule.operation.type,
    params: formatLines(rule.operation.params),
    priority: rule.operation.priority ?? "",
    maxPerIncident: String(rule.breaker.maxPerIncident),
    maxPerHourPerService: String(rule.breaker.maxPerHourPerService),
  };
}

/** The request body, or the line that keeps the fields from being one. */
function bodyOf(f: Fields, initial: TRemediationRule | null): { body: TRemediationRuleInput | null; problem: string | null } {
  const labels = parseLines(f.labels, "Other labels");
  if (labels.problem) return { body: null, problem: labels.problem };
  const params = parseLines(f.params, "Parameters");
  if (params.problem) return { body: null, problem: params.problem };
  // A parameter the rule stored as a number or a boolean keeps its type while its text is unchanged.
  const typed = Object.fromEntries(Object.entries(params.value).map(([k, v]) => {
    const before = initial?.operation.params[k];
    return [k, before !== undefined && typeof before !== "string" && String(before) === v ? before : v];
  }));
  const num = (s: string) => (s.trim() === "" ? undefined : Number(s));
  const breaker = { maxPerIncident: num(f.maxPerIncident), maxPerHourPerService: num(f.maxPerHourPerService) };
  return {
    body: {
      name: f.name,
      enabled: f.enabled,
      mode: f.mode,
      match: {
        ...(f.alertname.trim() ? { alertname: f.alertname.trim() } : {}),
        ...(f.service.trim() ? { service: f.service.trim() } : {}),
        ...(f.severity.trim() ? { severity: f.severity.trim() } : {}),
        ...(Object.keys(labels.value).length ? { labels: labels.value } : {}),
      },
      operation: { type: f.type, params: typed, ...(f.priority ? { priority: f.priority } : {}) },
      breaker: Object.fromEntries(Object.entries(breaker).filter(([, v]) => v !== undefined)) as TRemediationRuleInput["breaker"],
    },
    problem: null,
  };
}

function Field({ label, hint, className = "", children }: { label: string; hint?: ReactNode; className?: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className={className}>
      <label htmlFor={id} className={LABEL}>
        {label}
      </label>
      {children(id)}
      {hint ? <p className="mt-1 text-xs text-slate-500">{hint}</p> : null}
    </div>
  );
}

/** Creates a rule (no `rule`) and opens its page, or saves the changes to `rule`. */
export function RuleForm({ rule = null, onDone }: { rule?: TRemediationRule | null; onDone: () => void }) {
  const router = useRouter();
  const client = useQueryClient();
  const [fields, setFields] = useState<Fields>(() => fieldsOf(rule));
  const [problem, setProblem] = useState<string | null>(null);
  const set = <K extends keyof Fields>(key: K, value: Fields[K]) => setFields((f) => ({ ...f, [key]: value }));

  const topology = useQuery({ queryKey: queryKeys.graph(), queryFn: ({ signal }) => apiFetch<TTopology>("/api/v1/graph", { signal }) });
  const services = useMemo(() => (topology.data?.services ?? []).map((s) => s.name).sort(), [topology.data]);
  const listId = useId();

  const save = useMutation({
    mutationFn: (body: TRemediationRuleInput) =>
      rule ? apiFetch<TRemediationRule>(`/api/v1/remediation-rules/${encodeURIComponent(rule.id)}`, { method: "PATCH", body }) : apiFetch<TRemediationRule>("/api/v1/remediation-rules", { body }),
    onSuccess: (saved) => {
      void client.invalidateQueries({ queryKey: ["incidents", "rules"] });
      if (rule) onDone();
      else router.push(`/rules/${saved.id}`);
    },
  });

  return (
    <form
      aria-label={rule ? `Edit rule ${rule.name}` : "New remediation rule"}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const { body, problem: p } = bodyOf(fields, rule);
        setProblem(p);
        if (body) save.mutate(body);
        else save.reset();
      }}
      className="max-w-4xl space-y-5 rounded-lg border border-slate-200 bg-white p-4"
    >
      <div className="grid gap-4 sm:grid-cols-3">
        <Field label="Name" className="sm:col-span-2">
          {(id) => <input id={id} value={fields.name} onChange={(e) => set("name", e.target.value)} className={INPUT} placeholder="roll back payment on 5xx" />}
        </Field>
        <Field label="Mode" hint={MODE_HINT[fields.mode]}>
          {(id) => (
            <select id={id} value={fields.mode} onChange={(e) => set("mode", e.target.value as Mode)} className={INPUT}>
              {REMEDIATION_MODES.map((m) => (
                <option key={m} value={m}>
                  {MODE_LABEL[m]}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <label className="inline-flex items-center gap-2 text-sm">
        <input type="checkbox" checked={fields.enabled} onChange={(e) => set("enabled", e.target.checked)} />
        Enabled: the rule acts on alerts that fire
      </label>

      <fieldset className="space-y-3 border-t border-slate-100 pt-3">
        <legend className="text-sm font-semibold text-slate-800">When an alert fires with</legend>
        <p className="text-xs text-slate-500">Every field given must equal the alert&apos;s label of that name (service: the configured service label). Say at least one.</p>
        <div className="grid gap-4 sm:grid-cols-3">
          <Field label="Alert name">{(id) => <input id={id} value={fields.alertname} onChange={(e) => set("alertname", e.target.value)} className={`${INPUT} font-mono`} placeholder="HighErrorRate" />}</Field>
          <Field label="Service">
            {(id) => (
              <>
                <input id={id} list={listId} value={fields.service} onChange={(e) => set("service", e.target.value)} className={`${INPUT} font-mono`} placeholder="payment-service" autoComplete="off" />
                <datalist id={listId}>
                  {services.map((s) => (
                    <option key={s} value={s} />
                  ))}
                </datalist>
              </>
            )}
          </Field>
          <Field label="Severity">{(id) => <input id={id} value={fields.severity} onChange={(e) => set("severity", e.target.value)} className={`${INPUT} font-mono`} placeholder="critical" />}</Field>
        </div>
        <Field label="Other labels" hint="One key=value per line, e.g. env=prod.">
          {(id) => <textarea id={id} value={fields.labels} onChange={(e) => set("labels", e.target.value)} rows={2} spellCheck={false} className={`${INPUT} font-mono text-xs`} />}
        </Field>
      </fieldset>

      <fieldset className="space-y-3 border-t border-slate-100 pt-3">
        <legend className="text-sm font-semibold text-slate-800">Submit this operation for the incident</legend>
        <div className="grid gap-4 sm:grid-cols-3">
          <Field label="Operation type">
            {(id) => (
              <select id={id} value={fields.type} onChange={(e) => set("type", e.target.value as OperationType)} className={INPUT}>
                {OPERATION_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Priority">
            {(id) => (
              <select id={id} value={fields.priority} onChange={(e) => set("priority", e.target.value as Fields["priority"])} className={INPUT}>
                <option value="">Default for the type</option>
                {PRIORITIES.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <Field
          label="Parameters"
          hint={
            <>
              One key=value per line, sent as text; values may use <span className="font-mono">{"{{labels.NAME}}"}</span>, <span className="font-mono">{"{{service}}"}</span>, <span className="font-mono">{"{{alertname}}"}</span>,{" "}
              <span className="font-mono">{"{{severity}}"}</span> and <span className="font-mono">{"{{incident.key}}"}</span>. A label the alert lacks fails the match.
            </>
          }
        >
          {(id) => <textarea id={id} value={fields.params} onChange={(e) => set("params", e.target.value)} rows={3} spellCheck={false} className={`${INPUT} font-mono text-xs`} placeholder={"toVersion={{labels.previous_version}}"} />}
        </Field>
      </fieldset>

      <fieldset className="space-y-3 border-t border-slate-100 pt-3">
        <legend className="text-sm font-semibold text-slate-800">Breaker</legend>
        <p className="text-xs text-slate-500">Past either limit the breaker trips: the match goes to a person&apos;s review and the rule submits nothing more until an admin resets it.</p>
        <div className="grid gap-4 sm:grid-cols-3">
          <Field label="Max per incident">{(id) => <input id={id} type="number" min={1} value={fields.maxPerIncident} onChange={(e) => set("maxPerIncident", e.target.value)} className={INPUT} />}</Field>
          <Field label="Max per service per hour">{(id) => <input id={id} type="number" min={1} value={fields.maxPerHourPerService} onChange={(e) => set("maxPerHourPerService", e.target.value)} className={INPUT} />}</Field>
        </div>
      </fieldset>

      <div className="space-y-2 border-t border-slate-100 pt-3">
        {problem && (
          <p role="alert" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
            {problem}
          </p>
        )}
        <FormError error={save.error} />
        <div className="flex items-center gap-2">
          <button type="submit" className={PRIMARY} disabled={save.isPending}>
            {save.isPending ? "Saving …" : rule ? "Save rule" : "Create rule"}
          </button>
          <button type="button" className={SECONDARY} onClick={onDone}>
            Cancel
          </button>
        </div>
      </div>
    </form>
  );
}
