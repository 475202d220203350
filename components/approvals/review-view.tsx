"use client";

import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { z } from "zod";
import { can, usePrincipal } from "@/components/console/providers";
import { Card, EmptyNote, ErrorBox, LoadingBlock, SeverityBadge, StateBadge, Time, messageOf } from "@/components/operations/common";
import { ConflictList, GateResultsTable, useOperationDetail } from "@/components/operations/operation-detail";
import { ApiError, apiFetch, qs } from "@/lib/api/client";
import type { ZBlastRadius } from "@/lib/api/graph";
import type { TOperationDetail } from "@/lib/api/operations";
import { queryKeys } from "@/lib/api/query-keys";
import type { ZDecisionResult, ZEvidenceRefreshResult } from "@/lib/api/submit";

type Decision = "approve" | "reject";
type BlastRadius = z.infer<typeof ZBlastRadius>;
type DecisionResult = z.infer<typeof ZDecisionResult>;
type EvidenceRefreshResult = z.infer<typeof ZEvidenceRefreshResult>;
type Review = NonNullable<TOperationDetail["review"]>;

// The real causes of the pause, as the evidence records them (one sentence each).
const ZEvidenceCauses = z.array(z.object({ kind: z.enum(["requested", "conflict", "gate", "person"]), text: z.string() }));
const CAUSE_LABEL: Record<z.infer<typeof ZEvidenceCauses>[number]["kind"], string> = { requested: "Requested", conflict: "Conflict", gate: "Gate", person: "Paused by a person" };

// The gates exactly as the hashed evidence recorded them.
const ZEvidenceGates = z.array(
  z.object({ gate: z.string(), passed: z.boolean(), skipped: z.boolean().optional(), observed: z.number().nullable(), threshold: z.number(), unit: z.string(), reason: z.string() }),
);

export function ReviewView({ operationId, preselected }: { operationId: string; preselected: Decision | null }) {
  const query = useOperationDetail(operationId);

  if (query.isPending) {
    return (
      <div className="space-y-4">
        <h1 className="text-2xl font-semibold">Review</h1>
        <LoadingBlock label="Loading the evidence…" rows={6} />
      </div>
    );
  }
  if (query.isError && !query.data) {
    return (
      <div className="space-y-4">
        <h1 className="text-2xl font-semibold">Review</h1>
        <ErrorBox title="The operation under review could not be loaded" error={query.error} onRetry={() => void query.refetch()} />
        <Link href="/approvals" className="text-sm underline">
          Back to the approval queue
        </Link>
      </div>
    );
  }
  const d = query.data;
  const op = d.operation;
  const review = d.review;
  const version = op.params.version;

  return (
    <div className="space-y-5">
      <Link href="/approvals" className="text-sm text-slate-600 underline decoration-slate-300 underline-offset-2 hover:text-slate-900">
        ← Approval queue
      </Link>
      <header className="space-y-2 rounded-lg border border-slate-200 bg-white p-4">
        <div className="flex flex-wrap items-center gap-3">
          <h1 className="text-2xl font-semibold">
            Review: {op.type} <span className="font-mono">{op.service}</span>
            {typeof version === "string" || typeof version === "number" ? <span className="ml-2 text-lg font-normal text-slate-600">to version {String(version)}</span> : null}
          </h1>
          <span aria-live="polite" data-testid="operation-state">
            <span className="sr-only">State: </span>
            <StateBadge state={op.state} />
          </span>
        </div>
        <p className="text-sm text-slate-600">
          Requested by <span className="font-medium text-slate-900">{op.actor}</span> · <Time iso={op.createdAt} /> ·{" "}
          <Link href={`/operations/${op.id}`} className="underline decoration-slate-300">
            operation {op.id}
          </Link>
        </p>
      </header>
      {query.isError ? <ErrorBox title="Refreshing failed; showing what was last loaded" error={query.error} onRetry={() => void query.refetch()} /> : null}

      {!review ? (
        <EmptyNote>This operation has not been paused for review, so there is nothing to decide. Its state is shown above; the operation page has its full history.</EmptyNote>
      ) : (
        <>
          <section aria-labelledby="reason-heading" className="rounded-lg border border-amber-200 bg-amber-50 p-4">
            <div className="flex flex-wrap items-center gap-2">
              <h2 id="reason-heading" className="text-base font-semibold text-amber-950">
                Why it paused
              </h2>
              <SeverityBadge severity={review.severity} />
              <span className="font-mono text-xs text-amber-900">review {review.status}</span>
            </div>
            <PauseCauses review={review} />
            <EvidenceFreshness operationId={op.id} review={review} />
          </section>

          <DecisionPanel detail={d} review={review} preselected={preselected} />

          <Card title="Gate results" id="review-gates-heading">
            <EvidenceGates detail={d} evidence={review.evidence} />
          </Card>
          <Card title="Conflicts" id="review-conflicts-heading">
            {d.conflicts.length === 0 ? <EmptyNote>No conflict with other operations was found.</EmptyNote> : <ConflictList conflicts={d.conflicts} />}
          </Card>
          <BlastRadiusCard operationId={op.id} />
          <Card title="Parameters" id="params-heading">
            {typeof version === "string" || typeof version === "number" ? (
              <p className="mb-2 text-sm">
                Deploys <span className="font-mono">{op.service}</span> to version <span className="font-mono font-semibold">{String(version)}</span>.
              </p>
            ) : null}
            <pre className="overflow-x-auto rounded bg-slate-900 p-3 font-mono text-xs text-slate-100" data-testid="params-json">
              {JSON.stringify(op.params, null, 2)}
            </pre>
          </Card>
          <p className="text-xs text-slate-500">
            Evidence hash (SHA-256 of what this page shows, recorded with the decision): <span className="break-all font-mono" data-testid="evidence-hash">{review.evidenceHash}</span>
          </p>
        </>
      )}
    </div>
  );
}

