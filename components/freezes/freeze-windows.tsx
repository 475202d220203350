"use client";

// Change freeze windows (docs/freezes.md): a 14-day calendar — one row per
// window, grouped by scope, a column per day (UTC), each occurrence a bar
// with its local times and zone, DENY and ALLOW styled apart — the table of
// windows, and for admins the form to create, change and delete them.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type ReactNode } from "react";
import { apiFetch } from "@/lib/api/client";
import { BREAK_GLASS_ROLES, FREEZE_ACTIONS, WINDOW_KINDS, type TFreezeCalendar, type TFreezeWindow } from "@/lib/api/freezes";
import { OPERATION_TYPES } from "@/lib/api/operations";
import { can, usePrincipal } from "../console/providers";
import { INPUT, LABEL, PRIMARY, SECONDARY } from "../incidents/common";
import { ErrorBox, FormError, Loading } from "../kpis/query-states";
import { describeScope } from "./describe-scope";

const KEYS = { calendar: ["freezes", "calendar"] as const, all: ["freezes"] as const };
const DAYS = 14;
const DAY_MS = 86_400_000;

const KIND_STYLE: Record<TFreezeWindow["kind"], string> = {
  DENY: "border-red-300 bg-red-100 text-red-900",
  ALLOW: "border-emerald-300 bg-emerald-100 text-emerald-900",
};

const hhmm = (local: string) => local.slice(11, 16);
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function FreezeWindows() {
  const principal = usePrincipal();
  const admin = can(principal, "ADMIN");
  const [editing, setEditing] = useState<TFreezeWindow | "new" | null>(null);
  const query = useQuery({ queryKey: KEYS.calendar, queryFn: ({ signal }) => apiFetch<TFreezeCalendar>(`/api/v1/freeze-windows/calendar?days=${DAYS}`, { signal }) });

  return (
    <div className="space-y-6">
      {admin ? (
        editing ? (
          <WindowForm key={editing === "new" ? "new" : editing.id} initial={editing === "new" ? null : editing} onDone={() => setEditing(null)} />
        ) : (
          <button type="button" className={PRIMARY} onClick={() => setEditing("new")}>
            New window
          </button>
        )
      ) : (
        <p className="text-xs text-slate-500">Adding, changing and deleting windows needs the admin role. You are signed in as {principal.role.toLowerCase()}.</p>
      )}
      {query.isPending ? (
        <Loading what="the freeze calendar" />
      ) : query.isError ? (
        <ErrorBox error={query.error} what="the freeze calendar" onRetry={() => void query.refetch()} />
      ) : (
        <>
          <Calendar calendar={query.data} />
          <WindowTable rows={query.data.rows.map((r) => r.window)} admin={admin} onEdit={setEditing} />
        </>
      )}
    </div>
  );
}

