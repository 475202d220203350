import "server-only";
import { z } from "zod";
import { AppError } from "../../core/errors";
import type { ObservedEdge, SourceAssertion } from "../../core/graph/live-graph-types";
import { observedEdges, type DroppedServiceGraphEdge, type ServiceGraphSample } from "../../core/graph-sources/traces/observed-edges";
import { DEFAULT_SERVICE_GRAPH_METRICS, isMetricName, parsePrometheusDuration, serviceGraphQueries, type ServiceGraphMetrics } from "../../core/graph-sources/traces/service-graph-query";
import { tracesAssertion } from "../../core/graph-sources/traces/traces-assertion";

// The TRACES graph source (docs/graph-traces.md): the trace service-graph
// metrics in Prometheus, read through its HTTP API (GET /api/v1/query, two
// instant queries evaluated at Prometheus's "now"). What the answer means is
// the core's (server/core/graph-sources/traces/); this file only asks and
// checks the shape of the answer.

export interface TracesSourceConfig {
  /** Prometheus's base URL (e.g. http://prometheus:9090, or …/prometheus behind a path prefix); credentials in it are sent as Basic auth. */
  url: string;
  /** The window requests are counted over, a Prometheus duration (GRAPH_TRACES_WINDOW, e.g. "1h"). */
  window: string;
  /** The fewest requests over the window that make an edge (GRAPH_TRACES_MIN_REQUESTS); at least 1. */
  minRequests: number;
  /** How long one query may take, answer included. */
  timeoutMs: number;
  /** The largest answer read, in bytes; a larger one is an error rather than memory spent. Default 8 MiB. */
  maxResponseBytes?: number;
  /** The counters' names when an exporter prefixes them; default `traces_service_graph_request_total` and `traces_service_graph_request_failed_total`. */
  metrics?: ServiceGraphMetrics;
}

export const DEFAULT_TRACES_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** One read of the service graph: the edges, what was dropped and why, and how it was read. */
export interface TracesDiscovery {
  edges: ObservedEdge[];
  dropped: DroppedServiceGraphEdge[];
  origin: string;
  window: string;
  queries: { requests: string; failed: string };
}

/** Every problem with a configuration, as sentences; empty when it is fine (for server/env.ts to report per variable). */
export function tracesSourceConfigProblems(config: TracesSourceConfig): string[] {
  const problems: string[] = [];
  let url: URL | null = null;
  try {
    url = new URL(config.url);
  } catch {
    problems.push(`url: ${JSON.stringify(config.url)} is not a valid URL (expected e.g. http://prometheus:9090)`);
  }
  if (url && url.protocol !== "http:" && url.protocol !== "https:") problems.push(`url: must use http:// or https://, not ${url.protocol}//`);
  else if (url && (url.search || url.hash)) problems.push("url: must not have a query string or fragment");
  if (parsePrometheusDuration(config.window) === null) problems.push(`window: must be a Prometheus duration such as 1h or 15m, not ${JSON.stringify(config.window)}`);
  if (!Number.isSafeInteger(config.minRequests) || config.minRequests < 1) problems.push(`minRequests: must be a whole number of at least 1, not ${config.minRequests}`);
  if (!Number.isSafeInteger(config.timeoutMs) || config.timeoutMs < 50 || config.timeoutMs > 60_000) problems.push(`timeoutMs: must be a whole number from 50 to 60000, not ${config.timeoutMs}`);
  const max = config.maxResponseBytes;
  if (max !== undefined && (!Number.isSafeInteger(max) || max < 1024)) problems.push(`maxResponseBytes: must be a whole number of at least 1024, not ${max}`);
  for (const [which, name] of Object.entries(config.metrics ?? {})) {
    if (!isMetricName(name)) problems.push(`metrics.${which}: ${JSON.stringify(name)} is not a Prometheus metric name`);
  }
  return problems;
}

const ZQueryResponse = z.object({
  status: z.string(),
  data: z.object({ resultType: z.string(), result: z.unknown() }).optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
});
const ZVector = z.array(z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) }));

export class TracesSource {
  readonly source = "TRACES" as const;
  readonly window: string;
  readonly minRequests: number;
  /** Where the edges come from, for provenance: the Prometheus (without credentials), the counter and the window. */
  readonly origin: string;
  readonly queries: { requests: string; failed: string };
  private readonly endpoint: URL;
  /** The URL as messages show it: without the credentials. */
  private readonly displayUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;

