"use client";

// Apply a topology (docs/graph-changes.md#preview-then-apply): an admin pastes
// or uploads a topology (YAML or JSON, docs/topology.md), sees what it would
// change — elements added, removed and changed, and the in-flight operations
// whose conflicts change — and applies exactly that diff: the PUT carries the
// diff's baseRevision, so if the graph moved in between the server refuses
// (409) and the new diff is shown instead.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { ApiError, apiFetch, qs } from "@/lib/api/client";
import type { TTopology } from "@/lib/api/graph";
import type { TGraphChangeResult } from "@/lib/api/graph-live";
import { can, usePrincipal } from "../console/providers";
import { INPUT, LABEL, PRIMARY, SECONDARY } from "../incidents/common";
import { FormError } from "../kpis/query-states";
import { KIND_LABEL } from "./graph-elements";
import { DiffSummary, TopologyDiffView, diffCounts } from "./topology-diff-view";
import { describeTextProblem, parseTopologyText, topologyToYaml, type TextProblem } from "./topology-text";

type Observed = "keep" | "drop";
interface Prepared {
  topology: TTopology;
  origin: string | undefined;
  observed: Observed;
}

export function ApplyTopology() {
  const principal = usePrincipal();
  const admin = can(principal, "ADMIN");
  const ids = { text: useId(), file: useId(), origin: useId(), observed: useId(), hint: useId() };
  const client = useQueryClient();
  const [text, setText] = useState("");
  const [origin, setOrigin] = useState("");
  const [observed, setObserved] = useState<Observed>("keep");
  const [problems, setProblems] = useState<TextProblem[]>([]);
  const [prepared, setPrepared] = useState<Prepared | null>(null);
  /** Set when an apply was refused because the graph moved: the diff shown is the recomputed one. */
  const [moved, setMoved] = useState<{ from: number; to: number } | null>(null);
  const [applied, setApplied] = useState<TGraphChangeResult | null>(null);

  const query = (p: Prepared, expectedRevision?: number) => qs({ source: "CONSOLE", origin: p.origin, observed: p.observed, expectedRevision });
  const diff = useMutation({
    mutationFn: (p: Prepared) => apiFetch<TGraphChangeResult>(`/api/v1/graph/diff${query(p)}`, { body: p.topology }),
  });
  const apply = useMutation({
    mutationFn: ({ p, baseRevision }: { p: Prepared; baseRevision: number }) => apiFetch<TGraphChangeResult>(`/api/v1/graph${query(p, baseRevision)}`, { method: "PUT", body: p.topology }),
    onSuccess: (result) => {
      setApplied(result);
      diff.reset();
      setMoved(null);
      void client.invalidateQueries({ queryKey: ["graph"] });
    },
    onError: (error, { p, baseRevision }) => {
      // The graph moved since the diff: show the diff against the graph as it is now, to review and apply again.
      if (error instanceof ApiError && error.status === 409 && typeof error.details.revision === "number" && error.details.revision !== baseRevision) {
        setMoved({ from: baseRevision, to: error.details.revision });
        apply.reset();
        diff.mutate(p);
      }
    },
  });
  const loadCurrent = useMutation({
    mutationFn: () => apiFetch<TTopology>("/api/v1/graph"),
    onSuccess: (topology) => change(topologyToYaml(topology)),
  });

  const change = (next: string) => {
    setText(next);
    setProblems([]);
    setPrepared(null);
    setMoved(null);
    setApplied(null);
    diff.reset();
    apply.reset();
  };

  const showDiff = () => {
    const parsed = parseTopologyText(text);
    if (!parsed.ok) {
      setProblems(parsed.problems);
      setPrepared(null);
      diff.reset();
      return;
    }
    const p: Prepared = { topology: parsed.topology, origin: origin.trim() || undefined, observed };
    setProblems([]);
    setPrepared(p);
    setMoved(null);
    setApplied(null);
    apply.reset();
    diff.mutate(p);
  };

  if (!admin) {
    return (
      <section aria-labelledby="apply-topology-heading" className="rounded-lg border border-slate-200 bg-white p-4">
        <h2 id="apply-topology-heading" className="text-lg font-semibold">Apply a topology</h2>
        <p className="mt-1 text-sm text-slate-600">Changing the graph by hand needs the admin role. You are signed in as {principal.role.toLowerCase()}.</p>
      </section>
    );
  }

  const result = diff.data;
  const empty = result ? diffCounts(result.diff).added + diffCounts(result.diff).removed + diffCounts(result.diff).changed === 0 : true;
  return (
    <section aria-labelledby="apply-topology-heading" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
      <div>
        <h2 id="apply-topology-heading" className="text-lg font-semibold">Apply a topology</h2>
        <p className="text-sm text-slate-600" id={ids.hint}>
          The document becomes the whole declared graph (source CONSOLE). YAML in the topology file format (docs/topology.md) or JSON as <code className="font-mono">GET /api/v1/graph</code> answers. Show the diff first; Apply applies exactly that diff.
        </p>
      </div>
      <form
        className="space-y-3"
        aria-label="Apply a topology"
        onSubmit={(e) => {
          e.preventDefault();
          showDiff();
        }}
      >
        <div className="flex flex-wrap items-end gap-3">
          <div>
            <label htmlFor={ids.file} className={LABEL}>Upload a file</label>
            <input
              id={ids.file}
              type="file"
              accept=".yaml,.yml,.json,application/json,application/yaml,text/yaml,text/plain"
              className="block text-sm"
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (!file) return;
                void file.text().then((content) => {
                  change(content);
                  setOrigin(file.name);
                });
              }}
            />
          </div>
          <button type="button" className={SECONDARY} onClick={() => loadCurrent.mutate()} disabled={loadCurrent.isPending}>
            {loadCurrent.isPending ? "Loading …" : "Start from the current graph"}
          </button>
          <div>
            <label htmlFor={ids.origin} className={LABEL}>Origin</label>
            <input id={ids.origin} className={`${INPUT} w-56`} value={origin} onChange={(e) => setOrigin(e.target.value)} placeholder={`defaults to ${principal.email}`} maxLength={200} />
          </div>
          <div>
            <label htmlFor={ids.observed} className={LABEL}>Edges only observed in traffic</label>
            <select id={ids.observed} className={INPUT} value={observed} onChange={(e) => setObserved(e.target.value as Observed)}>
              <option value="keep">keep them (default)</option>
              <option value="drop">drop them: the graph becomes exactly the document</option>
            </select>
          </div>
        </div>
        {loadCurrent.isError ? <FormError error={loadCurrent.error} /> : null}
        <div>
          <label htmlFor={ids.text} className={LABEL}>Topology document (YAML or JSON)</label>
          <textarea
            id={ids.text}
            value={text}
            onChange={(e) => change(e.target.value)}
            rows={14}
            spellCheck={false}
            aria-describedby={ids.hint}
            aria-invalid={problems.length > 0 || undefined}
            className={`${INPUT} font-mono text-xs`}
            placeholder={"services:\n  - name: web\n    tier: 1\n    criticality: HIGH\n    team: edge\n    dependsOn: [api]\n  - name: api\n    tier: 2\n    criticality: MEDIUM\n    team: core\nresourceGroups: []"}
          />
        </div>
        {problems.length > 0 && (
          <div role="alert" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800" data-testid="topology-problems">
            <p className="font-semibold">The document has {problems.length} problem{problems.length === 1 ? "" : "s"}; nothing was sent:</p>
            <ul className="mt-1 list-disc pl-5 font-mono text-xs">
              {problems.map((p, i) => (
                <li key={i}>{describeTextProblem(p)}</li>
              ))}
            </ul>
          </div>
        )}
        <div className="flex items-center gap-2">
          <button type="submit" className={PRIMARY} disabled={diff.isPending || text.trim() === ""}>
            {diff.isPending ? "Computing the diff …" : "Show diff"}
          </button>
        </div>
      </form>

      {diff.isError ? <ServerProblems error={diff.error} /> : null}
      {moved ? (
        <p role="alert" className="rounded border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="graph-moved">
          The graph changed since the diff (revision {moved.from} → {moved.to}); nothing was applied. This is the diff against the graph as it is now: review it and apply again.
        </p>
      ) : null}
      {result && prepared ? (
        <div className="space-y-3 rounded border border-slate-200 p-3" data-testid="diff-result" data-base-revision={result.baseRevision}>
          <p className="text-sm" role="status">
            Against revision <span className="font-mono">{result.baseRevision}</span>: <DiffSummary diff={result.diff} />
          </p>
          <TopologyDiffView diff={result.diff} label="What applying the document changes" />
          {result.keptObserved.length > 0 && (
            <details className="text-sm">
              <summary className="cursor-pointer">{result.keptObserved.length} edge{result.keptObserved.length === 1 ? "" : "s"} only observed in traffic stay although the document leaves them out</summary>
              <ul className="ml-4 mt-1 font-mono text-xs">
                {result.keptObserved.slice(0, 200).map((e) => (
                  <li key={`${e.from}->${e.to}`}>{`${e.from} → ${e.to} (${KIND_LABEL[e.kind]})`}</li>
                ))}
              </ul>
            </details>
          )}
          {result.cycles.length > 0 && (
            <p className="text-sm text-amber-800">
              Cycles (accepted; they widen conflicts): {result.cycles.slice(0, 10).map((c) => c.join(" ⇄ ")).join("; ")}
              {result.cycles.length > 10 ? ` and ${result.cycles.length - 10} more` : ""}
            </p>
          )}
          <InFlightChanges result={result} />
          <div className="flex flex-wrap items-center gap-2">
            <button type="button" className={PRIMARY} disabled={apply.isPending || empty} onClick={() => apply.mutate({ p: prepared, baseRevision: result.baseRevision })} aria-describedby={empty ? `${ids.hint}-empty` : undefined}>
              {apply.isPending ? "Applying …" : "Apply"}
            </button>
            {empty ? (
              <span id={`${ids.hint}-empty`} className="text-xs text-slate-500">Nothing to apply: the graph already matches the document.</span>
            ) : (
              <span className="text-xs text-slate-500">Applies this diff at revision {result.baseRevision}, or nothing if the graph has moved.</span>
            )}
          </div>
          {apply.isError ? <ServerProblems error={apply.error} /> : null}
        </div>
      ) : null}
      {applied ? (
        <p role="status" className="rounded border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900" data-testid="apply-result">
          Applied: the graph is at revision <span className="font-mono">{applied.revision}</span> (<DiffSummary diff={applied.diff} />).
        </p>
      ) : null}
    </section>
  );
}

