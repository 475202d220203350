"use client";

// A person's control of an operation that has started: pause it at its next
// safe point, resume it from where it held, or abort it (the executor is
// cancelled and a partly rolled-out canary is rolled back). Approvers only;
// the reason is required and recorded (docs/lifecycle.md "Stop and hold
// running work"). The server decides whether the state allows it and says why not.
import Link from "next/link";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { can, usePrincipal } from "@/components/console/providers";
import { ApiError, apiFetch } from "@/lib/api/client";
import type { TOperationSummary } from "@/lib/api/operations";
import { Time, messageOf, shortId } from "./common";

type Action = "pause" | "resume" | "abort";
type Control = NonNullable<TOperationSummary["control"]>;

const ACTION: Record<Action, { verb: string; button: string; confirm: string; keep: string; explain: string; style: string }> = {
  pause: {
    verb: "Pause",
    button: "Pause",
    confirm: "Pause operation",
    keep: "Keep it running",
    explain: "The operation holds at its next safe point (between rollout steps) and waits as paused for review until someone resumes or aborts it. Its locks are released while it waits.",
    style: "border-amber-400 text-amber-900 hover:bg-amber-50",
  },
  resume: {
    verb: "Resume",
    button: "Resume",
    confirm: "Resume operation",
    keep: "Keep it paused",
    explain: "A worker takes the operation up again, re-takes its locks and continues from where it held; steps already done are not repeated.",
    style: "border-emerald-500 text-emerald-900 hover:bg-emerald-50",
  },
  abort: {
    verb: "Abort",
    button: "Abort",
    confirm: "Abort operation",
    keep: "Don't abort",
    explain: "The executor is cancelled. A partly rolled-out canary is rolled back: the operation ends FAILED, then ROLLED_BACK.",
    style: "border-red-400 text-red-800 hover:bg-red-50",
  },
};

const CONTROL_VERB: Record<Control["action"], string> = { PAUSE: "Pause", RESUME: "Resume", ABORT: "Abort" };

/** Which controls the state allows: pause a running operation; resume or abort one paused after it started; abort a running one. */
export function controlsFor(op: TOperationSummary): Action[] {
  if (op.state === "IN_PROGRESS") return ["pause", "abort"];
  if (op.state === "PAUSED_FOR_HUMAN_REVIEW" && op.startedAt) return ["resume", "abort"];
  return [];
}

export function OperationControls({ op }: { op: TOperationSummary }) {
  const principal = usePrincipal();
  const client = useQueryClient();
  const [open, setOpen] = useState<Action | null>(null);
  const [done, setDone] = useState<{ action: Action; op: TOperationSummary } | null>(null);
  const control = useMutation({
    // Pause and abort answer the operation; resume answers the decision it records ({operation, review, approvalId}).
    mutationFn: async ({ action, reason }: { action: Action; reason: string }) => {
      const answer = await apiFetch<TOperationSummary | { operation: TOperationSummary }>(`/api/v1/operations/${op.id}/${action}`, { body: { reason } });
      return "operation" in answer ? answer.operation : answer;
    },
    onSuccess: (summary, { action }) => {
      setDone({ action, op: summary });
      setOpen(null);
    },
    onSettled: () => void client.invalidateQueries({ queryKey: ["operations"] }),
  });

  const actions = controlsFor(op);
  if (!can(principal, "APPROVER") || (actions.length === 0 && !done)) return null;
  const pending = op.control?.action.toLowerCase() as Action | undefined;
  // Resuming approves the operation's review, which its requester may not do (the server refuses it too).
  const own = op.actor.trim().toLowerCase() === principal.email.trim().toLowerCase();
  const blocked = (a: Action) => (pending === a ? `${ACTION[a].verb} already requested` : a === "resume" && own ? "You requested this operation, so another approver must resume it" : null);

  return (
    <div className="space-y-2 border-t border-slate-100 pt-3" data-testid="operation-controls">
      {actions.length ? (
        <div className="flex flex-wrap items-center gap-2">
          <span className="text-xs font-medium uppercase tracking-wide text-slate-500">Control</span>
          {actions.map((a) => (
            <button
              key={a}
              type="button"
              onClick={() => {
                control.reset();
                setOpen(a);
              }}
              disabled={blocked(a) !== null}
              title={blocked(a) ?? undefined}
              className={`rounded border bg-white px-3 py-1.5 text-sm font-medium disabled:cursor-not-allowed disabled:opacity-50 ${ACTION[a].style}`}
            >
              {ACTION[a].button}…
            </button>
          ))}
        </div>
      ) : null}
      {done ? (
        <p role="status" className="text-sm text-slate-700" data-testid="control-result">
          {ACTION[done.action].verb} requested
          {done.op.control ? "; it is carried out at the next safe point." : `; the operation is now ${done.op.state.toLowerCase().replaceAll("_", " ")}.`}
        </p>
      ) : null}
      {open ? (
        <ConfirmDialog
          action={open}
          op={op}
          pending={control.isPending}
          error={control.isError ? control.error : null}
          onConfirm={(reason) => control.mutate({ action: open, reason })}
          onClose={() => {
            setOpen(null);
            control.reset();
          }}
        />
      ) : null}
    </div>
  );
}