  constructor(config: TracesSourceConfig) {
    const problems = tracesSourceConfigProblems(config);
    if (problems.length > 0) throw new AppError("VALIDATION_FAILED", `Invalid traces source: ${problems.join("; ")}`, { problems });
    const metrics = { ...DEFAULT_SERVICE_GRAPH_METRICS, ...config.metrics };
    this.window = config.window;
    this.minRequests = config.minRequests;
    this.timeoutMs = config.timeoutMs;
    this.maxResponseBytes = config.maxResponseBytes ?? DEFAULT_TRACES_MAX_RESPONSE_BYTES;
    this.queries = serviceGraphQueries(config.window, metrics);

    const base = new URL(config.url);
    // fetch refuses URLs with credentials: send them as Basic auth instead, and never print them.
    this.headers = { accept: "application/json" };
    if (base.username || base.password) {
      this.headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString("base64")}`;
      base.username = "";
      base.password = "";
    }
    base.pathname = `${base.pathname.replace(/\/+$/, "")}/api/v1/query`;
    this.endpoint = base;
    this.displayUrl = base.origin + base.pathname.replace(/\/api\/v1\/query$/, "");
    this.origin = `Prometheus ${this.displayUrl}: ${metrics.requests} over ${config.window}`;
  }

  /** The edges traffic shows over the window, with at least minRequests requests (docs/graph-traces.md). */
  async observe(): Promise<ObservedEdge[]> {
    return (await this.discover()).edges;
  }

  /** The TRACES assertion of what observe() returns, for the refresh (docs/graph-sources.md). */
  async assertion(): Promise<SourceAssertion> {
    const { edges } = await this.discover();
    return tracesAssertion(edges, { origin: this.origin, window: this.window });
  }

  /** observe() with what was dropped and why. */
  async discover(): Promise<TracesDiscovery> {
    const [requests, failed] = await Promise.all([this.query(this.queries.requests), this.query(this.queries.failed)]);
    const { edges, dropped } = observedEdges(requests, failed, { minRequests: this.minRequests });
    return { edges, dropped, origin: this.origin, window: this.window, queries: this.queries };
  }

  /** Runs one instant query and returns its vector. */
  private async query(query: string): Promise<ServiceGraphSample[]> {
    const fail = (message: string, extra: Record<string, unknown> = {}, cause?: unknown) =>
      new AppError("UNAVAILABLE", `Prometheus at ${this.displayUrl} ${message}; query: ${query}`, { url: this.displayUrl, query, ...extra }, { cause });

    const url = new URL(this.endpoint);
    url.searchParams.set("query", query);
    let status: number;
    let body: string;
    try {
      const response = await fetch(url, { headers: this.headers, signal: AbortSignal.timeout(this.timeoutMs) });
      status = response.status;
      const text = await readBounded(response, this.maxResponseBytes);
      if (text === null) {
        throw fail(`answered more than ${this.maxResponseBytes} bytes (HTTP ${status}); the service graph is larger than this source reads`, { status, maxResponseBytes: this.maxResponseBytes });
      }
      body = text;
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
        throw fail(`did not answer within ${this.timeoutMs} ms`, {}, error);
      }
      throw fail(`is unreachable (${describeFetchError(error)})`, {}, error);
    }

    let parsed: z.infer<typeof ZQueryResponse> | null = null;
    try {
      const json = ZQueryResponse.safeParse(JSON.parse(body));
      if (json.success) parsed = json.data;
    } catch {
      // not JSON: reported below with the status
    }
    if (!parsed) throw fail(`answered HTTP ${status} with a body that is not a Prometheus API response (is the URL Prometheus's?)`, { status });
    if (parsed.status !== "success" || status < 200 || status >= 300) {
      throw fail(`answered HTTP ${status} ${parsed.errorType ?? parsed.status}: ${parsed.error ?? "no error message"}`, { status, errorType: parsed.errorType });
    }
    if (!parsed.data) throw fail("answered without data", { status });
    if (parsed.data.resultType !== "vector") throw fail(`returned a ${parsed.data.resultType}; the service-graph query must return an instant vector`, { resultType: parsed.data.resultType });
    const vector = ZVector.safeParse(parsed.data.result);
    if (!vector.success) throw fail("answered a malformed vector", {});
    return vector.data.map((element) => ({ labels: element.metric, value: parseSampleValue(element.value[1]) }));
  }
}

/** The body as text, or null once it passes `max` bytes (the rest is not read). */
async function readBounded(response: Response, max: number): Promise<string | null> {
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > max) {
    await response.body?.cancel();
    return null;
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

// Prometheus writes special floats as "NaN", "+Inf" and "-Inf".
function parseSampleValue(text: string): number {
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  return Number(text);
}

// Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, …) is in its cause.
function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: string; message?: string } | undefined;
  if (cause?.message) return cause.message;
  if (cause?.code) return cause.code;
  return error.message;
}
