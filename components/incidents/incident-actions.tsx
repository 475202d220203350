"use client";

// Acknowledge, mark mitigating, resolve: PATCH /api/v1/incidents/{id} with an
// optional note. Forward only, and resolved is final (docs/incidents.md#states):
// the buttons offer what the server would accept for the status shown, and
// when it refuses anyway (someone else moved the incident first) its 409 is
// shown as it explains it.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { ApiError, apiFetch } from "@/lib/api/client";
import type { INCIDENT_MOVES, TIncidentSummary } from "@/lib/api/incidents";
import { Time } from "@/components/ui/time";
import { can, usePrincipal } from "../console/providers";
import { INPUT, LABEL, PRIMARY, SECONDARY, type IncidentStatus } from "./common";

type Move = (typeof INCIDENT_MOVES)[number];

const MOVES: { to: Move; label: string; done: string }[] = [
  { to: "ACKNOWLEDGED", label: "Acknowledge", done: "Acknowledged" },
  { to: "MITIGATING", label: "Mark mitigating", done: "Marked mitigating" },
  { to: "RESOLVED", label: "Resolve", done: "Resolved" },
];

// The server's order of states: a move may skip ahead, never go back.
const ORDER: Record<IncidentStatus, number> = { OPEN: 0, ACKNOWLEDGED: 1, MITIGATING: 2, ESCALATED: 2, FAILED: 2, RESOLVED: 3 };

/** Whether the server accepts moving an incident in `status` to `to`. */
export function canMove(status: IncidentStatus, to: Move): boolean {
  return status !== "RESOLVED" && status !== to && ORDER[to] >= ORDER[status];
}

export function IncidentActions({ incident }: { incident: TIncidentSummary }) {
  const principal = usePrincipal();
  const client = useQueryClient();
  const id = useId();
  const [note, setNote] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const move = useMutation({
    mutationFn: (to: Move) => apiFetch<{ status: IncidentStatus }>(`/api/v1/incidents/${encodeURIComponent(incident.id)}`, { method: "PATCH", body: { status: to, ...(note.trim() ? { note } : {}) } }),
    onMutate: () => setDone(null),
    onSuccess: (_, to) => {
      setNote("");
      setDone(MOVES.find((m) => m.to === to)!.done);
    },
    // Either way the incident is read again: a refusal usually means it moved meanwhile.
    onSettled: () => void client.invalidateQueries({ queryKey: ["incidents"] }),
  });

  // The outcome of the last move stays in view whatever the incident's state now (a refusal usually comes with a new state).
  const outcome = (
    <>
      {done && (
        <p role="status" className="text-sm text-emerald-700" data-testid="move-done">
          {done}.
        </p>
      )}
      {move.error ? <MoveError error={move.error} /> : null}
    </>
  );

  if (incident.status === "RESOLVED") {
    return (
      <div className="max-w-3xl space-y-2">
        <p className="rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-900" data-testid="incident-final">
          Resolved{incident.resolvedBy ? ` by ${incident.resolvedBy}` : ""} <Time iso={incident.resolvedAt} />. A resolved incident is final: if the problem is back, open a new one.
        </p>
        {outcome}
      </div>
    );
  }
  if (!can(principal, "OPERATOR")) {
    return (
      <p className="rounded-lg border border-slate-200 bg-white px-4 py-3 text-sm text-slate-700" data-testid="incident-needs-operator">
        Acknowledging, marking mitigating and resolving an incident need the <span className="font-medium">operator</span> role. You are signed in as {principal.role.toLowerCase()}.
      </p>
    );
  }
  return (
    <form aria-label="Move the incident on" noValidate onSubmit={(e) => e.preventDefault()} className="max-w-3xl space-y-3 rounded-lg border border-slate-200 bg-white p-4">
      <div>
        <label htmlFor={`${id}-note`} className={LABEL}>
          Note (optional)
        </label>
        <textarea id={`${id}-note`} value={note} onChange={(e) => setNote(e.target.value)} rows={2} className={INPUT} placeholder="What was done, what is known" />
        <p className="mt-1 text-xs text-slate-500">Kept with the incident and on its timeline, with your name and the time.</p>
      </div>
      <div className="flex flex-wrap items-center gap-2">
        {MOVES.map((m) => {
          const allowed = canMove(incident.status, m.to);
          return (
            <button
              key={m.to}
              type="button"
              className={m.to === "RESOLVED" ? PRIMARY : SECONDARY}
              disabled={!allowed || move.isPending}
              title={allowed ? undefined : `Not from ${incident.status.toLowerCase()}: an incident only moves forward`}
              onClick={() => move.mutate(m.to)}
            >
              {move.isPending && move.variables === m.to ? `${m.label} …` : m.label}
            </button>
          );
        })}
      </div>
      {outcome}
    </form>
  );
}

function MoveError({ error }: { error: Error }) {
  return (
    <div role="alert" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800" data-testid="move-error">
      <p>
        <span className="font-semibold">The server refused{error instanceof ApiError ? ` (${error.status} ${error.code})` : ""}:</span> {error.message}
      </p>
      {error instanceof ApiError && error.code === "INVALID_TRANSITION" && <p className="mt-1 text-xs">The incident may have been moved by someone else meanwhile; this page now shows its current state.</p>}
    </div>
  );
}
