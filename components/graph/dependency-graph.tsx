"use client";

import "@xyflow/react/dist/style.css";
import { useQueries, useQuery } from "@tanstack/react-query";
import { Background, Controls, MiniMap, Panel, ReactFlow, type Edge, type EdgeMouseHandler, type FitViewOptions, type NodeMouseHandler } from "@xyflow/react";
import { useId, useMemo, useRef, useState } from "react";
import { ApiError, apiFetch, qs } from "@/lib/api/client";
import type { TBlastRadius, TTopology } from "@/lib/api/graph";
import type { TGraphProvenance } from "@/lib/api/graph-live";
import type { TOperationPage } from "@/lib/api/operations";
import { queryKeys } from "@/lib/api/query-keys";
import { BLAST_SETS, BLAST_SET_LABEL, blastSets, inFlightOverlaps, namesInSet, servicesInOverlap, type InFlightOperation } from "./blast";
import { buildEdges, buildNodes, inFlightByService, reuseUnchanged, type GraphFlowNode, type Highlight } from "./graph-elements";
import { BLAST_STYLE, CRITICALITY_STYLE, EDGE_TYPES, NODE_TYPES } from "./graph-nodes";
import { layoutTopology } from "./layout";
import { EDGE_PROVENANCE_LABEL, indexProvenance } from "./provenance";
import { EdgeSwatch, ProvenancePanel } from "./provenance-panel";

export const IN_FLIGHT_STATES = ["INIT", "LOCKED", "SAFETY_CHECK", "IN_PROGRESS", "PAUSED_FOR_HUMAN_REVIEW"] as const;
const IN_FLIGHT_LIMIT = 200;
/** In-flight operations whose blast radius is fetched for the overlap check. */
const OVERLAP_CHECK_LIMIT = 50;
/** Edge labels (async, data) only up to this many services: beyond, the dash style and the legend say it. */
const EDGE_LABEL_LIMIT = 200;
const MINIMAP_COLOUR: Record<string, string> = { direct: "#e11d48", shared: "#8b5cf6", downstream: "#f59e0b", upstream: "#0ea5e9", none: "#cbd5e1" };

export type Subject = { kind: "service"; service: string } | { kind: "operation"; operationId: string } | null;
const subjectKey = (s: NonNullable<Subject>) => (s.kind === "service" ? `service:${s.service}` : `operation:${s.operationId}`);

/** `initial`: what to select on arrival (`/graph?service=…` or `?operation=…`, e.g. from a review page). */
/** Up to this many services the whole graph is drawn and opens at a zoom where its labels can be read. */
const READABLE_GRAPH = 150;
// Keep nodes clear of the zoom controls (left) and the minimap (bottom right).
const PADDING: FitViewOptions["padding"] = { top: "24px", left: "56px", right: "24px", bottom: "112px" };
/**
 * The first view of a graph of up to READABLE_GRAPH services: never zoomed out
 * so far that the names cannot be read (13 px labels stay at 9 px or more); one
 * wider than the pane opens on its middle and is panned, or shown whole with
 * the fit button. A larger graph opens whole, as an overview.
 */
const OPENING_VIEW: FitViewOptions = { padding: PADDING, minZoom: 0.7 };
const WHOLE_GRAPH: FitViewOptions = { padding: PADDING, minZoom: 0.02 };

/** Where every element came from: one request for the whole graph (refetched on the "graph" topic), shared by the drawing and the panel. */
const provenanceQuery = { queryKey: queryKeys.graphProvenance(), queryFn: ({ signal }: { signal: AbortSignal }) => apiFetch<TGraphProvenance>("/api/v1/graph/provenance", { signal }) };

export function DependencyGraph({ initial = null }: { initial?: Subject } = {}) {
  const topology = useQuery({ queryKey: queryKeys.graph(), queryFn: ({ signal }) => apiFetch<TTopology>("/api/v1/graph", { signal }) });
  // Fetched alongside the topology and awaited (or its failure) before the first drawing:
  // drawing without it and again with it would lay out every edge twice (10,000 services: 30,000 edges).
  const provenance = useQuery(provenanceQuery);

  if (topology.isPending || provenance.isPending) {
    return (
      <div role="status" className="flex h-[60vh] items-center justify-center rounded-lg border border-slate-200 bg-white text-sm text-slate-600">
        Loading the dependency graph …
      </div>
    );
  }
  if (topology.isError) {
    return <ErrorBox title="The dependency graph could not be loaded" error={topology.error} onRetry={() => void topology.refetch()} />;
  }
  if (topology.data.services.length === 0) {
    return (
      <p className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600">
        The dependency graph is empty: no services are stored yet. Import a topology with <code className="font-mono">npm run graph:import</code>, or start a new store with INTERLOCK_SEED_DEMO=true to load the demo topology.
      </p>
    );
  }
  return <GraphWorkspace topology={topology.data} initial={initial} />;
}

