// What the trace service graph asserts about the estate (docs/graph-traces.md,
// docs/graph-sources.md): the edges it observed, nothing else. Services and
// groups are never asserted by traffic: an edge whose services are not in the
// graph is reported by the refresh (drift), not created from a metric label.
import type { ObservedEdge, SourceAssertion } from "../../graph/live-graph-types";

export interface TracesAssertionOptions {
  /** Where the edges were read, e.g. `Prometheus http://prometheus:9090: traces_service_graph_request_total over 1h`. */
  origin: string;
  /** The window the counts are over (GRAPH_TRACES_WINDOW), kept in each edge's evidence. */
  window: string;
}

/** The TRACES assertion of `edges`: one dependency per edge, client DEPENDS_ON server, with `{ requests, failedRequests, window }` as evidence. */
export function tracesAssertion(edges: readonly ObservedEdge[], options: TracesAssertionOptions): SourceAssertion {
  return {
    source: "TRACES",
    origin: options.origin,
    services: [],
    resourceGroups: [],
    dependencies: edges.map((edge) => ({
      from: edge.client,
      to: edge.server,
      kind: edge.kind,
      evidence: { requests: edge.requests, failedRequests: edge.failedRequests, window: options.window },
    })),
  };
}
