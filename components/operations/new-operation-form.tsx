"use client";

// Submitting an operation from the console, with its plan shown live: as the
// fields change, the form asks POST /api/v1/operations/plan what would happen
// if it were submitted now (a dry run that writes nothing; docs/lifecycle.md
// "Plan before submit"), then submits through the same POST /api/v1/operations
// automation uses.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useMemo, useState, type FormEvent, type ReactNode } from "react";
import { z } from "zod";
import { can, usePrincipal } from "@/components/console/providers";
import { BlastRadiusBody } from "@/components/approvals/review-view";
import { ApiError, apiFetch } from "@/lib/api/client";
import type { TTopology } from "@/lib/api/graph";
import { OPERATION_TYPES, type TOperationDetail } from "@/lib/api/operations";
import { LOCK_PRIORITY_NAMES, type TOperationPlan } from "@/lib/api/plan";
import { queryKeys } from "@/lib/api/query-keys";
import type { ZSubmitOperationResult } from "@/lib/api/submit";
import { Card, EmptyNote, ErrorBox, LoadingBlock, StateBadge, Time, messageOf, shortId } from "./common";
import { ConflictList, GateResultsTable } from "./operation-detail";

type OperationType = (typeof OPERATION_TYPES)[number];
type Priority = (typeof LOCK_PRIORITY_NAMES)[number];
type SubmitResult = z.infer<typeof ZSubmitOperationResult>;
type Verdict = TOperationPlan["verdict"];

const DEBOUNCE_MS = 300;

interface Fields {
  type: OperationType;
  service: string;
  version: string;
  strategy: "canary" | "direct";
  toVersion: string;
  paramsJson: string;
  correlationId: string;
  reviewRequired: boolean;
  priority: "" | Priority;
}

const INITIAL: Fields = { type: "DEPLOYMENT", service: "", version: "", strategy: "canary", toVersion: "", paramsJson: "{}", correlationId: "", reviewRequired: false, priority: "" };

/** The types whose parameters the form asks for one by one; the others take free JSON. */
const HAS_VERSION_FIELDS = (t: OperationType) => t === "DEPLOYMENT";
const HAS_ROLLBACK_FIELDS = (t: OperationType) => t === "ROLLBACK";

/** The request body the fields describe, or the field that keeps it from being one. */
function bodyOf(f: Fields): { body: Record<string, unknown> | null; problem: { field: string; message: string } | null } {
  if (!f.service.trim()) return { body: null, problem: null };
  let params: Record<string, unknown> = {};
  if (HAS_VERSION_FIELDS(f.type)) {
    if (f.version.trim()) params.version = f.version.trim();
    params.strategy = f.strategy;
  } else if (HAS_ROLLBACK_FIELDS(f.type)) {
    if (f.toVersion.trim()) params.toVersion = f.toVersion.trim();
  } else {
    const text = f.paramsJson.trim() || "{}";
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return { body: null, problem: { field: "params", message: `not valid JSON: ${error instanceof Error ? error.message : String(error)}` } };
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return { body: null, problem: { field: "params", message: "must be a JSON object, e.g. {\"check\": \"smoke\"}" } };
    params = { ...(parsed as Record<string, unknown>) };
  }
  if (f.reviewRequired) params.reviewRequired = true;
  return {
    body: {
      type: f.type,
      service: f.service.trim(),
      params,
      ...(f.correlationId.trim() ? { correlationId: f.correlationId.trim() } : {}),
      ...(f.priority ? { priority: f.priority } : {}),
    },
    problem: null,
  };
}

/** A value that settles `ms` after it last changed. */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/**
 * Field errors from a 422: the endpoint wrapper names `body.<field>` in
 * `details.issues`; the store's own check lists `problems` as "field: message".
 * A 404 names an unknown service. What matches no field is returned under "".
 */