/** The in-flight operations whose conflicts the change alters: what they conflicted with before and after. */
function InFlightChanges({ result }: { result: TGraphChangeResult }) {
  if (result.inFlight.length === 0) return <p className="text-sm text-slate-600" data-testid="in-flight-changes" data-count="0">No in-flight operation&apos;s conflicts change.</p>;
  const describe = (list: TGraphChangeResult["inFlight"][number]["before"]) =>
    list.length === 0 ? "none" : list.map((c) => `${c.type}${c.with ? ` with ${c.with}` : ""} → ${c.action}`).join("; ");
  return (
    <div data-testid="in-flight-changes" data-count={result.inFlight.length}>
      <h3 className="text-sm font-semibold text-amber-900">⚠ {result.inFlight.length} in-flight operation{result.inFlight.length === 1 ? "" : "s"} whose conflicts change</h3>
      <table className="mt-1 min-w-full text-xs">
        <thead className="bg-slate-50 text-left uppercase tracking-wide text-slate-500">
          <tr>
            <th className="p-1.5">Operation</th>
            <th className="p-1.5">Conflicts before</th>
            <th className="p-1.5">Conflicts after</th>
          </tr>
        </thead>
        <tbody>
          {result.inFlight.map((op) => (
            <tr key={op.operationId} className="border-t border-slate-100 align-top">
              <td className="p-1.5">
                <a className="font-mono text-indigo-700 underline" href={`/operations/${op.operationId}`}>{op.operationId.slice(0, 8)}</a> {op.type.toLowerCase()} on <span className="font-mono">{op.service}</span>
              </td>
              <td className="p-1.5">{describe(op.before)}</td>
              <td className="p-1.5">{describe(op.after)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The server's refusal, with each problem it named (a 422 lists them in details.problems). */
function ServerProblems({ error }: { error: unknown }) {
  const problems = error instanceof ApiError && Array.isArray(error.details.problems) ? error.details.problems.map(String) : [];
  if (problems.length === 0) return <FormError error={error} />;
  return (
    <div role="alert" className="rounded border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
      <p>{error instanceof ApiError ? error.message.split(":")[0] : "Refused"}:</p>
      <ul className="mt-1 list-disc pl-5 font-mono text-xs">
        {problems.slice(0, 50).map((p, i) => (
          <li key={i}>{p}</li>
        ))}
      </ul>
    </div>
  );
}
