// The graph's sources as the console shows them (GET /api/v1/graph/sources,
// docs/graph-sources.md): each refreshable source, whether it is configured
// and what it reads, its last run, and the held changes (pending first).
import type { RemovalsPolicy } from "./plan-source-sync";
import { REFRESHABLE_SOURCES, type GraphSourceStore, type HeldChange, type RefreshableSource, type SourceReader, type SourceRun } from "./ports";

export interface GraphSourcesView {
  revision: number;
  refreshIntervalSeconds: number | null;
  removals: RemovalsPolicy;
  sources: { source: RefreshableSource; configured: boolean; description: string; lastRun: SourceRun | null }[];
  held: HeldChange[];
}

export interface ListGraphSourcesDeps {
  readers: readonly Pick<SourceReader, "source" | "description">[];
  changes: { revision(): Promise<number> };
  store: Pick<GraphSourceStore, "lastRuns" | "listHeld">;
  config: { refreshIntervalMs: number; removals: RemovalsPolicy };
}

const NOT_CONFIGURED: Record<RefreshableSource, string> = {
  CATALOG: "not configured: set GRAPH_CATALOG_PATHS to Backstage catalog files or directories",
  TRACES: "not configured: set GRAPH_TRACES_PROMETHEUS_URL to the Prometheus that has the trace service-graph metrics",
};

/** How many decided held changes are listed after the pending ones. */
const DECIDED_LISTED = 20;

export async function listGraphSources(deps: ListGraphSourcesDeps): Promise<GraphSourcesView> {
  const [revision, runs, held] = await Promise.all([deps.changes.revision(), deps.store.lastRuns(), deps.store.listHeld(DECIDED_LISTED)]);
  return {
    revision,
    refreshIntervalSeconds: deps.config.refreshIntervalMs > 0 ? Math.round(deps.config.refreshIntervalMs / 1000) : null,
    removals: deps.config.removals,
    sources: REFRESHABLE_SOURCES.map((source) => {
      const reader = deps.readers.find((r) => r.source === source);
      return { source, configured: Boolean(reader), description: reader?.description ?? NOT_CONFIGURED[source], lastRun: runs.get(source) ?? null };
    }),
    held,
  };
}