function fieldErrorsOf(error: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (field: string, message: string) => (out[field] ??= []).push(message);
  if (!(error instanceof ApiError)) return out;
  if (error.status === 404 && /service/i.test(error.message)) {
    add("service", error.message);
    return out;
  }
  if (error.code !== "VALIDATION_FAILED") return out;
  const issues = z.array(z.object({ path: z.array(z.string()), message: z.string() })).safeParse(error.details.issues);
  const problems = z.array(z.string()).safeParse(error.details.problems);
  if (issues.success) {
    for (const issue of issues.data) {
      const path = issue.path[0] === "body" ? issue.path.slice(1) : issue.path;
      add(fieldKeyOf(path), issue.message);
    }
  } else if (problems.success) {
    for (const problem of problems.data) {
      const at = problem.indexOf(": ");
      add(at > 0 ? fieldKeyOf(problem.slice(0, at).split(".")) : "", at > 0 ? problem.slice(at + 2) : problem);
    }
  }
  if (Object.keys(out).length === 0) add("", error.message);
  return out;
}

const FIELD_KEYS = new Set(["type", "service", "params.version", "params.strategy", "params.toVersion", "params.reviewRequired", "params", "correlationId", "priority"]);
function fieldKeyOf(path: string[]): string {
  if (path[0] === "params" && path[1] === "to_version") return "params.toVersion";
  const two = path.slice(0, 2).join(".");
  if (FIELD_KEYS.has(two)) return two;
  return FIELD_KEYS.has(path[0] ?? "") ? path[0]! : "";
}

export function NewOperationForm() {
  const principal = usePrincipal();
  if (!can(principal, "OPERATOR")) {
    return (
      <div className="rounded-lg border border-slate-200 bg-white p-4 text-sm text-slate-700" data-testid="cannot-submit">
        <p>
          Submitting an operation needs the <span className="font-medium">operator</span> role. You are signed in as {principal.role.toLowerCase()}, so you can follow
          operations and read their evidence, but not start one or see its plan.
        </p>
        <p className="mt-2">
          <Link href="/operations" className="underline decoration-slate-300">
            Back to operations
          </Link>
        </p>
      </div>
    );
  }
  return <Form approver={can(principal, "APPROVER")} />;
}

