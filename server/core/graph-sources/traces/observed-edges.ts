// From the service-graph query's answer to the edges traffic shows
// (docs/graph-traces.md): the client DEPENDS_ON the server, the kind comes
// from connection_type, and what is not an edge between two known services
// of the estate, or is too rare to count, is dropped with its reason.
import type { DependencyKind } from "../../topology/types";
import type { ObservedEdge } from "../../graph/live-graph-types";

/**
 * connection_type values the `servicegraph` connector and Tempo's metrics
 * generator write; unset (no label) is a plain client → server request.
 */
export const CONNECTION_TYPE_MESSAGING = "messaging_system";
export const CONNECTION_TYPE_DATABASE = "database";
export const CONNECTION_TYPE_VIRTUAL_NODE = "virtual_node";

/**
 * Names the generators give a side they could not identify: "unknown" (a
 * client span without a server span nor a peer attribute). Never a service.
 */
export const PLACEHOLDER_NODE_NAMES: readonly string[] = ["unknown"];

/** One element of the instant vector `sum by (client, server, connection_type) (…)` answers. */
export interface ServiceGraphSample {
  /** The labels Prometheus returned: client, server and connection_type, each absent when empty. */
  labels: Record<string, string>;
  value: number;
}

export const DROP_REASONS = ["NO_CLIENT", "NO_SERVER", "VIRTUAL_NODE", "SELF_EDGE", "BELOW_THRESHOLD"] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** What was seen in the metrics and is not an edge, with why. */
export interface DroppedServiceGraphEdge {
  client: string;
  server: string;
  /** The connection_type values of the series (one per series; "" for unset). */
  connectionTypes: string[];
  /** Requests over the window, rounded. */
  requests: number;
  reason: DropReason;
}

export interface ObservedEdgesResult {
  /** Sorted by client, then server. */
  edges: ObservedEdge[];
  /** Sorted by client, then server, then reason. */
  dropped: DroppedServiceGraphEdge[];
}

/** The edge kind a connection_type means; virtual_node has none (it is dropped before). */
export function kindOfConnectionType(connectionType: string): DependencyKind {
  if (connectionType === CONNECTION_TYPE_MESSAGING) return "ASYNC_EVENT";
  if (connectionType === CONNECTION_TYPE_DATABASE) return "DATA";
  // Unset, and any value a later generator adds: a request the client waits for.
  return "SYNC_API";
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
// Prometheus answers a number for every element; a NaN or infinity (which
// increase() of a counter does not produce) counts as no request at all.
const finite = (value: number) => (Number.isFinite(value) && value > 0 ? value : 0);
const isPlaceholder = (name: string) => name.trim() === "" || PLACEHOLDER_NODE_NAMES.includes(name);
const pairKey = (client: string, server: string) => JSON.stringify([client, server]);

/** Why a series is not an edge whatever its count, or null when it may be one. */
function seriesProblem(client: string, server: string, connectionType: string): DropReason | null {
  // A virtual node is a side with no spans: "user" for a caller outside the
  // traces, or a peer attribute's value (peer.service, db.name, …) for a callee
  // that sends none. Neither side is then known to be the service of that name.
  if (connectionType === CONNECTION_TYPE_VIRTUAL_NODE) return "VIRTUAL_NODE";
  if (isPlaceholder(client)) return "NO_CLIENT";
  if (isPlaceholder(server)) return "NO_SERVER";
  // A service calling itself is no dependency between two services.
  if (client === server) return "SELF_EDGE";
  return null;
}

interface Pair {
  client: string;
  server: string;
  connectionTypes: string[];
  requests: number;
  /** Requests per kind, to pick the kind of a pair seen with several connection types. */
  byKind: Map<DependencyKind, number>;
}

/**
 * The edges in `requests` (the request counter's query) with at least
 * `minRequests` requests, each with its failed requests from `failed` (the
 * failed counter's query). Series of one (client, server) with different
 * connection types are one edge: their requests add up, and its kind is the one
 * with the most requests (SYNC_API, then ASYNC_EVENT, then DATA on a tie).
 * failedRequests is null for every edge when `failed` has no series at all
 * (the counter is not exported, or nothing failed anywhere), else 0 for an
 * edge without one.
 */
export function observedEdges(requests: readonly ServiceGraphSample[], failed: readonly ServiceGraphSample[], options: { minRequests: number }): ObservedEdgesResult {
  const dropped: DroppedServiceGraphEdge[] = [];
  const pairs = new Map<string, Pair>();
  for (const sample of requests) {
    const client = sample.labels.client ?? "";
    const server = sample.labels.server ?? "";
    const connectionType = sample.labels.connection_type ?? "";
    const value = finite(sample.value);
    const problem = seriesProblem(client, server, connectionType);
    if (problem) {
      dropped.push({ client, server, connectionTypes: [connectionType], requests: Math.round(value), reason: problem });
      continue;
    }
    const key = pairKey(client, server);
    const pair: Pair = pairs.get(key) ?? { client, server, connectionTypes: [], requests: 0, byKind: new Map() };
    pairs.set(key, pair);
    pair.connectionTypes.push(connectionType);
    pair.requests += value;
    const kind = kindOfConnectionType(connectionType);
    pair.byKind.set(kind, (pair.byKind.get(kind) ?? 0) + value);
  }

  const failedByPair = new Map<string, number>();
  for (const sample of failed) {
    const key = pairKey(sample.labels.client ?? "", sample.labels.server ?? "");
    if (sample.labels.connection_type === CONNECTION_TYPE_VIRTUAL_NODE) continue;
    failedByPair.set(key, (failedByPair.get(key) ?? 0) + finite(sample.value));
  }
  const failedKnown = failed.length > 0;

  const edges: ObservedEdge[] = [];
  for (const [key, pair] of pairs) {
    // The threshold is compared with the figure as reported: rounded.
    const count = Math.round(pair.requests);
    if (count < options.minRequests) {
      dropped.push({ client: pair.client, server: pair.server, connectionTypes: pair.connectionTypes.sort(byString), requests: count, reason: "BELOW_THRESHOLD" });
      continue;
    }
    edges.push({
      client: pair.client,
      server: pair.server,
      kind: dominantKind(pair.byKind),
      requests: count,
      failedRequests: failedKnown ? Math.round(failedByPair.get(key) ?? 0) : null,
    });
  }
  edges.sort((a, b) => byString(a.client, b.client) || byString(a.server, b.server));
  dropped.sort((a, b) => byString(a.client, b.client) || byString(a.server, b.server) || byString(a.reason, b.reason));
  return { edges, dropped };
}

const KIND_PRECEDENCE: readonly DependencyKind[] = ["SYNC_API", "ASYNC_EVENT", "DATA"];

function dominantKind(byKind: Map<DependencyKind, number>): DependencyKind {
  let best: DependencyKind = "SYNC_API";
  let bestCount = -1;
  for (const kind of KIND_PRECEDENCE) {
    const count = byKind.get(kind);
    if (count !== undefined && count > bestCount) {
      best = kind;
      bestCount = count;
    }
  }
  return best;
}
