"use client";

// Break-glass on an operation a freeze holds (docs/freezes.md#break-glass):
// the mark once used (who, with which role, why, when), and while a freeze
// window or halt holds it, a button with a mandatory reason. The server
// checks the role each window or halt names and says which one is needed.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { can, usePrincipal } from "@/components/console/providers";
import { apiFetch } from "@/lib/api/client";
import type { TOperationSummary } from "@/lib/api/operations";
import { FormError } from "../kpis/query-states";
import { INPUT, LABEL } from "../incidents/common";

const FREEZE_REASON = /^(Frozen by window|Outside every allow window|Halted by)/;
const FINAL = ["COMPLETED", "FAILED", "ROLLED_BACK", "CANCELLED"];

/** Whether a freeze holds it now, as far as the page can tell: its reason says so, or its FREEZE gate failed while it waits. */
export function heldByFreeze(op: TOperationSummary, gates: { gate: string; passed: boolean }[]): boolean {
  if (FINAL.includes(op.state) || op.startedAt !== null || op.breakGlass) return false;
  return FREEZE_REASON.test(op.reason ?? "") || gates.some((g) => g.gate === "FREEZE" && !g.passed);
}

export function BreakGlass({ op, held }: { op: TOperationSummary; held: boolean }) {
  const principal = usePrincipal();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const id = useId();
  const send = useMutation({
    mutationFn: () => apiFetch<unknown>(`/api/v1/operations/${encodeURIComponent(op.id)}/break-glass`, { body: { reason } }),
    onSuccess: () => {
      setOpen(false);
      void client.invalidateQueries();
    },
  });
  if (op.breakGlass) {
    return (
      <p className="rounded border border-orange-300 bg-orange-50 px-3 py-2 text-sm text-orange-900" data-testid="break-glass-mark">
        <span className="font-medium">Break-glass: </span>
        let through a freeze by {op.breakGlass.by} ({op.breakGlass.role.toLowerCase()}) at {new Date(op.breakGlass.at).toLocaleString()}: {op.breakGlass.reason}
      </p>
    );
  }
  if (!held || !can(principal, "OPERATOR")) return null;
  return (
    <div className="rounded border border-orange-300 bg-orange-50 px-3 py-2 text-sm" data-testid="break-glass">
      {open ? (
        <form
          className="space-y-2"
          onSubmit={(e) => {
            e.preventDefault();
            send.mutate();
          }}
        >
          <label htmlFor={id} className={LABEL}>
            Why this change cannot wait (kept in the audit trail, notified at high severity)
          </label>
          <textarea id={id} className={INPUT} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} required minLength={3} maxLength={2000} />
          <div className="flex gap-2">
            <button type="submit" className="rounded bg-orange-700 px-3 py-1.5 font-medium text-white hover:bg-orange-800 disabled:opacity-50" disabled={send.isPending || reason.trim().length < 3}>
              Break glass
            </button>
            <button type="button" className="rounded border border-slate-300 bg-white px-3 py-1.5" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
          {send.isError ? <FormError error={send.error} /> : null}
        </form>
      ) : (
        <div className="flex flex-wrap items-center gap-2">
          <span>A change freeze holds this operation.</span>
          <button type="button" className="rounded border border-orange-500 bg-white px-3 py-1 font-medium text-orange-900 hover:bg-orange-100" onClick={() => setOpen(true)}>
            Break glass…
          </button>
        </div>
      )}
    </div>
  );
}
