"use client";

// The banner on every console page while a halt or a freeze window is in
// force (docs/freezes.md#the-banner): what (halt or window, its scope), why
// (reason), who (owner, called or made by), since and until when. It follows
// GET /api/v1/change-control live: refetched on the live feed's "incidents"
// topic (halts called and lifted, incidents opened and resolved) and every
// few seconds, for windows opening and closing on their own.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useId, useRef, useState } from "react";
import { apiFetch } from "@/lib/api/client";
import type { TChangeControl, THalt, TWindowInForce } from "@/lib/api/halts";
import { queryKeys } from "@/lib/api/query-keys";
import { formatTime } from "@/lib/format";
import { can, usePrincipal } from "../console/providers";
import { Time } from "../ui/time";
import { describeScope } from "./describe-scope";

const POLL_MS = 10_000;

export function ChangeControlBanner() {
  const query = useQuery({ queryKey: queryKeys.changeControl(), queryFn: ({ signal }) => apiFetch<TChangeControl>("/api/v1/change-control", { signal }), refetchInterval: POLL_MS, staleTime: 0 });
  const data = query.data;
  if (!data || (data.halts.length === 0 && data.windows.length === 0)) return null;
  return (
    <section aria-label="Change freeze in force" data-testid="change-control-banner" className="mb-6 space-y-2">
      {data.halts.map((h) => (
        <HaltLine key={h.id} halt={h} />
      ))}
      {data.windows.map((w) => (
        <WindowLine key={`${w.kind}:${w.id}`} window={w} />
      ))}
    </section>
  );
}

function HaltLine({ halt }: { halt: THalt }) {
  const principal = usePrincipal();
  const [lifting, setLifting] = useState(false);
  return (
    <div data-testid="halt-banner" data-halt-id={halt.id} className="flex flex-wrap items-start justify-between gap-3 rounded-lg border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-950">
      <div className="min-w-0 space-y-0.5">
        <p className="font-semibold">
          {halt.source === "INCIDENT" ? "Halted by an incident" : "The line is stopped"}: {halt.action === "QUEUE" ? "new changes wait" : "new changes are blocked"} ({describeScope(halt.scope)}
          {halt.includesRollbacks ? ", rollbacks included" : ""})
        </p>
        <p>
          <span className="font-medium">Why:</span> <span data-testid="halt-reason">{halt.reason}</span>
        </p>
        <p className="text-red-900">
          <span className="font-medium">Owner:</span> <span data-testid="halt-owner">{halt.owner}</span> · called by {halt.createdBy} · since <Time iso={halt.since} /> ·{" "}
          <span data-testid="halt-until">{halt.source === "INCIDENT" ? "until the incident is resolved" : "until lifted"}</span>
          {halt.incidentId ? (
            <>
              {" "}
              ·{" "}
              <Link href={`/incidents/${halt.incidentId}`} className="underline">
                open the incident
              </Link>
            </>
          ) : null}
        </p>
      </div>
      {halt.source === "MANUAL" && can(principal, "APPROVER") ? (
        <button type="button" onClick={() => setLifting(true)} className="shrink-0 rounded border border-red-400 bg-white px-3 py-1.5 text-sm font-medium text-red-900 hover:bg-red-100">
          Lift
        </button>
      ) : null}
      {lifting ? <LiftHaltDialog halt={halt} onClose={() => setLifting(false)} /> : null}
    </div>
  );
}

function untilText(w: TWindowInForce): string {
  if (!w.until) return w.kind === "OUTSIDE_ALLOW" ? "no opening in the next 30 days" : "";
  const local = new Intl.DateTimeFormat("en-GB", { timeZone: w.timeZone, weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }).format(new Date(w.until));
  return `until ${local} ${w.timeZone} (${formatTime(w.until)})`;
}

function WindowLine({ window: w }: { window: TWindowInForce }) {
  return (
    <div data-testid="window-banner" data-window-id={w.id} className="rounded-lg border border-sky-300 bg-sky-50 px-4 py-3 text-sm text-sky-950">
      <p className="font-semibold">
        {w.kind === "DENY_WINDOW" ? `Change freeze: window “${w.name}”` : `Outside allow window “${w.name}”`} ({describeScope(w.scope)}
        {w.includesRollbacks ? ", rollbacks included" : ""}): changes {w.action === "BLOCK" ? "are blocked" : w.action === "PAUSE" ? "pause for review" : "wait"}
      </p>
      <p>
        <span className="font-medium">Why:</span> {w.reason}
      </p>
      <p className="text-sky-900">
        Made by {w.createdBy} · since <Time iso={w.since} /> · <span data-testid="window-until">{untilText(w)}</span>
      </p>
    </div>
  );
}

function LiftHaltDialog({ halt, onClose }: { halt: THalt; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [reason, setReason] = useState("");
  const client = useQueryClient();
  const lift = useMutation({
    mutationFn: () => apiFetch<THalt>(`/api/v1/halts/${halt.id}/lift`, { body: { reason: reason.trim() } }),
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
  return (
    <dialog ref={ref} onClose={onClose} aria-labelledby={`${id}-title`} className="m-auto w-full max-w-lg rounded-lg border border-slate-200 bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/40">
      <form
        method="dialog"
        className="space-y-4 p-5"
        onSubmit={(e) => {
          e.preventDefault();
          if (!tooShort && !lift.isPending) lift.mutate();
        }}
      >
        <h2 id={`${id}-title`} className="text-lg font-semibold">
          Lift the halt
        </h2>
        <p className="text-sm text-slate-600">
          {describeScope(halt.scope)}: “{halt.reason}” (owner {halt.owner}). Changes in its scope may run again at once; the lift and your reason are audited and told on every channel.
        </p>
        <label htmlFor={`${id}-reason`} className="block text-sm font-medium">
          Reason <span className="text-red-700">(required)</span>
        </label>
        <textarea id={`${id}-reason`} value={reason} onChange={(e) => setReason(e.target.value)} required minLength={3} maxLength={2000} rows={3} autoFocus className="w-full rounded border border-slate-300 px-2 py-1.5 text-sm" />
        {lift.isError ? (
          <p role="alert" className="rounded border border-red-200 bg-red-50 p-3 text-sm text-red-800">
            The server refused: {lift.error.message}
          </p>
        ) : null}
        <div className="flex justify-end gap-2">
          <button type="button" onClick={() => ref.current?.close()} className="rounded border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-50">
            Cancel
          </button>
          <button type="submit" disabled={tooShort || lift.isPending} className="rounded bg-slate-800 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-50">
            {lift.isPending ? "Lifting …" : "Lift halt"}
          </button>
        </div>
      </form>
    </dialog>
  );
}
