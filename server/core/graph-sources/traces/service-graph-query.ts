// The PromQL that reads the trace service graph (docs/graph-traces.md): the
// OpenTelemetry Collector's `servicegraph` connector and Tempo's metrics
// generator both count the requests between two services in
// `traces_service_graph_request_total{client, server, connection_type}` and
// the failed ones in `traces_service_graph_request_failed_total`.
import { AppError } from "../../errors";

export const SERVICE_GRAPH_REQUEST_METRIC = "traces_service_graph_request_total";
export const SERVICE_GRAPH_FAILED_METRIC = "traces_service_graph_request_failed_total";

/** The two counters' names; an exporter with a namespace prefixes them (e.g. `servicegraph_traces_service_graph_request_total`). */
export interface ServiceGraphMetrics {
  requests: string;
  failed: string;
}

export const DEFAULT_SERVICE_GRAPH_METRICS: ServiceGraphMetrics = { requests: SERVICE_GRAPH_REQUEST_METRIC, failed: SERVICE_GRAPH_FAILED_METRIC };

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Whether `name` is a Prometheus metric name (so it can be written into a query as is). */
export function isMetricName(name: string): boolean {
  return METRIC_NAME.test(name);
}

// Prometheus's duration syntax: units from the largest to the smallest, each at
// most once, whole numbers (e.g. "1h", "15s", "1h30m"). "m" before "ms" is
// resolved by the regex backtracking ("5ms" is 5 milliseconds).
const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1_000, 1];

/**
 * A Prometheus duration ("1h", "15s", "1h30m") in milliseconds; null when it
 * is not one or is zero. GRAPH_TRACES_WINDOW is one (server/env.ts can
 * validate it with this).
 */
export function parsePrometheusDuration(text: string): number | null {
  if (text === "") return null;
  const match = DURATION.exec(text);
  if (!match) return null;
  let ms = 0;
  for (const [i, unit] of UNIT_MS.entries()) {
    const n = match[i + 1];
    if (n !== undefined) ms += Number(n) * unit;
  }
  return ms > 0 && Number.isSafeInteger(ms) ? ms : null;
}

/**
 * The two instant queries: requests and failed requests per edge over
 * `window`. `increase()` gives how much each counter grew over the window
 * (extrapolated to its edges, so not always a whole number); `sum by` folds the
 * series an exporter splits further (extra dimensions, instances, the
 * collector's `failed` label) into one per (client, server, connection_type).
 * `window` must be a valid duration and the metric names valid names: they are
 * written into the query as they are.
 */
export function serviceGraphQueries(window: string, metrics: ServiceGraphMetrics = DEFAULT_SERVICE_GRAPH_METRICS): { requests: string; failed: string } {
  if (parsePrometheusDuration(window) === null) {
    throw new AppError("VALIDATION_FAILED", `The traces window must be a Prometheus duration such as 1h or 15m, not ${JSON.stringify(window)}`, { window });
  }
  for (const name of [metrics.requests, metrics.failed]) {
    if (!isMetricName(name)) throw new AppError("VALIDATION_FAILED", `Not a Prometheus metric name: ${JSON.stringify(name)}`, { metric: name });
  }
  const query = (metric: string) => `sum by (client, server, connection_type) (increase(${metric}[${window}]))`;
  return { requests: query(metrics.requests), failed: query(metrics.failed) };
}
