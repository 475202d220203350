"use client";

// "Stop the line" in the console's chrome (approvers and admins): halts every
// new change, or a chosen scope's, with a reason and an owner, through
// POST /api/v1/halts (docs/freezes.md#stop-the-line). The banner shows the
// halt on every page once it is in force.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import { apiFetch } from "@/lib/api/client";
import type { TTopology } from "@/lib/api/graph";
import type { THalt } from "@/lib/api/halts";
import { OPERATION_TYPES } from "@/lib/api/operations";
import { queryKeys } from "@/lib/api/query-keys";
import { can, usePrincipal } from "../console/providers";

export function StopTheLineButton() {
  const principal = usePrincipal();
  const [open, setOpen] = useState(false);
  if (!can(principal, "APPROVER")) return null;
  return (
    <>
      <button type="button" onClick={() => setOpen(true)} className="w-full rounded bg-red-700 px-3 py-2 text-sm font-semibold text-white hover:bg-red-800">
        Stop the line
      </button>
      {open ? <StopTheLineDialog onClose={() => setOpen(false)} /> : null}
    </>
  );
}

const LABEL = "block text-sm font-medium text-slate-700";
const INPUT = "w-full rounded border border-slate-300 bg-white px-2 py-1.5 text-sm";

function toggle<T>(list: T[], value: T): T[] {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
}

