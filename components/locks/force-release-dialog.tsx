"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import type { z } from "zod";
import { apiFetch } from "@/lib/api/client";
import type { ZForceReleaseResult } from "@/lib/api/locks";

export interface ForceReleaseTarget {
  scope: string;
  resource: string;
  holderId: string;
  fencingToken: string;
}

type Result = z.infer<typeof ZForceReleaseResult>;

/** Admin only: takes a lock from its holder, with a reason that goes to the audit trail. */
export function ForceReleaseDialog({ target, onClose }: { target: ForceReleaseTarget; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const reasonId = useId();
  const hintId = useId();
  const [reason, setReason] = useState("");
  const [touched, setTouched] = useState(false);
  const client = useQueryClient();
  const mutation = useMutation({
    mutationFn: () => apiFetch<Result>("/api/v1/locks/force-release", { body: { scope: target.scope, resource: target.resource, holderId: target.holderId, reason: reason.trim() } }),
    onSettled: () => client.invalidateQueries({ queryKey: ["locks"] }),
  });

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal(); // modal: focus moves in and stays; Escape closes
  }, []);

  const tooShort = reason.trim().length < 3;
  const name = `${target.scope}:${target.resource}`;

  return (
    <dialog
      ref={ref}
      onClose={onClose}
      aria-labelledby={`${reasonId}-title`}
      className="m-auto w-full max-w-lg rounded-lg border border-slate-200 bg-white p-0 text-slate-900 shadow-xl backdrop:bg-slate-900/40"
    >
      <form
        method="dialog"
        className="space-y-4 p-5"
        onSubmit={(event) => {
          event.preventDefault();
          setTouched(true);
          if (!tooShort && !mutation.isPending) mutation.mutate();
        }}
      >
        <h2 id={`${reasonId}-title`} className="text-lg font-semibold">
          Force release {name}
        </h2>
        <p className="text-sm text-slate-600">
          Takes the lock from <span className="font-mono text-xs">{target.holderId}</span> (fencing token <span className="font-mono">{target.fencingToken}</span>). The holder is not told at once: it notices when its next lease renewal
          fails (every third of its TTL), and its writes are refused by fencing once a newer holder has written. The release and your reason are recorded in the audit trail.
        </p>

        {mutation.isSuccess ? (
          <div role="status" className="rounded border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900">
            {mutation.data.released.length === 0 ? (
              <p>Nothing was released: the lock was no longer held by this holder.</p>
            ) : (
              <>
                <p className="font-medium">Released {name}:</p>
                <ul className="mt-1 list-disc pl-5">
                  {mutation.data.released.map((h) => (
                    <li key={h.holderId}>
                      <span className="font-mono text-xs">{h.holderId}</span> ({h.mode}, fencing token <span className="font-mono">{h.fencingToken}</span>)
                    </li>
                  ))}
                </ul>
              </>
            )}
          </div>
        ) : (
          <div className="space-y-1">
            <label htmlFor={reasonId} className="block text-sm font-medium">
              Reason <span className="text-red-700">(required)</span>
            </label>
            <textarea
              id={reasonId}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              onBlur={() => setTouched(true)}
              required
              minLength={3}
              maxLength={2000}
              rows={3}
              autoFocus
              aria-describedby={hintId}
              aria-invalid={touched && tooShort}
              className="w-full rounded border border-slate-300 px-2 py-1.5 text-sm focus:border-slate-500 focus:outline-none"
            />
            <p id={hintId} className={`text-xs ${touched && tooShort ? "text-red-700" : "text-slate-500"}`}>
              At least 3 characters: what the next reader of the audit trail needs to know.
            </p>
          </div>
        )}

        {mutation.isError ? (
          <p role="alert" className="rounded border border-red-200 bg-red-50 p-3 text-sm text-red-800">
            The server refused: {mutation.error.message}
          </p>
        ) : null}

        <div className="flex justify-end gap-2">
          <button type="button" onClick={() => ref.current?.close()} className="rounded border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-50">
            {mutation.isSuccess ? "Close" : "Cancel"}
          </button>
          {mutation.isSuccess ? null : (
            <button type="submit" disabled={mutation.isPending} className="rounded bg-red-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-800 disabled:opacity-60">
              {mutation.isPending ? "Releasing …" : "Force release"}
            </button>
          )}
        </div>
      </form>
    </dialog>
  );
}