function GraphWorkspace({ topology, initial }: { topology: TTopology; initial: Subject }) {
  const ids = { filter: useId(), service: useId(), operation: useId(), groups: useId() };
  const [subject, setSubject] = useState<Subject>(() => (initial?.kind === "service" && !topology.services.some((s) => s.name === initial.service) ? null : initial));
  const [filter, setFilter] = useState("");
  const [showMinimap, setShowMinimap] = useState(true);
  const [showGroups, setShowGroups] = useState(() => topology.resourceGroups.reduce((n, g) => n + g.members.length, 0) <= 300);
  /** The edge whose provenance is shown (`from->to`); a click on a node clears it. */
  const [selectedEdge, setSelectedEdge] = useState<string | null>(null);

  // Indexed once per answer: a selection is a Map lookup.
  const provenance = useQuery(provenanceQuery);
  const provenanceIndex = useMemo(() => (provenance.data ? indexProvenance(provenance.data) : null), [provenance.data]);

  // Layout once per topology: a selection never re-runs it.
  const layout = useMemo(() => layoutTopology(topology), [topology]);
  const serviceNames = useMemo(() => topology.services.map((s) => s.name).sort(), [topology]);

  // In-flight operations (the "operations" topic refetches them live).
  const inFlightFilters = { state: IN_FLIGHT_STATES.join(","), limit: IN_FLIGHT_LIMIT };
  const inFlight = useQuery({
    queryKey: queryKeys.operations(inFlightFilters),
    queryFn: ({ signal }) => apiFetch<TOperationPage>(`/api/v1/operations${qs(inFlightFilters)}`, { signal }),
  });
  const operations: InFlightOperation[] = useMemo(() => (inFlight.data?.items ?? []).map(({ id, service, state, type }) => ({ id, service, state, type })), [inFlight.data]);

  // Each in-flight operation's blast radius, for the overlap check (shares the cache with the operation select).
  const radiusQueries = useQueries({
    queries: operations.slice(0, OVERLAP_CHECK_LIMIT).map((op) => ({
      queryKey: queryKeys.blastRadius(`operation:${op.id}`),
      queryFn: ({ signal }: { signal: AbortSignal }) => apiFetch<TBlastRadius>(`/api/v1/graph/blast-radius${qs({ operationId: op.id })}`, { signal }),
    })),
  });
  const radiiSignature = radiusQueries.map((q) => q.dataUpdatedAt).join(",");
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the signature changes exactly when a radius does
  const radii = useMemo(() => new Map(operations.slice(0, OVERLAP_CHECK_LIMIT).flatMap((op, i) => (radiusQueries[i]?.data ? [[op.id, radiusQueries[i].data] as const] : []))), [operations, radiiSignature]);
  const overlaps = useMemo(() => inFlightOverlaps(operations, radii), [operations, radii]);
  const conflicted = useMemo(() => servicesInOverlap(overlaps), [overlaps]);
  const byService = useMemo(() => inFlightByService(operations), [operations]);

  // The selected blast radius.
  const radius = useQuery({
    queryKey: subject ? queryKeys.blastRadius(subjectKey(subject)) : ["graph", "blast-radius", "none"],
    queryFn: ({ signal }) => apiFetch<TBlastRadius>(`/api/v1/graph/blast-radius${qs(subject!.kind === "service" ? { service: subject!.service } : { operationId: subject!.operationId })}`, { signal }),
    enabled: subject !== null,
  });
  const shownRadius = subject && radius.data ? radius.data : null;
  const sets = useMemo(() => blastSets(shownRadius), [shownRadius]);
  const highlight: Highlight = useMemo(() => ({ sets, active: shownRadius !== null, inFlightByService: byService, conflicted }), [sets, shownRadius, byService, conflicted]);

  const previousNodes = useRef<GraphFlowNode[]>([]);
  const previousEdges = useRef<Edge[]>([]);
  const nodes = useMemo(() => (previousNodes.current = reuseUnchanged(previousNodes.current, buildNodes(topology, layout, highlight, showGroups))), [topology, layout, highlight, showGroups]);
  const edges = useMemo(
    () =>
      (previousEdges.current = reuseUnchanged(
        previousEdges.current,
        buildEdges(topology, highlight, { showGroups, labels: topology.services.length <= EDGE_LABEL_LIMIT, provenance: provenanceIndex, selectedEdge }),
      )),
    [topology, highlight, showGroups, provenanceIndex, selectedEdge],
  );

  const onNodeClick: NodeMouseHandler<GraphFlowNode> = (_, node) => {
    if (node.type === "service") {
      setSubject({ kind: "service", service: node.id });
      setSelectedEdge(null);
    }
  };
  const onEdgeClick: EdgeMouseHandler = (_, edge) => {
    const key = (edge.data as { key?: unknown } | undefined)?.key;
    if (typeof key === "string") setSelectedEdge(key);
  };

  const needle = filter.trim().toLowerCase();
  const selectedService = subject?.kind === "service" ? subject.service : "";
  const listedServices = needle ? serviceNames.filter((n) => n.includes(needle) || n === selectedService) : serviceNames;
  const selectedOperation = subject?.kind === "operation" ? subject.operationId : "";

  return (
    <div className="space-y-4">
      <form className="flex flex-wrap items-end gap-4 rounded-lg border border-slate-200 bg-white p-4" onSubmit={(e) => e.preventDefault()} aria-label="Blast radius subject">
        <div className="flex flex-col gap-1">
          <label htmlFor={ids.filter} className="text-xs font-medium uppercase tracking-wide text-slate-600">Filter services</label>
          <input
            id={ids.filter}
            type="search"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            placeholder="e.g. payment"
            className="w-48 rounded border border-slate-300 px-2 py-1.5 text-sm"
          />
        </div>
        <div className="flex flex-col gap-1">
          <label htmlFor={ids.service} className="text-xs font-medium uppercase tracking-wide text-slate-600">Service</label>
          <select
            id={ids.service}
            value={selectedService}
            onChange={(e) => {
              setSubject(e.target.value ? { kind: "service", service: e.target.value } : null);
              setSelectedEdge(null);
            }}
            className="w-64 rounded border border-slate-300 bg-white px-2 py-1.5 font-mono text-sm"
          >
            <option value="">{needle ? `— ${listedServices.length} of ${serviceNames.length} match —` : `— choose one of ${serviceNames.length} —`}</option>
            {listedServices.map((name) => (
              <option key={name} value={name}>{name}</option>
            ))}
          </select>
        </div>
        <div className="flex flex-col gap-1">
          <label htmlFor={ids.operation} className="text-xs font-medium uppercase tracking-wide text-slate-600">In-flight operation</label>
          <select
            id={ids.operation}
            value={selectedOperation}
            onChange={(e) => setSubject(e.target.value ? { kind: "operation", operationId: e.target.value } : null)}
            disabled={operations.length === 0 && !selectedOperation}
            className="w-80 rounded border border-slate-300 bg-white px-2 py-1.5 text-sm disabled:bg-slate-100 disabled:text-slate-500"
          >
            <option value="">{inFlight.isPending ? "Loading …" : operations.length === 0 ? "— none in flight —" : `— choose one of ${operations.length} —`}</option>
            {operations.map((op) => (
              <option key={op.id} value={op.id}>{`${op.type} on ${op.service} (${op.state}) · ${op.id.slice(0, 8)}`}</option>
            ))}
            {selectedOperation && !operations.some((op) => op.id === selectedOperation) && <option value={selectedOperation}>{`${selectedOperation.slice(0, 8)} (no longer in flight)`}</option>}
          </select>
        </div>
        <button
          type="button"
          onClick={() => {
            setSubject(null);
            setSelectedEdge(null);
          }}
          disabled={!subject && !selectedEdge}
          className="rounded border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50 disabled:cursor-not-allowed disabled:opacity-50"
        >
          Clear selection
        </button>
        <label htmlFor={ids.groups} className="flex items-center gap-2 pb-1.5 text-sm text-slate-700">
          <input id={ids.groups} type="checkbox" checked={showGroups} onChange={(e) => setShowGroups(e.target.checked)} />
          Show resource groups
        </label>
      </form>

      <div className="grid gap-4 min-[1800px]:grid-cols-[minmax(0,1fr)_20rem]">
        <section aria-label="Dependency graph drawing" className="h-[calc(100vh-14rem)] min-h-[520px] overflow-hidden rounded-lg border border-slate-200 bg-white">
          <ReactFlow<GraphFlowNode>
            key={`${topology.services.length}:${topology.dependencies.length}:${layout.width}`}
            nodes={nodes}
            edges={edges}
            nodeTypes={NODE_TYPES}
            edgeTypes={EDGE_TYPES}
            onNodeClick={onNodeClick}
            onEdgeClick={onEdgeClick}
            onlyRenderVisibleElements={topology.services.length > READABLE_GRAPH}
            nodesDraggable={false}
            nodesConnectable={false}
            elementsSelectable={false}
            edgesFocusable={false}
            fitView
            fitViewOptions={topology.services.length <= READABLE_GRAPH ? OPENING_VIEW : WHOLE_GRAPH}
            minZoom={0.02}
            maxZoom={2}
          >
            <Background gap={24} color="#e2e8f0" />
            {/* The fit button shows the whole graph, however small its labels get. */}
            <Controls showInteractive={false} fitViewOptions={WHOLE_GRAPH} />
            {showMinimap ? (
              <MiniMap
                pannable
                zoomable
                ariaLabel="Minimap of the dependency graph"
                className="!m-2 rounded border border-slate-200 !bg-white/90"
                style={{ width: 150, height: 96 }}
                nodeColor={(node) => (node.type === "resourceGroup" ? "#c4b5fd" : MINIMAP_COLOUR[(node.data as { blast?: string }).blast ?? "none"] ?? "#cbd5e1")}
                nodeStrokeWidth={2}
              />
            ) : null}
            <Panel position="top-right" className="!m-2">
              <button type="button" onClick={() => setShowMinimap((v) => !v)} aria-pressed={showMinimap} className="rounded border border-slate-300 bg-white/90 px-2 py-0.5 text-xs text-slate-700 shadow-sm hover:bg-slate-50">
                {showMinimap ? "Hide minimap" : "Show minimap"}
              </button>
            </Panel>
          </ReactFlow>
        </section>

        <aside aria-label="Blast radius and in-flight operations" className="grid content-start items-start gap-4 lg:max-[1799px]:grid-cols-2 xl:max-[1799px]:grid-cols-4">
          <ProvenancePanel
            selection={selectedEdge ? { kind: "edge", key: selectedEdge } : subject?.kind === "service" ? { kind: "service", name: subject.service } : null}
            topology={topology}
            index={provenanceIndex}
            isLoading={provenance.isPending}
            error={provenance.isError ? provenance.error : null}
            onSelectEdge={setSelectedEdge}
            onRetry={() => void provenance.refetch()}
          />
          <BlastPanel subject={subject} radius={radius.data ?? null} isLoading={subject !== null && radius.isPending} error={radius.isError ? radius.error : null} onRetry={() => void radius.refetch()} />
          <InFlightPanel operations={operations} overlaps={overlaps} truncated={Boolean(inFlight.data?.nextCursor)} isLoading={inFlight.isPending} error={inFlight.isError ? inFlight.error : null} onRetry={() => void inFlight.refetch()} onSelect={(id) => setSubject({ kind: "operation", operationId: id })} conflicted={conflicted} />
          <Legend strategy={layout.strategy} />
        </aside>
      </div>
    </div>
  );
}

