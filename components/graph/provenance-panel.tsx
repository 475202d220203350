"use client";

// Where the selected edge or service came from (docs/graph-sources.md): each
// source with its origin, when it first and last declared or observed the
// element, and for TRACES the requests over the window. Reads the page's one
// provenance index (a Map lookup per selection), never the API per element.
import { useEffect, useMemo, useState } from "react";
import type { TTopology } from "@/lib/api/graph";
import { formatTime } from "@/lib/format";
import { KIND_LABEL } from "./graph-elements";
import { EDGE_LOOK, EDGE_PROVENANCE_LABEL, SOURCE_LABEL, ageText, edgeKeyOf, edgeProvenance, evidenceText, sortedSources, type EdgeProvenance, type ProvenanceIndex, type ProvenanceRecord } from "./provenance";

/** Each edge of a service listed for keyboard selection, up to this many each way. */
const EDGES_LISTED = 25;

/** The current time, moving every `everyMs`, so relative ages stay true while a page is open. */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** A relative age ("5 min ago") with the absolute time, and the ISO value, on hover. */
export function Age({ iso, now, className = "" }: { iso: string | null | undefined; now: number; className?: string }) {
  if (!iso) return <span className="text-slate-400">—</span>;
  return (
    <time dateTime={iso} title={`${formatTime(iso)} (${iso})`} className={`whitespace-nowrap tabular-nums underline decoration-dotted decoration-slate-400 underline-offset-2 ${className}`}>
      {ageText(iso, now)}
    </time>
  );
}

/** A small drawing of an edge's look, for the legend and the panel. */
export function EdgeSwatch({ provenance }: { provenance: Exclude<EdgeProvenance, "unknown"> }) {
  const look = EDGE_LOOK[provenance];
  const head = look.arrow === "open" ? <polyline points="30,3 36,7 30,11" fill="none" stroke={look.strongColour} strokeWidth={1.5} /> : <polygon points="29,2.5 37,7 29,11.5" fill={look.strongColour} />;
  return (
    <svg aria-hidden width="40" height="14" viewBox="0 0 40 14" className="inline-block shrink-0 align-middle">
      <line x1="2" y1="7" x2={look.arrow === "open" ? 35 : 30} y2="7" stroke={look.strongColour} strokeWidth={look.double ? 4 : 1.5} />
      {look.double ? <line x1="2" y1="7" x2="30" y2="7" stroke="#fff" strokeWidth={1.6} /> : null}
      {head}
    </svg>
  );
}

type Selection = { kind: "edge"; key: string } | { kind: "service"; name: string } | null;

export function ProvenancePanel({
  selection,
  topology,
  index,
  isLoading,
  error,
  onSelectEdge,
  onRetry,
}: {
  selection: Selection;
  topology: TTopology;
  index: ProvenanceIndex | null;
  isLoading: boolean;
  error: Error | null;
  onSelectEdge: (key: string) => void;
  onRetry: () => void;
}) {
  const now = useNow();
  return (
    <section aria-labelledby="provenance-heading" className="rounded-lg border border-slate-200 bg-white p-4" data-testid="provenance-panel">
      <h2 id="provenance-heading" className="text-base font-semibold">Provenance</h2>
      {error ? (
        <div role="alert" className="mt-2 rounded border border-amber-200 bg-amber-50 p-2 text-sm text-amber-900">
          <p>Where the elements came from could not be loaded: {error.message}. Edges are drawn without it.</p>
          <button type="button" onClick={onRetry} className="mt-1 rounded border border-amber-300 bg-white px-2 py-0.5 text-xs font-medium hover:bg-amber-100">
            Retry
          </button>
        </div>
      ) : null}
      {!selection ? (
        <p className="mt-1 text-sm text-slate-600">Click an edge or a service to see which sources declare or observe it, and when they last did.</p>
      ) : isLoading ? (
        <p role="status" className="mt-1 text-sm text-slate-600">Loading provenance …</p>
      ) : selection.kind === "edge" ? (
        <EdgeProvenanceView edgeKey={selection.key} topology={topology} index={index} now={now} />
      ) : (
        <ServiceProvenanceView name={selection.name} topology={topology} index={index} now={now} onSelectEdge={onSelectEdge} />
      )}
    </section>
  );
}