function PauseCauses({ review }: { review: Review }) {
  const parsed = ZEvidenceCauses.safeParse(review.evidence.causes);
  if (!parsed.success || parsed.data.length === 0) {
    return (
      <p className="mt-1.5 text-sm text-amber-950" data-testid="review-reason">
        {review.reason}
      </p>
    );
  }
  return (
    <ul className="mt-1.5 space-y-1 text-sm text-amber-950" data-testid="review-reason">
      {parsed.data.map((c, i) => (
        <li key={i} data-testid="pause-cause" data-kind={c.kind} className="flex items-baseline gap-2">
          <span className="whitespace-nowrap rounded bg-amber-100 px-1.5 py-0.5 text-xs font-medium text-amber-900">{CAUSE_LABEL[c.kind]}</span>
          <span>{c.text}</span>
        </li>
      ))}
    </ul>
  );
}

/** When the evidence was last evaluated, and (for approvers) evaluating it again now: conflicts and gates move while a review waits. */
function EvidenceFreshness({ operationId, review }: { operationId: string; review: Review }) {
  const principal = usePrincipal();
  const client = useQueryClient();
  const refresh = useMutation({
    mutationFn: () => apiFetch<EvidenceRefreshResult>(`/api/v1/operations/${operationId}/review/refresh`, { method: "POST" }),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: queryKeys.operation(operationId) });
      void client.invalidateQueries({ queryKey: ["reviews"] });
    },
  });
  const canRefresh = can(principal, "APPROVER") && review.status === "PENDING";
  return (
    <div className="mt-3 space-y-1.5 border-t border-amber-200 pt-2 text-sm text-amber-950">
      <div className="flex flex-wrap items-center gap-2">
        <p data-testid="evidence-evaluated-at">
          Evidence last evaluated {review.evaluatedAt ? <Time iso={review.evaluatedAt} /> : <span>when it paused (<Time iso={review.createdAt} />)</span>}.
        </p>
        {canRefresh ? (
          <button type="button" onClick={() => refresh.mutate()} disabled={refresh.isPending} className="rounded border border-amber-400 bg-white px-2.5 py-1 text-sm font-medium text-amber-950 hover:bg-amber-100 disabled:opacity-60">
            {refresh.isPending ? "Re-evaluating…" : "Re-evaluate now"}
          </button>
        ) : null}
      </div>
      {refresh.isSuccess ? (
        <div role="status" data-testid="refresh-result" data-changed={String(refresh.data.changed)} data-worse={String(refresh.data.worse)}>
          {refresh.data.changed ? (
            <>
              <p className="font-medium">{refresh.data.worse ? "The evidence got worse since it was recorded:" : "The evidence changed since it was recorded:"}</p>
              <ChangeList changes={refresh.data.changes} />
            </>
          ) : (
            <p>Re-evaluated: nothing changed.</p>
          )}
        </div>
      ) : null}
      {refresh.isError ? (
        <p role="alert" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-red-900">
          The evidence could not be re-evaluated: {messageOf(refresh.error)}
        </p>
      ) : null}
    </div>
  );
}