function Form({ approver }: { approver: boolean }) {
  const router = useRouter();
  const client = useQueryClient();
  const [fields, setFields] = useState<Fields>(INITIAL);
  const set = <K extends keyof Fields>(key: K, value: Fields[K]) => setFields((f) => ({ ...f, [key]: value }));

  const topology = useQuery({ queryKey: queryKeys.graph(), queryFn: ({ signal }) => apiFetch<TTopology>("/api/v1/graph", { signal }) });
  const services = useMemo(() => (topology.data?.services ?? []).map((s) => s.name).sort(), [topology.data]);

  const { body, problem } = bodyOf(fields);
  const bodyJson = body ? JSON.stringify(body) : null;
  const settledJson = useDebounced(bodyJson, DEBOUNCE_MS);
  const settling = bodyJson !== settledJson;

  // Under the "operations" topic, so a change elsewhere (a lock taken, an
  // operation finished) refreshes the plan too. A superseded request is
  // cancelled: the query function hands its signal to fetch.
  const plan = useQuery({
    queryKey: ["operations", "plan", settledJson],
    queryFn: ({ signal }) => apiFetch<TOperationPlan>("/api/v1/operations/plan", { body: JSON.parse(settledJson!), signal }),
    enabled: settledJson !== null,
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 0,
  });

  const submit = useMutation({
    mutationFn: (json: string) => apiFetch<SubmitResult>("/api/v1/operations", { body: JSON.parse(json) }),
    onSuccess: (result) => {
      void client.invalidateQueries({ queryKey: ["operations"] });
      if (result.result === "ACCEPTED") router.push(`/operations/${result.operation.id}`);
    },
  });
  const { reset } = submit;
  // A refusal is about the fields as they were sent; a change makes it stale.
  useEffect(() => reset(), [bodyJson, reset]);

  const planCurrent = plan.data && !plan.isPlaceholderData && !settling;
  const errors = fieldErrorsOf(submit.isError ? submit.error : plan.isError && !settling ? plan.error : null);
  if (problem) (errors[problem.field] ??= []).push(problem.message);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (bodyJson) submit.mutate(bodyJson);
  };

  return (
    <div className="grid items-start gap-5 xl:grid-cols-[minmax(0,26rem)_minmax(0,1fr)]">
      <form onSubmit={onSubmit} aria-label="New operation" className="space-y-4 rounded-lg border border-slate-200 bg-white p-4" noValidate>
        <Field label="Type" errors={errors.type}>
          {(id, describedBy) => (
            <select id={id} aria-describedby={describedBy} value={fields.type} onChange={(e) => set("type", e.target.value as OperationType)} className={INPUT}>
              {OPERATION_TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Service" errors={errors.service} hint={topology.isError ? "The service list could not be loaded; type the name." : `${services.length} services on the dependency graph; start typing to pick one.`}>
          {(id, describedBy) => (
            <>
              <input
                id={id}
                aria-describedby={describedBy}
                aria-invalid={errors.service ? true : undefined}
                list={`${id}-services`}
                value={fields.service}
                onChange={(e) => set("service", e.target.value)}
                placeholder="payment-service"
                autoComplete="off"
                className={`${INPUT} font-mono`}
              />
              <datalist id={`${id}-services`}>
                {services.map((s) => (
                  <option key={s} value={s} />
                ))}
              </datalist>
            </>
          )}
        </Field>
        {HAS_VERSION_FIELDS(fields.type) ? (
          <>
            <Field label="Version" errors={errors["params.version"]} hint="The version to roll out.">
              {(id, describedBy) => <input id={id} aria-describedby={describedBy} aria-invalid={errors["params.version"] ? true : undefined} value={fields.version} onChange={(e) => set("version", e.target.value)} placeholder="v2.4.0" className={`${INPUT} font-mono`} />}
            </Field>
            <fieldset>
              <legend className={LABEL}>Strategy</legend>
              <div className="flex gap-2">
                {(["canary", "direct"] as const).map((s) => (
                  <label key={s} className="inline-flex cursor-pointer items-center gap-1.5 rounded border border-slate-200 px-2 py-1 text-sm has-[:checked]:border-slate-500 has-[:checked]:bg-slate-100">
                    <input type="radio" name="strategy" value={s} checked={fields.strategy === s} onChange={() => set("strategy", s)} />
                    {s === "canary" ? "Canary (10 % → 50 % → 100 %)" : "Direct (all at once)"}
                  </label>
                ))}
              </div>
              <FieldErrors id="strategy-errors" errors={errors["params.strategy"]} />
            </fieldset>
          </>
        ) : HAS_ROLLBACK_FIELDS(fields.type) ? (
          <Field label="Restore version" errors={errors["params.toVersion"]} hint="The version to restore. Leave empty for the one before the live version.">
            {(id, describedBy) => <input id={id} aria-describedby={describedBy} aria-invalid={errors["params.toVersion"] ? true : undefined} value={fields.toVersion} onChange={(e) => set("toVersion", e.target.value)} placeholder="v2.3.1" className={`${INPUT} font-mono`} />}
          </Field>
        ) : (
          <Field label="Parameters (JSON)" errors={errors.params} hint="A JSON object; the executor of this type reads it.">
            {(id, describedBy) => (
              <textarea id={id} aria-describedby={describedBy} aria-invalid={errors.params ? true : undefined} value={fields.paramsJson} onChange={(e) => set("paramsJson", e.target.value)} rows={4} spellCheck={false} className={`${INPUT} font-mono text-xs`} />
            )}
          </Field>
        )}
        <Field label="Correlation id (optional)" errors={errors.correlationId} hint="Links everything about one incident; generated when empty.">
          {(id, describedBy) => <input id={id} aria-describedby={describedBy} value={fields.correlationId} onChange={(e) => set("correlationId", e.target.value)} className={`${INPUT} font-mono`} />}
        </Field>
        <Field label="Priority" errors={errors.priority} hint={approver ? "Default by type (a ROLLBACK is CRITICAL)." : "Default by type (a ROLLBACK is CRITICAL). Raising an operation to CRITICAL needs the approver role."}>
          {(id, describedBy) => (
            <select id={id} aria-describedby={describedBy} value={fields.priority} onChange={(e) => set("priority", e.target.value as Fields["priority"])} className={INPUT}>
              <option value="">Default for the type</option>
              {LOCK_PRIORITY_NAMES.filter((p) => approver || p !== "CRITICAL").map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div>
          <label className="inline-flex items-center gap-2 text-sm">
            <input type="checkbox" checked={fields.reviewRequired} onChange={(e) => set("reviewRequired", e.target.checked)} />
            Request a review: pause for an approver before it runs
          </label>
          <FieldErrors id="review-errors" errors={errors["params.reviewRequired"]} />
        </div>

        <div className="space-y-2 border-t border-slate-100 pt-3">
          <button type="submit" disabled={!bodyJson || submit.isPending} className="rounded bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700 disabled:cursor-not-allowed disabled:opacity-50">
            {submit.isPending ? "Submitting…" : "Submit operation"}
          </button>
          {!bodyJson && !problem ? <p className="text-xs text-slate-500">Choose a service to see the plan and submit.</p> : null}
          {submit.isSuccess && submit.data.result === "ALREADY_RUNNING" ? (
            <p role="status" className="rounded bg-slate-50 px-3 py-2 text-sm text-slate-800">
              The same work is already in flight, so nothing new was submitted:{" "}
              <Link href={`/operations/${submit.data.operation.id}`} className="font-mono underline">
                operation {shortId(submit.data.operation.id)}
              </Link>{" "}
              ({submit.data.operation.state}).
            </p>
          ) : null}
          {submit.isSuccess && submit.data.result === "ACCEPTED" ? (
            <p role="status" className="text-sm text-emerald-800">
              Submitted; opening the operation…
            </p>
          ) : null}
          {submit.isError ? (
            <p role="alert" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900" data-testid="submit-error">
              The server refused the operation: {messageOf(submit.error)}
            </p>
          ) : null}
          <FieldErrors id="form-errors" errors={errors[""]} />
        </div>
      </form>

      <section aria-labelledby="plan-heading" className="space-y-4" data-testid="plan">
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="plan-heading" className="text-lg font-semibold">
            What would happen now
          </h2>
          <p className="text-xs text-slate-500" aria-live="polite">
            {settling || plan.isFetching ? "Updating the plan…" : planCurrent ? (
              <>
                Planned <Time iso={plan.data.evaluatedAt} compact />; nothing is written until you submit.
              </>
            ) : null}
          </p>
        </div>
        {!settledJson && !bodyJson ? (
          <EmptyNote>{problem ? "Fix the parameters to see the plan." : "Choose a type and a service: the plan (conflicts, gates, locks, blast radius) appears here as you type."}</EmptyNote>
        ) : plan.isPending ? (
          <LoadingBlock label="Planning…" rows={4} />
        ) : plan.isError && !settling ? (
          <ErrorBox title="The plan could not be computed" error={plan.error} onRetry={() => void plan.refetch()} />
        ) : plan.data ? (
          <div className={planCurrent ? "" : "opacity-60"} aria-busy={!planCurrent}>
            <PlanView plan={plan.data} />
          </div>
        ) : null}
      </section>
    </div>
  );
}

const INPUT = "w-full rounded border border-slate-300 bg-white px-2 py-1.5 text-sm aria-[invalid=true]:border-red-400";
const LABEL = "mb-1 block text-xs font-medium uppercase tracking-wide text-slate-500";

function Field({ label, errors, hint, children }: { label: string; errors?: string[]; hint?: string; children: (id: string, describedBy: string) => ReactNode }) {
  const id = useId();
  return (
    <div>
      <label htmlFor={id} className={LABEL}>
        {label}
      </label>
      {children(id, `${id}-hint ${id}-errors`)}
      {hint ? (
        <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
      <FieldErrors id={`${id}-errors`} errors={errors} />
    </div>
  );
}

function FieldErrors({ id, errors }: { id: string; errors?: string[] }) {
  if (!errors?.length) return <span id={id} hidden />;
  return (
    <ul id={id} role="alert" className="mt-1 space-y-0.5 text-xs text-red-800" data-testid="field-error">
      {errors.map((e, i) => (
        <li key={i}>{e}</li>
      ))}
    </ul>
  );
}

const VERDICT: Record<Verdict, { label: string; style: string }> = {
  RUN: { label: "Would run now", style: "border-emerald-300 bg-emerald-50 text-emerald-950" },
  QUEUE: { label: "Would wait in line", style: "border-sky-300 bg-sky-50 text-sky-950" },
  DELAY: { label: "Would be delayed", style: "border-sky-300 bg-sky-50 text-sky-950" },
  PAUSE_FOR_REVIEW: { label: "Would pause for review", style: "border-amber-300 bg-amber-50 text-amber-950" },
  BLOCK: { label: "Would be blocked", style: "border-red-300 bg-red-50 text-red-950" },
  ALREADY_RUNNING: { label: "Already running", style: "border-slate-300 bg-slate-50 text-slate-900" },
};

type Other = TOperationPlan["preempts"][number];

export function PlanView({ plan }: { plan: TOperationPlan }) {
  const v = VERDICT[plan.verdict];
  // The conflict list of the operation page, fed the plan's conflicts (nothing is recorded yet, so they have no id of their own).
  const conflicts: TOperationDetail["conflicts"] = plan.conflicts.map((c, i) => ({
    id: `plan-${i}`,
    type: c.type,
    severity: c.severity,
    action: c.action,
    explanation: c.explanation,
    recommendation: c.recommendation,
    blastRadius: plan.blastRadius.score,
    affectedServices: c.affectedServices,
    conflictingOperations: c.conflictingOperationIds.map((id) => ({ id, service: null, type: null, state: null })),
    detectedAt: plan.evaluatedAt,
  }));
  return (
    <div className="space-y-4">
      <div className={`rounded-lg border-2 p-4 ${v.style}`} data-testid="plan-verdict" data-verdict={plan.verdict} role="status" aria-live="polite">
        <p className="text-xs font-medium uppercase tracking-wide opacity-80">Verdict · {plan.priority} priority</p>
        <p className="text-2xl font-semibold">
          {v.label} <span className="font-mono text-base font-normal">({plan.verdict})</span>
        </p>
        <p className="mt-1 text-sm" data-testid="plan-summary">
          {plan.summary}
        </p>
        {plan.notBefore ? (
          <p className="mt-1 text-sm">
            Earliest start: <Time iso={plan.notBefore} />
          </p>
        ) : null}
        {plan.alreadyRunning ? (
          <p className="mt-1 text-sm">
            The same work is in flight:{" "}
            <Link href={`/operations/${plan.alreadyRunning.id}`} className="font-mono underline">
              operation {shortId(plan.alreadyRunning.id)}
            </Link>{" "}
            <StateBadge state={plan.alreadyRunning.state} />
          </p>
        ) : null}
        <Sentences title="Why it would pause" items={plan.pauseCauses} testId="plan-pause-causes" />
        <Sentences title="Why it would be blocked" items={plan.blockReasons} testId="plan-block-reasons" />
      </div>

      {plan.queue ? (
        <Card title="Queue" id="plan-queue-heading">
          <p className="text-sm" data-testid="plan-queue">
            Position <span className="font-semibold tabular-nums">{plan.queue.position}</span> in line for <span className="font-mono">{plan.service}</span>
            {plan.queue.position === 1 ? " (next to run)" : ""}.
          </p>
          <OtherList items={plan.queue.ahead} empty="Nothing ahead of it." label="Ahead of it" />
        </Card>
      ) : null}
      {plan.preempts.length || plan.supersedes.length ? (
        <Card title="What it would stop or replace" id="plan-preempts-heading">
          {plan.preempts.length ? <OtherList items={plan.preempts} label="Would preempt (running changes it stops and takes the service from)" empty="" /> : null}
          {plan.supersedes.length ? <OtherList items={plan.supersedes} label="Would supersede (not-yet-started operations it replaces)" empty="" /> : null}
        </Card>
      ) : null}

      <Card title="Conflicts" id="plan-conflicts-heading">
        {conflicts.length === 0 ? <EmptyNote>No conflict with operations in flight on the dependency graph.</EmptyNote> : <ConflictList conflicts={conflicts} />}
      </Card>

      <Card title="Safety gates" id="plan-gates-heading">
        {!plan.gatesEvaluated ? <p className="mb-2 text-sm text-slate-600">The gates were not evaluated: the verdict was decided before them. They run when the operation starts.</p> : null}
        {plan.gates.length === 0 ? <EmptyNote>No gate applies to this operation type.</EmptyNote> : <GateResultsTable gates={plan.gates} caption="Safety gates as they would be evaluated now (with where each figure came from)" />}
        {plan.gates.some((g) => g.source === "simulated") ? (
          <p className="mt-2 text-xs text-slate-500">Figures marked simulated come from the simulated signal source: they are not measurements of the service.</p>
        ) : null}
      </Card>

      <Card title="Locks it would take" id="plan-locks-heading">
        {plan.locks.length === 0 ? (
          <EmptyNote>No lock.</EmptyNote>
        ) : (
          <ul className="space-y-2 text-sm">
            {plan.locks.map((l) => (
              <li key={`${l.scope}:${l.resource}`} data-testid="plan-lock" className="rounded border border-slate-200 p-2">
                <span className="font-mono text-xs font-medium">{l.resource}</span> <span className="text-xs text-slate-500">({l.scope}, {l.mode.toLowerCase()})</span>
                {l.holders.length === 0 ? (
                  <span className="ml-2 text-xs text-emerald-800">free</span>
                ) : (
                  <span className="ml-2 text-xs text-slate-700">
                    held by{" "}
                    {l.holders.map((h, i) => (
                      <span key={h.holderId}>
                        {i > 0 ? ", " : null}
                        {h.operationId ? (
                          <Link href={`/operations/${h.operationId}`} className="font-mono underline decoration-slate-300">
                            operation {shortId(h.operationId)}
                          </Link>
                        ) : (
                          <span className="font-mono">{h.holderId}</span>
                        )}{" "}
                        ({h.mode.toLowerCase()}, until <Time iso={h.expiresAt} compact />)
                      </span>
                    ))}
                  </span>
                )}
                {l.waiting > 0 ? <span className="ml-2 text-xs text-slate-500">· {l.waiting} waiting</span> : null}
              </li>
            ))}
          </ul>
        )}
      </Card>

      <Card title="Blast radius" id="plan-blast-heading">
        <BlastRadiusBody b={plan.blastRadius} />
      </Card>
    </div>
  );
}

function Sentences({ title, items, testId }: { title: string; items: string[]; testId: string }) {
  if (items.length === 0) return null;
  return (
    <div className="mt-2">
      <p className="text-xs font-medium uppercase tracking-wide opacity-80">{title}</p>
      <ul className="list-disc space-y-0.5 pl-5 text-sm" data-testid={testId}>
        {items.map((s, i) => (
          <li key={i}>{s}</li>
        ))}
      </ul>
    </div>
  );
}

function OtherList({ items, label, empty }: { items: Other[]; label: string; empty: string }) {
  return (
    <div className="mt-2">
      <p className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</p>
      {items.length === 0 ? (
        <p className="text-sm text-slate-500">{empty}</p>
      ) : (
        <ul className="mt-1 space-y-1 text-sm">
          {items.map((o) => (
            <li key={o.id} className="flex flex-wrap items-center gap-2">
              <Link href={`/operations/${o.id}`} className="font-mono underline decoration-slate-300">
                {o.type} {shortId(o.id)}
              </Link>
              <StateBadge state={o.state} />
              <span className="text-xs text-slate-500">by {o.actor}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