function Calendar({ calendar }: { calendar: TFreezeCalendar }) {
  const start = Date.parse(`${calendar.from.slice(0, 10)}T00:00:00Z`);
  const days = Array.from({ length: DAYS }, (_, i) => start + i * DAY_MS);
  // Grouped by scope: windows over the same changes sit together.
  const rows = [...calendar.rows].sort((a, b) => describeScope(a.window.scope).localeCompare(describeScope(b.window.scope)) || a.window.name.localeCompare(b.window.name));
  return (
    <section aria-labelledby="freeze-calendar-title" className="space-y-2">
      <h2 id="freeze-calendar-title" className="text-lg font-semibold">
        Next {DAYS} days
      </h2>
      <p className="text-xs text-slate-500">Columns are UTC days; each bar gives the window&apos;s own local times and zone. Red: deny windows. Green: allow windows (changes in their scope run only inside one).</p>
      {rows.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600" data-testid="freeze-calendar-empty">
          No freeze windows. Every change may run whenever its gates allow.
        </p>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="min-w-full table-fixed border-collapse text-xs" data-testid="freeze-calendar">
            <caption className="sr-only">Freeze windows over the next {DAYS} days</caption>
            <thead>
              <tr>
                <th scope="col" className="w-48 border-b border-slate-200 p-2 text-left">
                  Window (scope)
                </th>
                {days.map((d) => (
                  <th key={d} scope="col" className="w-24 border-b border-l border-slate-200 p-1 text-center font-medium" data-testid="calendar-day" data-day={dayOf(d)}>
                    {new Date(d).toLocaleDateString("en-GB", { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" })}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map(({ window: w, occurrences }) => (
                <tr key={w.id} data-testid="calendar-row" data-name={w.name}>
                  <th scope="row" className="border-b border-slate-200 p-2 text-left align-top font-normal">
                    <span className="font-medium">{w.name}</span>
                    <span className={`ml-1 rounded border px-1 ${KIND_STYLE[w.kind]}`}>{w.kind}</span>
                    {w.enabled ? null : <span className="ml-1 text-slate-500">(off)</span>}
                    <div className="text-slate-500">{describeScope(w.scope)}</div>
                  </th>
                  {days.map((d) => {
                    const here = occurrences.filter((o) => Date.parse(o.start) < d + DAY_MS && Date.parse(o.end) > d);
                    return (
                      <td key={d} className="border-b border-l border-slate-200 p-1 align-top" data-testid="calendar-cell" data-day={dayOf(d)}>
                        {here.map((o) => {
                          const begins = Date.parse(o.start) >= d;
                          return (
                            <div
                              key={o.start}
                              data-testid="occurrence"
                              data-kind={w.kind}
                              data-starts={begins ? "true" : "false"}
                              title={`${o.localStart.replace("T", " ")} – ${o.localEnd.replace("T", " ")} ${w.timeZone}`}
                              className={`mb-0.5 rounded border px-1 ${KIND_STYLE[w.kind]} ${w.enabled ? "" : "opacity-50"}`}
                            >
                              {begins ? `${hhmm(o.localStart)}–${hhmm(o.localEnd)} ${w.timeZone}` : `… to ${hhmm(o.localEnd)}`}
                            </div>
                          );
                        })}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function WindowTable({ rows, admin, onEdit }: { rows: TFreezeWindow[]; admin: boolean; onEdit: (w: TFreezeWindow) => void }) {
  const client = useQueryClient();
  const remove = useMutation({
    mutationFn: (w: TFreezeWindow) => apiFetch<unknown>(`/api/v1/freeze-windows/${encodeURIComponent(w.id)}`, { method: "DELETE" }),
    onSuccess: () => void client.invalidateQueries({ queryKey: KEYS.all }),
  });
  if (rows.length === 0) return null;
  return (
    <section aria-labelledby="freeze-windows-title" className="space-y-2">
      <h2 id="freeze-windows-title" className="text-lg font-semibold">
        Windows
      </h2>
      {remove.isError ? <FormError error={remove.error} /> : null}
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="min-w-full text-sm">
          <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th className="p-2">Name</th>
              <th className="p-2">Kind</th>
              <th className="p-2">Action</th>
              <th className="p-2">When</th>
              <th className="p-2">Scope</th>
              <th className="p-2">Break-glass</th>
              <th className="p-2">Reason</th>
              {admin ? <th className="p-2">Manage</th> : null}
            </tr>
          </thead>
          <tbody>
            {rows.map((w) => (
              <tr key={w.id} className="border-t border-slate-100 align-top" data-testid="window-row" data-name={w.name}>
                <td className="p-2 font-medium">{w.name}</td>
                <td className="p-2">
                  <span className={`rounded border px-1 text-xs ${KIND_STYLE[w.kind]}`}>{w.kind}</span>
                </td>
                <td className="p-2">{w.action}</td>
                <td className="p-2">
                  {w.start.replace("T", " ")} {w.timeZone}, {w.durationMinutes} min{w.rrule ? `, ${w.rrule}` : ", once"}
                </td>
                <td className="p-2">
                  {describeScope(w.scope)}
                  {w.includesRollbacks ? ", rollbacks too" : ""}
                </td>
                <td className="p-2">{w.breakGlassRole.toLowerCase()}</td>
                <td className="p-2">{w.reason}</td>
                {admin ? (
                  <td className="space-x-2 whitespace-nowrap p-2">
                    <button type="button" className={SECONDARY} onClick={() => onEdit(w)}>
                      Edit
                    </button>
                    <button type="button" className={SECONDARY} disabled={remove.isPending} onClick={() => window.confirm(`Delete the window "${w.name}"?`) && remove.mutate(w)}>
                      Delete
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

interface Fields {
  name: string;
  kind: TFreezeWindow["kind"];
  action: TFreezeWindow["action"];
  timeZone: string;
  start: string;
  durationMinutes: string;
  rrule: string;
  services: string;
  teams: string;
  tiers: string;
  types: string[];
  includesRollbacks: boolean;
  breakGlassRole: (typeof BREAK_GLASS_ROLES)[number];
  reason: string;
  enabled: boolean;
}

const list = (s: string) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

function fieldsOf(w: TFreezeWindow | null): Fields {
  if (!w) {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
    return { name: "", kind: "DENY", action: "QUEUE", timeZone: zone, start: "", durationMinutes: "60", rrule: "", services: "", teams: "", tiers: "", types: [], includesRollbacks: false, breakGlassRole: "APPROVER", reason: "", enabled: true };
  }
  return {
    name: w.name,
    kind: w.kind,
    action: w.action,
    timeZone: w.timeZone,
    start: w.start,
    durationMinutes: String(w.durationMinutes),
    rrule: w.rrule ?? "",
    services: w.scope.services.join(", "),
    teams: w.scope.teams.join(", "),
    tiers: w.scope.tiers.join(", "),
    types: [...w.scope.types],
    includesRollbacks: w.includesRollbacks,
    breakGlassRole: w.breakGlassRole === "VIEWER" ? "OPERATOR" : w.breakGlassRole,
    reason: w.reason,
    enabled: w.enabled,
  };
}

function Field({ label, hint, children }: { label: string; hint?: ReactNode; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div>
      <label htmlFor={id} className={LABEL}>
        {label}
      </label>
      {children(id)}
      {hint ? <p className="mt-1 text-xs text-slate-500">{hint}</p> : null}
    </div>
  );
}

function WindowForm({ initial, onDone }: { initial: TFreezeWindow | null; onDone: () => void }) {
  const client = useQueryClient();
  const [f, setF] = useState<Fields>(() => fieldsOf(initial));
  const set = <K extends keyof Fields>(key: K, value: Fields[K]) => setF((x) => ({ ...x, [key]: value }));
  const save = useMutation({
    mutationFn: () => {
      const body = {
        name: f.name,
        kind: f.kind,
        action: f.action,
        timeZone: f.timeZone.trim(),
        start: f.start,
        durationMinutes: Number(f.durationMinutes),
        rrule: f.rrule.trim() === "" ? null : f.rrule.trim(),
        scope: { services: list(f.services), teams: list(f.teams), tiers: list(f.tiers).map(Number), types: f.types },
        includesRollbacks: f.includesRollbacks,
        breakGlassRole: f.breakGlassRole,
        reason: f.reason,
        enabled: f.enabled,
      };
      return initial ? apiFetch<TFreezeWindow>(`/api/v1/freeze-windows/${encodeURIComponent(initial.id)}`, { method: "PATCH", body }) : apiFetch<TFreezeWindow>("/api/v1/freeze-windows", { body });
    },
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: KEYS.all });
      onDone();
    },
  });
  return (
    <form
      className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-3"
      aria-label={initial ? `Edit window ${initial.name}` : "New freeze window"}
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <Field label="Name">{(id) => <input id={id} className={INPUT} value={f.name} onChange={(e) => set("name", e.target.value)} required />}</Field>
      <Field label="Kind" hint="Deny: changes may not run inside. Allow: changes in scope run only inside some allow window.">
        {(id) => (
          <select id={id} className={INPUT} value={f.kind} onChange={(e) => set("kind", e.target.value as Fields["kind"])}>
            {WINDOW_KINDS.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Action" hint="For a change submitted while it holds: block, pause for a person, or queue until it opens.">
        {(id) => (
          <select id={id} className={INPUT} value={f.action} onChange={(e) => set("action", e.target.value as Fields["action"])}>
            {FREEZE_ACTIONS.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Time zone" hint="IANA, e.g. Europe/Berlin">
        {(id) => <input id={id} className={INPUT} value={f.timeZone} onChange={(e) => set("timeZone", e.target.value)} required />}
      </Field>
      <Field label="Start (local)" hint="YYYY-MM-DDTHH:mm in that zone">
        {(id) => <input id={id} className={INPUT} value={f.start} placeholder="2026-12-11T18:00" onChange={(e) => set("start", e.target.value)} required />}
      </Field>
      <Field label="Duration (minutes)">{(id) => <input id={id} className={INPUT} inputMode="numeric" value={f.durationMinutes} onChange={(e) => set("durationMinutes", e.target.value)} required />}</Field>
      <Field label="Recurrence (RRULE)" hint="e.g. FREQ=WEEKLY;BYDAY=FR — empty for once">
        {(id) => <input id={id} className={INPUT} value={f.rrule} onChange={(e) => set("rrule", e.target.value)} />}
      </Field>
      <Field label="Services" hint="Comma-separated; empty: all">
        {(id) => <input id={id} className={INPUT} value={f.services} onChange={(e) => set("services", e.target.value)} />}
      </Field>
      <Field label="Teams" hint="Comma-separated; empty: all">
        {(id) => <input id={id} className={INPUT} value={f.teams} onChange={(e) => set("teams", e.target.value)} />}
      </Field>
      <Field label="Tiers" hint="Comma-separated numbers; empty: all">
        {(id) => <input id={id} className={INPUT} value={f.tiers} onChange={(e) => set("tiers", e.target.value)} />}
      </Field>
      <fieldset className="sm:col-span-2">
        <legend className={LABEL}>Operation types (none ticked: all)</legend>
        <div className="flex flex-wrap gap-3 text-sm">
          {OPERATION_TYPES.map((t) => (
            <label key={t} className="flex items-center gap-1">
              <input type="checkbox" checked={f.types.includes(t)} onChange={(e) => set("types", e.target.checked ? [...f.types, t] : f.types.filter((x) => x !== t))} />
              {t}
            </label>
          ))}
        </div>
      </fieldset>
      <Field label="Break-glass role" hint="The least role that may let one operation through">
        {(id) => (
          <select id={id} className={INPUT} value={f.breakGlassRole} onChange={(e) => set("breakGlassRole", e.target.value as Fields["breakGlassRole"])}>
            {BREAK_GLASS_ROLES.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Reason">{(id) => <input id={id} className={INPUT} value={f.reason} onChange={(e) => set("reason", e.target.value)} required />}</Field>
      <div className="flex flex-col gap-1 text-sm">
        <label className="flex items-center gap-1">
          <input type="checkbox" checked={f.includesRollbacks} onChange={(e) => set("includesRollbacks", e.target.checked)} /> Includes rollbacks
        </label>
        <label className="flex items-center gap-1">
          <input type="checkbox" checked={f.enabled} onChange={(e) => set("enabled", e.target.checked)} /> Enabled
        </label>
      </div>
      <div className="flex items-center gap-2 sm:col-span-3">
        <button type="submit" className={PRIMARY} disabled={save.isPending}>
          {initial ? "Save window" : "Create window"}
        </button>
        <button type="button" className={SECONDARY} onClick={onDone}>
          Cancel
        </button>
      </div>
      {save.isError ? (
        <div className="sm:col-span-3">
          <FormError error={save.error} />
        </div>
      ) : null}
    </form>
  );
}