function ChangeList({ changes }: { changes: string[] }) {
  if (changes.length === 0) return null;
  return (
    <ul className="list-disc space-y-0.5 pl-5" data-testid="evidence-changes">
      {changes.map((c, i) => (
        <li key={i}>{c}</li>
      ))}
    </ul>
  );
}

/** A 409 from approve when the evidence got worse (or the hash went stale): what changed; the page has refetched the new evidence. */
function staleEvidenceOf(error: unknown): { changes: string[] } | null {
  if (!(error instanceof ApiError) || error.status !== 409) return null;
  const changes = z.array(z.string()).safeParse(error.details.changes);
  const hash = typeof error.details.evidenceHash === "string";
  if (!changes.success && !hash) return null;
  return { changes: changes.success ? changes.data : [] };
}

function EvidenceGates({ detail, evidence }: { detail: TOperationDetail; evidence: Record<string, unknown> }) {
  const parsed = ZEvidenceGates.safeParse(evidence.gates);
  const gates = parsed.success ? parsed.data : detail.gateResults;
  if (gates.length === 0) return <EmptyNote>No gate result was recorded with this review.</EmptyNote>;
  return <GateResultsTable gates={gates} caption="Gate results in the review's evidence" />;
}

function BlastRadiusCard({ operationId }: { operationId: string }) {
  const query = useQuery({
    queryKey: queryKeys.blastRadius(`operation:${operationId}`),
    queryFn: ({ signal }) => apiFetch<BlastRadius>(`/api/v1/graph/blast-radius${qs({ operationId })}`, { signal }),
  });
  return (
    <Card title="Blast radius" id="blast-heading">
      {query.isPending ? (
        <LoadingBlock label="Loading the blast radius…" rows={2} />
      ) : query.isError ? (
        <ErrorBox title="The blast radius could not be loaded" error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <>
          <BlastRadiusBody b={query.data} />
          <p className="mt-3 text-sm">
            <Link href={`/graph?operation=${operationId}`} className="font-medium text-sky-700 underline hover:text-sky-900">
              Show this blast radius on the dependency graph
            </Link>
          </p>
        </>
      )}
    </Card>
  );
}