function EdgeProvenanceView({ edgeKey, topology, index, now }: { edgeKey: string; topology: TTopology; index: ProvenanceIndex | null; now: number }) {
  const edge = useMemo(() => topology.dependencies.find((d) => edgeKeyOf(d.from, d.to) === edgeKey) ?? null, [topology, edgeKey]);
  const entry = index?.edges.get(edgeKey);
  const provenance = index ? edgeProvenance(entry) : "unknown";
  const [from, to] = edgeKey.split("->");
  return (
    <div className="mt-1 space-y-2 text-sm" data-testid="edge-provenance" data-edge={edgeKey} data-provenance={provenance}>
      <p>
        <span className="font-mono font-semibold">{from}</span> depends on <span className="font-mono font-semibold">{to}</span>
        {edge ? <span className="text-slate-600"> ({KIND_LABEL[edge.kind]})</span> : <span className="text-slate-600"> — no longer in the graph</span>}
      </p>
      <p className="flex items-center gap-2" data-testid="edge-provenance-kind">
        {provenance !== "unknown" ? <EdgeSwatch provenance={provenance} /> : null}
        <span className="font-medium">{EDGE_PROVENANCE_LABEL[provenance]}</span>
      </p>
      <SourceList sources={entry?.sources ?? []} now={now} />
    </div>
  );
}

function ServiceProvenanceView({ name, topology, index, now, onSelectEdge }: { name: string; topology: TTopology; index: ProvenanceIndex | null; now: number; onSelectEdge: (key: string) => void }) {
  const { outgoing, incoming } = useMemo(
    () => ({ outgoing: topology.dependencies.filter((d) => d.from === name), incoming: topology.dependencies.filter((d) => d.to === name) }),
    [topology, name],
  );
  const edgeButton = (from: string, to: string, other: string) => {
    const key = edgeKeyOf(from, to);
    const p = index ? edgeProvenance(index.edges.get(key)) : "unknown";
    return (
      <li key={key}>
        <button type="button" onClick={() => onSelectEdge(key)} className="flex w-full items-center gap-2 rounded px-1 py-0.5 text-left text-xs hover:bg-slate-100" aria-label={`Provenance of ${from} depends on ${to} (${EDGE_PROVENANCE_LABEL[p]})`}>
          {p !== "unknown" ? <EdgeSwatch provenance={p} /> : <span className="inline-block w-10" />}
          <span className="truncate font-mono">{other}</span>
        </button>
      </li>
    );
  };
  return (
    <div className="mt-1 space-y-2 text-sm" data-testid="service-provenance" data-service={name}>
      <p>
        Service <span className="font-mono font-semibold">{name}</span>
      </p>
      <SourceList sources={index?.services.get(name) ?? []} now={now} />
      <details open={outgoing.length + incoming.length <= 12}>
        <summary className="cursor-pointer text-xs font-medium uppercase tracking-wide text-slate-600">
          Its edges ({outgoing.length} out, {incoming.length} in)
        </summary>
        {outgoing.length > 0 && (
          <>
            <p className="mt-1 text-xs text-slate-500">Depends on</p>
            <ul>{outgoing.slice(0, EDGES_LISTED).map((d) => edgeButton(d.from, d.to, d.to))}</ul>
            {outgoing.length > EDGES_LISTED && <p className="text-xs text-slate-500">and {outgoing.length - EDGES_LISTED} more (click them on the graph)</p>}
          </>
        )}
        {incoming.length > 0 && (
          <>
            <p className="mt-1 text-xs text-slate-500">Depended on by</p>
            <ul>{incoming.slice(0, EDGES_LISTED).map((d) => edgeButton(d.from, d.to, d.from))}</ul>
            {incoming.length > EDGES_LISTED && <p className="text-xs text-slate-500">and {incoming.length - EDGES_LISTED} more (click them on the graph)</p>}
          </>
        )}
      </details>
    </div>
  );
}

function SourceList({ sources, now }: { sources: readonly ProvenanceRecord[]; now: number }) {
  if (sources.length === 0) return <p className="text-xs text-slate-500">No source is recorded for it.</p>;
  return (
    <ul className="space-y-2" aria-label="Sources">
      {sortedSources(sources).map((s) => {
        const evidence = s.source === "TRACES" ? evidenceText(s.evidence) : null;
        return (
          <li key={`${s.source}:${s.origin}`} className="rounded border border-slate-200 px-2 py-1.5" data-testid="provenance-source" data-source={s.source}>
            <p className="flex items-baseline justify-between gap-2">
              <span className="font-medium">{SOURCE_LABEL[s.source]}</span>
              <span className={`rounded px-1 text-[10px] font-semibold uppercase ${s.source === "TRACES" ? "bg-teal-50 text-teal-800" : "bg-slate-100 text-slate-700"}`}>{s.source === "TRACES" ? "observed" : "declared"}</span>
            </p>
            <p className="break-all font-mono text-xs text-slate-700" title="Origin">{s.origin}</p>
            <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-2 text-xs text-slate-600">
              <dt>First seen</dt>
              <dd><Age iso={s.firstSeenAt} now={now} /></dd>
              <dt>Last seen</dt>
              <dd><Age iso={s.lastSeenAt} now={now} /></dd>
              {evidence ? (
                <>
                  <dt>Evidence</dt>
                  <dd data-testid="provenance-evidence">{evidence}</dd>
                </>
              ) : null}
            </dl>
          </li>
        );
      })}
    </ul>
  );
}
