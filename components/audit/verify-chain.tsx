"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import { apiFetch } from "@/lib/api/client";
import type { ZAuditVerification } from "@/lib/api/audit";

export type Verification = z.infer<typeof ZAuditVerification>;

const KIND_EXPLAINED: Record<NonNullable<Verification["kind"]>, string> = {
  edited: "an event's content no longer matches its hash",
  deleted: "an event is missing from the chain",
  reordered: "events are out of order",
  truncated: "the chain ends before a checkpoint says it should",
  "forged-checkpoint": "a checkpoint's signature or hash does not match",
  "missing-checkpoints": "signed checkpoints that must exist are missing",
};

/** Verify chain: runs the server's verification (recorded as an event) and says where the chain broke. */
export function VerifyChain({ onShowSeq }: { onShowSeq: (seq: number) => void }) {
  const client = useQueryClient();
  const mutation = useMutation({
    mutationFn: () => apiFetch<Verification>("/api/v1/audit/verify", { method: "POST" }),
    onSettled: () => client.invalidateQueries({ queryKey: ["audit"] }),
  });
  const result = mutation.data;
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-2">
        <button
          type="button"
          onClick={() => mutation.mutate()}
          disabled={mutation.isPending}
          className="rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-60"
        >
          {mutation.isPending ? "Verifying …" : "Verify chain"}
        </button>
        <a href="/api/v1/audit/export" download className="rounded border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-50">
          Export NDJSON
        </a>
        <span className="text-xs text-slate-500">The export can be verified offline: npm run audit:verify -- --file &lt;file&gt;</span>
      </div>
      <div role="status" aria-live="polite" data-testid="verify-result">
        {mutation.isError ? (
          <p className="rounded-lg border border-red-200 bg-red-50 p-3 text-sm text-red-800" role="alert">
            Verification could not run: {mutation.error.message}
          </p>
        ) : result?.valid ? (
          <div className="rounded-lg border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900">
            <p className="font-semibold">The chain is valid.</p>
            <p>
              {result.checked.toLocaleString()} events checked up to seq {result.lastSeq}, against {result.checkpoints} signed checkpoint{result.checkpoints === 1 ? "" : "s"}.
            </p>
          </div>
        ) : result ? (
          <div className="rounded-lg border-2 border-red-400 bg-red-50 p-4 text-red-900" data-testid="chain-broken">
            <p className="text-lg font-semibold">
              Chain broken at seq {result.firstBadSeq ?? "?"} <span className="ml-1 rounded bg-red-200 px-1.5 py-0.5 align-middle text-xs font-semibold uppercase tracking-wide">{result.kind}</span>
            </p>
            <p className="mt-1 text-sm">
              {result.kind ? `${KIND_EXPLAINED[result.kind]}. ` : ""}
              {result.detail}
            </p>
            <p className="mt-1 text-xs text-red-800">
              {result.checked.toLocaleString()} events checked, {result.checkpoints} checkpoints. The verdict is recorded as a CRITICAL event.
            </p>
            {result.firstBadSeq !== null ? (
              <button type="button" onClick={() => onShowSeq(result.firstBadSeq!)} className="mt-2 rounded border border-red-400 bg-white px-3 py-1 text-sm font-medium text-red-800 hover:bg-red-100">
                Show event {result.firstBadSeq}
              </button>
            ) : null}
          </div>
        ) : null}
      </div>
    </div>
  );
}