/** The figures of a blast radius: of an operation (here) or of a plan (the new-operation form). */
export function BlastRadiusBody({ b }: { b: Pick<BlastRadius, "score" | "percentage" | "affectedCount" | "totalServices" | "depth" | "direct" | "sharedResource" | "downstream" | "upstream"> }) {
  const impact = b.totalServices ? Math.round((b.score / b.totalServices) * 1000) / 10 : 0;
  const sets: [string, string[], string][] = [
    ["Direct", b.direct, "×1.0"],
    ["Shared resource", b.sharedResource, "×0.8"],
    ["Downstream (depends on)", b.downstream, "×0.5"],
    ["Upstream (depended on by)", b.upstream, "×0.3"],
  ];
  return (
    <div className="space-y-3">
      <dl className="grid max-w-2xl grid-cols-2 gap-3 sm:grid-cols-4">
        <Stat label="Weighted score" value={String(b.score)} />
        <Stat label="Estimated impact" value={`${impact}%`} />
        <Stat label="Services reached" value={`${b.percentage}%`} />
        <Stat label="Affected" value={`${b.affectedCount} of ${b.totalServices}`} />
      </dl>
      <p className="text-xs text-slate-500">
        Estimated impact: the weighted score ÷ all {b.totalServices} services — the figure the blast-radius gate compares with its threshold. Services reached: the {b.affectedCount} distinct services within {b.depth} hops ÷ all {b.totalServices}, each counted once, unweighted.
      </p>
      <div className="grid gap-3 md:grid-cols-2">
        {sets.map(([label, names, weight]) => (
          <div key={label}>
            <h3 className="text-xs font-medium uppercase tracking-wide text-slate-500">
              {label} <span className="normal-case text-slate-400">{weight} · {names.length}</span>
            </h3>
            {names.length === 0 ? (
              <p className="text-sm text-slate-400">none</p>
            ) : (
              <ul className="mt-1 flex flex-wrap gap-1">
                {names.map((n) => (
                  <li key={n} className="whitespace-nowrap rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-700">
                    {n}
                  </li>
                ))}
              </ul>
            )}
          </div>
        ))}
      </div>
    </div>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white px-3 py-2">
      <dt className="text-xs uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="text-xl font-semibold tabular-nums">{value}</dd>
    </div>
  );
}