/** The BLAST_RADIUS gate's figure: the weighted score as a share of all services, in percent (one decimal). */
function estimatedImpact(radius: Pick<TBlastRadius, "score" | "totalServices">): number {
  return radius.totalServices ? Math.round((radius.score / radius.totalServices) * 1000) / 10 : 0;
}

function BlastPanel({ subject, radius, isLoading, error, onRetry }: { subject: Subject; radius: TBlastRadius | null; isLoading: boolean; error: Error | null; onRetry: () => void }) {
  return (
    <section aria-labelledby="blast-heading" className="rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="blast-heading" className="text-base font-semibold">Blast radius</h2>
      <div role="status" aria-live="polite" className="text-sm">
        {!subject ? (
          <p className="mt-1 text-slate-600">Choose a service (click a node, or use the Service list) or an in-flight operation to see what a change to it would reach.</p>
        ) : isLoading ? (
          <p className="mt-1 text-slate-600">Computing the blast radius …</p>
        ) : error ? null : radius ? (
          <p className="mt-1 text-slate-700" data-testid="blast-summary">
            Changing <span className="font-mono font-semibold">{radius.subject.service}</span>
            {radius.subject.operationId ? <> (operation <span className="font-mono">{radius.subject.operationId.slice(0, 8)}</span>)</> : null} reaches {radius.affectedCount} of {radius.totalServices} services within {radius.depth} hops.
          </p>
        ) : null}
      </div>
      {error && subject && <ErrorBox title="The blast radius could not be computed" error={error} onRetry={onRetry} compact />}
      {radius && subject && !isLoading && !error && (
        <>
          <dl className="mt-3 grid grid-cols-2 gap-2">
            <div className="rounded border border-slate-200 px-3 py-2">
              <dt className="text-xs uppercase tracking-wide text-slate-500">Score</dt>
              <dd className="text-xl font-semibold tabular-nums" data-testid="blast-score">{radius.score}</dd>
            </div>
            <div className="rounded border border-slate-200 px-3 py-2">
              <dt className="text-xs uppercase tracking-wide text-slate-500">Services reached</dt>
              <dd className="text-xl font-semibold tabular-nums" data-testid="blast-percentage">{radius.percentage} %</dd>
              <dd className="text-xs text-slate-500">of all {radius.totalServices} services, within {radius.depth} hops</dd>
            </div>
            <div className="col-span-2 rounded border border-slate-200 px-3 py-2">
              <dt className="text-xs uppercase tracking-wide text-slate-500">Estimated impact</dt>
              <dd className="text-xl font-semibold tabular-nums" data-testid="blast-impact">{estimatedImpact(radius)} %</dd>
              <dd className="text-xs text-slate-500">score ÷ all {radius.totalServices} services: the figure the blast-radius gate compares with its threshold</dd>
            </div>
          </dl>
          <p className="mt-1 text-xs text-slate-500">
            Score = 1.0 × direct + 0.8 × shared resource + 0.5 × downstream + 0.3 × upstream. &ldquo;Services reached&rdquo; counts every service once, unweighted; the estimated impact weighs them, so it is never the larger figure (docs/conflicts.md, docs/gates.md).
          </p>
          <ul className="mt-3 space-y-2">
            {BLAST_SETS.map((set) => {
              const names = namesInSet(radius, set);
              return (
                <li key={set}>
                  <details open={names.length > 0 && names.length <= 24}>
                    <summary className="flex cursor-pointer items-center gap-2 text-sm">
                      <span aria-hidden className={`inline-block h-3 w-3 rounded-sm ${BLAST_STYLE[set].swatch}`} />
                      <span className="font-medium">{BLAST_SET_LABEL[set]}</span>
                      <span className="ml-auto tabular-nums text-slate-700" data-testid={`blast-count-${set}`}>{names.length}</span>
                    </summary>
                    {names.length === 0 ? (
                      <p className="ml-5 mt-1 text-xs text-slate-500">None.</p>
                    ) : (
                      <ul className="ml-5 mt-1 flex flex-wrap gap-1">
                        {names.map((name) => (
                          <li key={name} className="whitespace-nowrap rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-700">{name}</li>
                        ))}
                      </ul>
                    )}
                  </details>
                </li>
              );
            })}
          </ul>
        </>
      )}
    </section>
  );
}