function StopTheLineDialog({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const principal = usePrincipal();
  const client = useQueryClient();
  const [everything, setEverything] = useState(true);
  const [services, setServices] = useState<string[]>([]);
  const [teams, setTeams] = useState<string[]>([]);
  const [tiers, setTiers] = useState<number[]>([]);
  const [types, setTypes] = useState<string[]>([]);
  const [action, setAction] = useState<"BLOCK" | "QUEUE">("BLOCK");
  const [reason, setReason] = useState("");
  const [owner, setOwner] = useState("");
  const [includesRollbacks, setIncludesRollbacks] = useState(false);

  const topology = useQuery({ queryKey: queryKeys.graph(), queryFn: ({ signal }) => apiFetch<TTopology>("/api/v1/graph", { signal }) });
  const known = useMemo(() => {
    const list = topology.data?.services ?? [];
    return { services: list.map((s) => s.name).sort(), teams: [...new Set(list.map((s) => s.team))].sort(), tiers: [...new Set(list.map((s) => s.tier))].sort((a, b) => a - b) };
  }, [topology.data]);

  const call = useMutation({
    mutationFn: () =>
      apiFetch<THalt>("/api/v1/halts", {
        body: {
          scope: everything ? { services: [], teams: [], tiers: [], types: [] } : { services, teams, tiers, types },
          action,
          reason: reason.trim(),
          ...(owner.trim() ? { owner: owner.trim() } : {}),
          includesRollbacks,
        },
      }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: queryKeys.changeControl() });
      ref.current?.close();
    },
  });

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  const tooShort = reason.trim().length < 3;
  const nothingChosen = !everything && services.length + teams.length + tiers.length + types.length === 0;

  return (
    <dialog ref={ref} onClose={onClose} aria-labelledby={`${id}-title`} className="m-auto w-full max-w-2xl rounded-lg border border-slate-200 bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/40">
      <form
        method="dialog"
        aria-label="Stop the line"
        className="max-h-[85vh] space-y-4 overflow-y-auto p-5"
        onSubmit={(e) => {
          e.preventDefault();
          if (!tooShort && !nothingChosen && !call.isPending) call.mutate();
        }}
      >
        <h2 id={`${id}-title`} className="text-lg font-semibold">
          Stop the line
        </h2>
        <p className="text-sm text-slate-600">
          No new change in the scope runs until someone lifts the halt. Rollbacks stay exempt unless you include them. Calling the halt is audited and told on every channel; every console page shows it.
        </p>

        <fieldset className="space-y-2">
          <legend className={LABEL}>Scope</legend>
          <label className="flex items-center gap-2 text-sm">
            <input type="radio" name={`${id}-scope`} checked={everything} onChange={() => setEverything(true)} /> All new changes
          </label>
          <label className="flex items-center gap-2 text-sm">
            <input type="radio" name={`${id}-scope`} checked={!everything} onChange={() => setEverything(false)} /> Only these (each list you fill narrows it)
          </label>
          {!everything ? (
            <div className="grid gap-3 rounded border border-slate-200 p-3 sm:grid-cols-2">
              <label className="text-sm">
                <span className={LABEL}>Services</span>
                <select multiple size={6} aria-label="Services" value={services} onChange={(e) => setServices([...e.target.selectedOptions].map((o) => o.value))} className={`${INPUT} font-mono`}>
                  {known.services.map((s) => (
                    <option key={s} value={s}>
                      {s}
                    </option>
                  ))}
                </select>
              </label>
              <div className="space-y-3">
                <fieldset>
                  <legend className={LABEL}>Teams</legend>
                  <div className="flex flex-wrap gap-x-3">
                    {known.teams.map((t) => (
                      <label key={t} className="flex items-center gap-1 text-sm">
                        <input type="checkbox" checked={teams.includes(t)} onChange={() => setTeams(toggle(teams, t))} /> {t}
                      </label>
                    ))}
                  </div>
                </fieldset>
                <fieldset>
                  <legend className={LABEL}>Tiers</legend>
                  <div className="flex flex-wrap gap-x-3">
                    {known.tiers.map((t) => (
                      <label key={t} className="flex items-center gap-1 text-sm">
                        <input type="checkbox" checked={tiers.includes(t)} onChange={() => setTiers(toggle(tiers, t))} /> tier {t}
                      </label>
                    ))}
                  </div>
                </fieldset>
                <fieldset>
                  <legend className={LABEL}>Operation types</legend>
                  <div className="flex flex-wrap gap-x-3">
                    {OPERATION_TYPES.map((t) => (
                      <label key={t} className="flex items-center gap-1 text-sm">
                        <input type="checkbox" checked={types.includes(t)} onChange={() => setTypes(toggle(types, t))} /> {t}
                      </label>
                    ))}
                  </div>
                </fieldset>
              </div>
              {nothingChosen ? <p className="text-xs text-red-700 sm:col-span-2">Choose at least one service, team, tier or type, or halt all new changes.</p> : null}
            </div>
          ) : null}
        </fieldset>

        <div className="grid gap-3 sm:grid-cols-2">
          <label className="text-sm">
            <span className={LABEL}>What happens to changes submitted meanwhile</span>
            <select value={action} onChange={(e) => setAction(e.target.value as "BLOCK" | "QUEUE")} className={INPUT}>
              <option value="BLOCK">Blocked: they fail, saying why</option>
              <option value="QUEUE">Queued: they wait until it is lifted</option>
            </select>
          </label>
          <label className="text-sm">
            <span className={LABEL}>Owner</span>
            <input value={owner} onChange={(e) => setOwner(e.target.value)} placeholder={principal.email} maxLength={200} className={INPUT} />
            <span className="mt-1 block text-xs text-slate-500">Who answers for the halt and lifts it; you unless you name someone.</span>
          </label>
        </div>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={includesRollbacks} onChange={(e) => setIncludesRollbacks(e.target.checked)} /> Halt rollbacks too
        </label>
        <label className="block text-sm">
          <span className={LABEL}>
            Reason <span className="text-red-700">(required)</span>
          </span>
          <textarea value={reason} onChange={(e) => setReason(e.target.value)} required minLength={3} maxLength={2000} rows={3} className={INPUT} />
        </label>

        {call.isError ? (
          <p role="alert" className="rounded border border-red-200 bg-red-50 p-3 text-sm text-red-800">
            The server refused: {call.error.message}
          </p>
        ) : null}
        <div className="flex justify-end gap-2">
          <button type="button" onClick={() => ref.current?.close()} className="rounded border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-50">
            Cancel
          </button>
          <button type="submit" disabled={tooShort || nothingChosen || call.isPending} className="rounded bg-red-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-red-800 disabled:opacity-50">
            {call.isPending ? "Stopping …" : "Stop the line"}
          </button>
        </div>
      </form>
    </dialog>
  );
}