function ConfirmDialog({ action, op, pending, error, onConfirm, onClose }: { action: Action; op: TOperationSummary; pending: boolean; error: Error | null; onConfirm: (reason: string) => void; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [reason, setReason] = useState("");
  const [touched, setTouched] = useState(false);
  const a = ACTION[action];
  const tooShort = reason.trim().length < 3;

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (!tooShort) onConfirm(reason.trim());
  };
  return (
    <dialog ref={ref} aria-labelledby={`${id}-title`} aria-describedby={`${id}-explain`} onCancel={onClose} className="m-auto w-full max-w-lg rounded-lg border border-slate-200 p-0 shadow-xl backdrop:bg-slate-900/40">
      <form onSubmit={onSubmit} className="space-y-3 p-5">
        <h2 id={`${id}-title`} className="text-lg font-semibold">
          {a.verb} {op.type} {op.service}?
        </h2>
        <p id={`${id}-explain`} className="text-sm text-slate-700">
          {a.explain}
        </p>
        <div>
          <label htmlFor={`${id}-reason`} className="mb-1 block text-xs font-medium uppercase tracking-wide text-slate-500">
            Reason (required)
          </label>
          <textarea
            id={`${id}-reason`}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            onBlur={() => setTouched(true)}
            rows={3}
            maxLength={2000}
            required
            aria-invalid={touched && tooShort ? true : undefined}
            aria-describedby={`${id}-reason-hint`}
            placeholder="What you saw, and why"
            className="w-full rounded border border-slate-300 px-2 py-1.5 text-sm aria-[invalid=true]:border-red-400"
          />
          <p id={`${id}-reason-hint`} className={`mt-1 text-xs ${touched && tooShort ? "text-red-800" : "text-slate-500"}`}>
            Recorded with the operation and in the audit trail; at least 3 characters.
          </p>
        </div>
        {error ? (
          <div role="alert" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900" data-testid="control-error">
            <p>The server refused: {messageOf(error)}</p>
            {changesOf(error).length ? (
              <ul className="mt-1 list-disc pl-5">
                {changesOf(error).map((c, i) => (
                  <li key={i}>{c}</li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
        <div className="flex justify-end gap-2">
          <button type="button" onClick={onClose} className="rounded border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50">
            {a.keep}
          </button>
          <button type="submit" disabled={pending || tooShort} className={`rounded border bg-white px-3 py-1.5 text-sm font-semibold disabled:cursor-not-allowed disabled:opacity-50 ${a.style}`}>
            {pending ? "Sending…" : a.confirm}
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** A 409 on resume names what got worse in the evidence since the pause. */
function changesOf(error: Error): string[] {
  const changes = error instanceof ApiError ? error.details.changes : undefined;
  return Array.isArray(changes) ? changes.filter((c): c is string => typeof c === "string") : [];
}

/** What keeps the operation where it is, beyond its state: a person's pending control, its place in line, the operation that preempted it. */
export function OperationStatusNotes({ op }: { op: TOperationSummary }) {
  const notes = [];
  if (op.control) {
    notes.push(
      <p key="control" className="rounded bg-amber-50 px-3 py-2 text-sm text-amber-950" data-testid="pending-control" data-action={op.control.action}>
        <span className="font-medium">
          {CONTROL_VERB[op.control.action]} requested by {op.control.by}
        </span>
        : {op.control.reason} — carried out at the next safe point. <span className="text-xs text-amber-800">(requested <Time iso={op.control.at} compact />)</span>
      </p>,
    );
  }
  if (op.queuedAt) {
    notes.push(
      <p key="queued" className="rounded bg-sky-50 px-3 py-2 text-sm text-sky-950" data-testid="queued-note">
        Waiting in line for <span className="font-mono">{op.service}</span> since <Time iso={op.queuedAt} />
        {op.reason ? <>: {op.reason}</> : "."}
      </p>,
    );
  }
  if (op.preemptedBy) {
    notes.push(
      <p key="preempted" className="rounded bg-orange-50 px-3 py-2 text-sm text-orange-950" data-testid="preempted-note">
        Preempted by{" "}
        <Link href={`/operations/${op.preemptedBy}`} className="font-mono underline">
          operation {shortId(op.preemptedBy)}
        </Link>
        , which took {op.service} while this one ran.
      </p>,
    );
  }
  return notes.length ? <div className="space-y-2">{notes}</div> : null;
}

/**
 * How often the operation was taken up, without presenting an approved or
 * resumed run as a retry: `attempt` counts every take-up, `resumes` those
 * after an approval or a person's resume.
 */
export function RunCount({ op }: { op: TOperationSummary }) {
  const retries = Math.max(0, op.attempt - 1 - op.resumes);
  if (op.resumes === 0 && retries === 0) return <span data-testid="run-count">{op.attempt === 0 ? "Not started" : "First run"}</span>;
  return (
    <span data-testid="run-count" className="space-x-2">
      {op.resumes > 0 ? <span>Resumed after review or pause ×{op.resumes}</span> : null}
      {retries > 0 ? <span title="A worker took it up again after the previous one stopped">Worker retries: {retries}</span> : null}
    </span>
  );
}