function InFlightPanel({
  operations,
  overlaps,
  conflicted,
  truncated,
  isLoading,
  error,
  onRetry,
  onSelect,
}: {
  operations: InFlightOperation[];
  overlaps: ReturnType<typeof inFlightOverlaps>;
  conflicted: Set<string>;
  truncated: boolean;
  isLoading: boolean;
  error: Error | null;
  onRetry: () => void;
  onSelect: (id: string) => void;
}) {
  return (
    <section aria-labelledby="in-flight-heading" className="rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="in-flight-heading" className="text-base font-semibold">In flight</h2>
      {isLoading ? (
        <p role="status" className="mt-1 text-sm text-slate-600">Loading in-flight operations …</p>
      ) : error ? (
        <ErrorBox title="In-flight operations could not be loaded" error={error} onRetry={onRetry} compact />
      ) : operations.length === 0 ? (
        <p className="mt-1 text-sm text-slate-600">No operation is in flight (INIT, LOCKED, SAFETY_CHECK, IN_PROGRESS or paused for review). Services with one get a ▶ marker; overlapping ones a red outline.</p>
      ) : (
        <>
          {overlaps.length > 0 && (
            <div className="mt-2 rounded border border-red-200 bg-red-50 p-2 text-sm text-red-900" data-testid="in-flight-overlaps">
              <p className="font-semibold">⚠ {overlaps.length} overlapping in-flight {overlaps.length === 1 ? "pair" : "pairs"}</p>
              <ul className="mt-1 space-y-1">
                {overlaps.map(({ a, b, set }) => (
                  <li key={`${a.id}:${b.id}`}>
                    <span className="font-mono">{b.service}</span> ({b.state}) is {set === "direct" ? "the same service as" : <>in the {BLAST_SET_LABEL[set].toLowerCase()} set of</>} <span className="font-mono">{a.service}</span> ({a.state})
                  </li>
                ))}
              </ul>
            </div>
          )}
          <ul className="mt-2 divide-y divide-slate-100 text-sm">
            {operations.map((op) => (
              <li key={op.id} className="flex items-center gap-2 py-1.5">
                <span aria-hidden className={conflicted.has(op.service) ? "text-red-600" : "text-indigo-600"}>{conflicted.has(op.service) ? "⚠" : "▶"}</span>
                <span className="min-w-0 flex-1">
                  <span className="font-mono text-xs text-slate-500">{op.id.slice(0, 8)}</span> {op.type.toLowerCase()} on <span className="font-mono">{op.service}</span> <span className="text-slate-500">({op.state})</span>
                </span>
                <button type="button" onClick={() => onSelect(op.id)} className="rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-50" aria-label={`Show the blast radius of operation ${op.id.slice(0, 8)} on ${op.service}`}>
                  Show
                </button>
              </li>
            ))}
          </ul>
          {truncated && <p className="mt-1 text-xs text-slate-500">Showing the newest {IN_FLIGHT_LIMIT}; overlaps are checked for the newest {OVERLAP_CHECK_LIMIT}.</p>}
        </>
      )}
    </section>
  );
}