function DecisionPanel({ detail, review, preselected }: { detail: TOperationDetail; review: NonNullable<TOperationDetail["review"]>; preselected: Decision | null }) {
  const principal = usePrincipal();
  const client = useQueryClient();
  const op = detail.operation;
  const [choice, setChoice] = useState<Decision | null>(preselected);
  const [notes, setNotes] = useState("");
  const decide = useMutation({
    mutationFn: (decision: Decision) =>
      apiFetch<DecisionResult>(`/api/v1/operations/${op.id}/${decision}`, { body: { ...(notes.trim() ? { notes: notes.trim() } : {}), evidenceHash: review.evidenceHash } }),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: ["operations"] });
      void client.invalidateQueries({ queryKey: ["reviews"] });
    },
  });
  const stale = decide.isError ? staleEvidenceOf(decide.error) : null;

  // An approval that does not yet complete the policies' quorum: recorded, the operation stays paused.
  if (decide.isSuccess && decide.data.quorum && !decide.data.quorum.met && decide.data.review.status === "PENDING") {
    const q = decide.data.quorum;
    return (
      <section aria-labelledby="decision-heading" className="rounded-lg border border-emerald-200 bg-emerald-50 p-4">
        <h2 id="decision-heading" className="text-base font-semibold text-emerald-950">
          Approval recorded
        </h2>
        <div role="status" aria-live="polite" className="mt-1 space-y-1 text-sm text-emerald-950" data-testid="decision-result">
          <p>
            <span className="font-semibold" data-testid="quorum-summary">{q.summary}</span>. The operation stays paused until the rest approve. Approval id <span className="font-mono font-semibold" data-testid="approval-id">{decide.data.approvalId ?? "—"}</span>.
          </p>
          <QuorumDetails quorum={q} />
        </div>
      </section>
    );
  }

  // A decision made here: its answer and the operation's live state, which keeps moving.
  if (decide.isSuccess) {
    const r = decide.data;
    return (
      <section aria-labelledby="decision-heading" className="rounded-lg border border-emerald-200 bg-emerald-50 p-4">
        <h2 id="decision-heading" className="text-base font-semibold text-emerald-950">
          Decision recorded
        </h2>
        <div role="status" aria-live="polite" className="mt-1 space-y-1 text-sm text-emerald-950" data-testid="decision-result">
          <p>
            {r.review.status === "APPROVED" ? "Approved" : "Rejected"} by {r.review.decidedBy}. Approval id <span className="font-mono font-semibold" data-testid="approval-id">{r.approvalId ?? "—"}</span>.
          </p>
          <p className="flex items-center gap-2">
            The operation is now <StateBadge state={op.state} />
            {op.state === "COMPLETED" || op.state === "FAILED" || op.state === "ROLLED_BACK" || op.state === "CANCELLED" ? null : <span className="text-xs text-emerald-800">(updates live)</span>}
          </p>
        </div>
      </section>
    );
  }

  if (review.status !== "PENDING") {
    return (
      <section aria-labelledby="decision-heading" className="rounded-lg border border-slate-200 bg-white p-4">
        <h2 id="decision-heading" className="text-base font-semibold">
          Decision
        </h2>
        <p className="mt-1 text-sm">
          This review is <span className="font-mono">{review.status}</span>
          {review.decidedBy ? ` by ${review.decidedBy}` : ""}
          {review.decidedAt ? (
            <>
              {" "}at <Time iso={review.decidedAt} />
            </>
          ) : null}
          .{review.approvalId ? <> Approval id <span className="font-mono">{review.approvalId}</span>.</> : null}
        </p>
        {review.notes ? <p className="mt-1 text-sm text-slate-600">Notes: {review.notes}</p> : null}
      </section>
    );
  }

  if (!can(principal, "APPROVER")) {
    return (
      <section aria-labelledby="decision-heading" className="rounded-lg border border-slate-200 bg-white p-4">
        <h2 id="decision-heading" className="text-base font-semibold">
          Decision
        </h2>
        <p className="mt-1 text-sm text-slate-700">An approver must decide this review. You are signed in as {principal.role.toLowerCase()}, so you can read the evidence but not approve or reject.</p>
      </section>
    );
  }

  const own = op.actor.trim().toLowerCase() === principal.email.trim().toLowerCase();
  const quorum = detail.quorum ?? null;
  const approvedAlready = quorum?.approvals.some((a) => a.by.trim().toLowerCase() === principal.email.trim().toLowerCase()) ?? false;
  if (approvedAlready && quorum) {
    return (
      <section aria-labelledby="decision-heading" className="rounded-lg border border-emerald-200 bg-emerald-50 p-4">
        <h2 id="decision-heading" className="text-base font-semibold text-emerald-950">
          You approved this operation
        </h2>
        <div className="mt-1 space-y-1 text-sm text-emerald-950" data-testid="already-approved">
          <p>
            <span className="font-semibold" data-testid="quorum-summary">{quorum.summary}</span>: it waits for the rest before it continues.
          </p>
          <QuorumDetails quorum={quorum} />
        </div>
      </section>
    );
  }
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (choice && !own) decide.mutate(choice);
  };
  const disabled = own || decide.isPending;
  return (
    <section aria-labelledby="decision-heading" className="rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="decision-heading" className="text-base font-semibold">
        Decision
      </h2>
      {own ? (
        <p className="mt-2 rounded border border-slate-300 bg-slate-100 px-3 py-2 text-sm text-slate-800" id="own-operation-note" data-testid="own-operation-note">
          You requested this operation, so you cannot approve or reject it: another approver must decide. (The server refuses a requester&apos;s own decision too.)
        </p>
      ) : null}
      {quorum && (quorum.required > 1 || quorum.policies.some((p) => p.policyId !== null)) ? (
        <div className="mt-2 rounded border border-slate-200 bg-slate-50 px-3 py-2 text-sm" data-testid="quorum">
          <p>
            <span className="font-semibold" data-testid="quorum-summary">{quorum.summary}</span> so far.
          </p>
          <QuorumDetails quorum={quorum} />
        </div>
      ) : null}
      <form onSubmit={onSubmit} className="mt-3 space-y-3" aria-describedby={own ? "own-operation-note" : undefined}>
        <fieldset disabled={disabled}>
          <legend className="mb-1.5 text-xs font-medium uppercase tracking-wide text-slate-500">Your decision</legend>
          <div className="flex gap-2">
            {(["approve", "reject"] as const).map((value) => (
              <label
                key={value}
                className={`inline-flex cursor-pointer items-center gap-2 rounded border px-3 py-1.5 text-sm has-[:disabled]:cursor-not-allowed has-[:disabled]:opacity-60 ${
                  choice === value ? (value === "approve" ? "border-emerald-500 bg-emerald-50" : "border-red-400 bg-red-50") : "border-slate-300"
                }`}
              >
                <input type="radio" name="decision" value={value} checked={choice === value} onChange={() => setChoice(value)} />
                {value === "approve" ? "Approve" : "Reject"}
              </label>
            ))}
          </div>
          {preselected && !own ? (
            <p className="mt-1.5 text-xs text-slate-500">Preselected from your notification link. Nothing is sent until you press the button below.</p>
          ) : null}
        </fieldset>
        <div>
          <label htmlFor="decision-notes" className="mb-1 block text-xs font-medium uppercase tracking-wide text-slate-500">
            Notes
          </label>
          <textarea
            id="decision-notes"
            value={notes}
            onChange={(e) => setNotes(e.target.value)}
            disabled={disabled}
            rows={3}
            maxLength={4000}
            placeholder="What you checked, and why"
            className="w-full max-w-2xl rounded border border-slate-300 px-2 py-1.5 text-sm disabled:bg-slate-50"
          />
        </div>
        <button
          type="submit"
          disabled={disabled || !choice}
          className={`rounded px-4 py-2 text-sm font-medium text-white disabled:cursor-not-allowed disabled:opacity-50 ${choice === "reject" ? "bg-red-700 hover:bg-red-600" : "bg-emerald-700 hover:bg-emerald-600"}`}
        >
          {decide.isPending ? "Sending…" : choice === "approve" ? "Approve operation" : choice === "reject" ? "Reject operation" : "Choose approve or reject"}
        </button>
        {stale ? (
          <div role="alert" className="rounded border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950" data-testid="decision-stale">
            <p className="font-medium">Not approved: the evidence changed since it was shown to you. The page now shows the refreshed evidence; read it again before you decide.</p>
            <ChangeList changes={stale.changes} />
            <p className="mt-1 text-xs text-amber-800">{messageOf(decide.error)}</p>
          </div>
        ) : decide.isError ? (
          <p role="alert" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900" data-testid="decision-error">
            The server refused the decision: {messageOf(decide.error)}
          </p>
        ) : null}
      </form>
    </section>
  );
}

/** Who approved so far and what each approval policy still needs (docs/approvals.md#what-people-see). */
function QuorumDetails({ quorum }: { quorum: NonNullable<TOperationDetail["quorum"]> }) {
  return (
    <div className="space-y-1 text-xs">
      {quorum.approvals.length ? (
        <p data-testid="quorum-approvers">
          Approved by{" "}
          {quorum.approvals.map((a, i) => (
            <span key={a.by}>
              {i > 0 ? ", " : ""}
              <span className="font-medium">{a.by}</span> (<Time iso={a.at} />)
            </span>
          ))}
          .
        </p>
      ) : null}
      {quorum.policies.filter((p) => p.policyId !== null).length ? (
        <ul className="list-inside list-disc">
          {quorum.policies
            .filter((p) => p.policyId !== null)
            .map((p) => (
              <li key={p.name}>
                Policy <span className="font-medium">{p.name}</span>: {p.have} of {p.required} from {p.eligible}
                {p.met ? " — met" : ""}
              </li>
            ))}
        </ul>
      ) : null}
      {quorum.needed.length ? <p data-testid="quorum-needed">Still needed: {quorum.needed.join("; ")}.</p> : null}
    </div>
  );
}
