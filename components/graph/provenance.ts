// Where each element of the graph came from (docs/graph-changes.md,
// docs/graph-sources.md), for the graph page: one GET /api/v1/graph/provenance
// indexed by element key, the drawing style of an edge from its provenance,
// and the age and evidence texts the provenance panel shows. Pure.
import type { TGraphProvenance } from "@/lib/api/graph-live";

export type ProvenanceRecord = TGraphProvenance["services"][number]["sources"][number];
export type GraphSourceName = ProvenanceRecord["source"];
export type EdgeProvenanceEntry = TGraphProvenance["edges"][number];

/** declared: only FILE/CONSOLE/CATALOG say so; observed: only TRACES saw it; both; unknown: no source recorded (or provenance not loaded). */
export type EdgeProvenance = "declared" | "observed" | "both" | "unknown";

export interface ProvenanceIndex {
  revision: number;
  services: ReadonlyMap<string, ProvenanceRecord[]>;
  /** By edge key `from->to` (server/core/graph/live-graph-types.ts edgeKey). */
  edges: ReadonlyMap<string, EdgeProvenanceEntry>;
  groups: ReadonlyMap<string, ProvenanceRecord[]>;
}

export const edgeKeyOf = (from: string, to: string) => `${from}->${to}`;

/** The whole provenance answer, indexed once per revision: a selection is then a Map lookup, at any graph size. */
export function indexProvenance(provenance: TGraphProvenance): ProvenanceIndex {
  return {
    revision: provenance.revision,
    services: new Map(provenance.services.map((s) => [s.name, s.sources])),
    edges: new Map(provenance.edges.map((e) => [edgeKeyOf(e.from, e.to), e])),
    groups: new Map(provenance.groups.map((g) => [g.name, g.sources])),
  };
}

/** Declared by a FILE, CONSOLE or CATALOG row; observed by a TRACES row (the server's flags, else the rows). */
export function edgeProvenance(entry: EdgeProvenanceEntry | undefined): EdgeProvenance {
  if (!entry) return "unknown";
  const declared = entry.declared || entry.sources.some((s) => s.source !== "TRACES");
  const observed = entry.observed || entry.sources.some((s) => s.source === "TRACES");
  return declared && observed ? "both" : declared ? "declared" : observed ? "observed" : "unknown";
}

/**
 * How an edge is drawn, by provenance. Colour is never the only difference:
 * declared only is a single line with a closed arrowhead; observed only a
 * single line with an open arrowhead; both a double line (a wide stroke with a
 * white core) with a closed arrowhead. The dash pattern stays the kind's
 * (solid sync API, dashed async event, dotted data). "unknown" (no source
 * recorded, or the provenance did not load) is drawn like declared only.
 */
export interface EdgeLook {
  colour: string;
  strongColour: string;
  /** Width of the (outer) stroke. */
  width: number;
  arrow: "closed" | "open";
  double: boolean;
}

export const EDGE_LOOK: Record<EdgeProvenance, EdgeLook> = {
  declared: { colour: "#94a3b8", strongColour: "#334155", width: 1.25, arrow: "closed", double: false },
  unknown: { colour: "#94a3b8", strongColour: "#334155", width: 1.25, arrow: "closed", double: false },
  observed: { colour: "#0d9488", strongColour: "#115e59", width: 1.5, arrow: "open", double: false },
  both: { colour: "#6366f1", strongColour: "#3730a3", width: 4, arrow: "closed", double: true },
};

export const EDGE_PROVENANCE_LABEL: Record<EdgeProvenance, string> = {
  declared: "declared only",
  observed: "observed only",
  both: "declared and observed",
  unknown: "no source recorded",
};

export const SOURCE_LABEL: Record<GraphSourceName, string> = {
  FILE: "File (graph:import)",
  CONSOLE: "Console / API",
  CATALOG: "Catalog",
  TRACES: "Traces",
};

const UNITS: [number, string][] = [
  [86_400, "d"],
  [3_600, "h"],
  [60, "min"],
  [1, "s"],
];

/**
 * "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago" — the largest unit
 * only, rounded down, so an age never reads younger than it is; a time ahead
 * of `now` (clock skew) is "just now" up to a minute and "in N …" beyond.
 */
export function ageText(iso: string, now: number): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return "—";
  const seconds = Math.floor((now - at) / 1000);
  if (seconds < 0) {
    const ahead = -seconds;
    if (ahead < 60) return "just now";
    const [size, unit] = UNITS.find(([size]) => ahead >= size)!;
    return `in ${Math.floor(ahead / size)} ${unit}`;
  }
  if (seconds < 5) return "just now";
  const [size, unit] = UNITS.find(([size]) => seconds >= size)!;
  return `${Math.floor(seconds / size)} ${unit} ago`;
}

/** TRACES evidence: "1,234 requests over 1h" (+ failed when known); other evidence as key: value; null when there is none. */
export function evidenceText(evidence: ProvenanceRecord["evidence"]): string | null {
  if (!evidence || Object.keys(evidence).length === 0) return null;
  const { requests, window, failedRequests, ...rest } = evidence as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof requests === "number") {
    parts.push(`${Math.round(requests).toLocaleString("en-US")} requests${typeof window === "string" ? ` over ${window}` : ""}`);
    if (typeof failedRequests === "number") parts.push(`${Math.round(failedRequests).toLocaleString("en-US")} failed`);
  } else {
    if (requests !== undefined) rest.requests = requests;
    if (window !== undefined) rest.window = window;
    if (failedRequests !== undefined) rest.failedRequests = failedRequests;
  }
  for (const [key, value] of Object.entries(rest)) parts.push(`${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
  return parts.join(", ");
}

/** Declaring sources first (FILE, CONSOLE, CATALOG), then TRACES; the most recently seen first within one. */
export function sortedSources(sources: readonly ProvenanceRecord[]): ProvenanceRecord[] {
  const order: Record<GraphSourceName, number> = { FILE: 0, CONSOLE: 1, CATALOG: 2, TRACES: 3 };
  return [...sources].sort((a, b) => order[a.source] - order[b.source] || Date.parse(b.lastSeenAt) - Date.parse(a.lastSeenAt));
}