function Legend({ strategy }: { strategy: "dagre" | "layered" }) {
  return (
    <section aria-labelledby="legend-heading" className="rounded-lg border border-slate-200 bg-white p-4 text-xs text-slate-700">
      <h2 id="legend-heading" className="text-base font-semibold text-slate-900">Legend</h2>
      <ul className="mt-2 space-y-1.5">
        <li>Arrows point from a service to what it depends on; solid: sync API, dashed: async event, dotted: data.</li>
        <li>
          Where an edge comes from (click one for its sources):
          <ul className="mt-1 space-y-1" aria-label="Edge provenance">
            {(["declared", "observed", "both"] as const).map((p) => (
              <li key={p} className="flex items-center gap-2" data-testid="legend-provenance" data-provenance={p}>
                <EdgeSwatch provenance={p} />
                <span>
                  {p === "declared" ? "declared only (file, console or catalog): single line, closed arrowhead" : p === "observed" ? "observed only (traces): teal single line, open arrowhead" : "declared and observed: double line"}
                  <span className="sr-only"> ({EDGE_PROVENANCE_LABEL[p]})</span>
                </span>
              </li>
            ))}
          </ul>
        </li>
        <li className="flex flex-wrap items-center gap-1">
          Criticality (left stripe):
          {(Object.keys(CRITICALITY_STYLE) as (keyof typeof CRITICALITY_STYLE)[]).map((c) => (
            <span key={c} className={`rounded px-1 font-medium ${CRITICALITY_STYLE[c]}`}>{c}</span>
          ))}
        </li>
        <li><span className="rounded-md border-2 border-dashed border-violet-400 bg-violet-50 px-1">group</span> resource group, joined to its members by violet dashes.</li>
        <li><span className="rounded-full bg-indigo-600 px-1.5 font-semibold text-white">▶ 1</span> in-flight operations; <span className="rounded-full bg-red-600 px-1.5 font-semibold text-white">⚠ 1</span> with a red outline: overlaps another in-flight operation&apos;s blast radius.</li>
        <li className="text-slate-500">Layout: {strategy === "dagre" ? "dagre" : "layered (large graph)"}; zoom in for labels.</li>
      </ul>
    </section>
  );
}

function ErrorBox({ title, error, onRetry, compact = false }: { title: string; error: Error; onRetry: () => void; compact?: boolean }) {
  return (
    <div role="alert" className={`rounded-lg border border-red-200 bg-red-50 text-sm text-red-900 ${compact ? "mt-2 p-3" : "p-6"}`}>
      <p className="font-semibold">{title}</p>
      <p className="mt-1">{error instanceof ApiError ? error.message : "The server could not be reached."}</p>
      <button type="button" onClick={onRetry} className="mt-2 rounded border border-red-300 bg-white px-3 py-1 text-sm font-medium text-red-800 hover:bg-red-100">
        Retry
      </button>
    </div>
  );
}
