// TracesSource against a real Prometheus (Debian's package) scraping, every
// second, an exporter in this process that serves the trace service-graph
// counters the OpenTelemetry Collector's `servicegraph` connector and Tempo's
// metrics generator export; each series grows by a fixed amount per scrape.
// Prometheus answers a change only after its next scrape, and an edge leaves
// the window only when its last samples do, so every check polls up to a
// deadline; no timing is asserted. The lifecycle test runs the real refresh
// (refreshSources over Postgres, applyGraphChange, the audit chain) on what
// this source reads, with the refresh's clock advanced by hand for the age-out.
import fs from "node:fs";
import http from "node:http";
import type net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { AppError } from "../../core/errors";
import { applyGraphChange } from "../../core/graph/apply-graph-change";
import { diffTopology } from "../../core/graph/diff-topology";
import { documentProvenance } from "../../core/graph/document-target";
import type { ObservedEdge } from "../../core/graph/live-graph-types";
import type { RemovalsPolicy } from "../../core/graph-sources/plan-source-sync";
import type { SourceRun } from "../../core/graph-sources/ports";
import { refreshSources } from "../../core/graph-sources/refresh-sources";
import type { TopologySpec } from "../../core/topology/types";
import { PostgresGraphChangeStore } from "../postgres/graph-change-store";
import { PostgresGraphSourceStore } from "../postgres/graph-source-store";
import { auditFixture } from "../../testing/audit";
import { openTestStore, type TestStore } from "../../testing/stores";
import { metricLabels, PROMETHEUS_BIN, requireBinary, retryUntil, startMetricsExporter, startPrometheus, type RunningExporter, type RunningPrometheus } from "../../testing/prometheus";
import { TracesSource, tracesSourceConfigProblems, type TracesSourceConfig } from "./service-graph-source";

/** Short, so that an edge that stops leaves the window within the test. */
const WINDOW = "10s";
const MIN_REQUESTS = 100;

/** One series of the request counter (and of the failed counter when failedPerScrape is set). */
interface Series {
  labels: Record<string, string>;
  perScrape: number;
  failedPerScrape?: number;
}

const SERIES: Record<string, Series> = {
  // Split by an extra dimension, as an exporter configured with `dimensions` does: the query folds it.
  checkoutPaymentGet: { labels: { client: "checkout", server: "payment", client_http_method: "GET" }, perScrape: 25, failedPerScrape: 5 },
  checkoutPaymentPost: { labels: { client: "checkout", server: "payment", client_http_method: "POST" }, perScrape: 25 },
  ordersNotifications: { labels: { client: "orders", server: "notifications", connection_type: "messaging_system" }, perScrape: 50 },
  ordersDb: { labels: { client: "orders", server: "orders-db", connection_type: "database" }, perScrape: 40 },
  // At most about 11 requests over 10 s: under the threshold.
  searchCatalog: { labels: { client: "search", server: "catalog" }, perScrape: 1 },
  selfEdge: { labels: { client: "checkout", server: "checkout" }, perScrape: 50 },
  uninstrumentedCaller: { labels: { client: "user", server: "checkout", connection_type: "virtual_node" }, perScrape: 50 },
  unknownServer: { labels: { client: "checkout", server: "unknown" }, perScrape: 50 },
};

/** The series the exporter serves; a removed one stops appearing (Prometheus marks it stale). */
const served = new Set(Object.keys(SERIES));

function render(scrape: number): string {
  const lines = ["# TYPE traces_service_graph_request_total counter"];
  for (const name of served) lines.push(`traces_service_graph_request_total{${metricLabels(SERIES[name]!.labels)}} ${scrape * SERIES[name]!.perScrape}`);
  lines.push("# TYPE traces_service_graph_request_failed_total counter");
  for (const name of served) {
    const failed = SERIES[name]!.failedPerScrape;
    if (failed !== undefined) lines.push(`traces_service_graph_request_failed_total{${metricLabels(SERIES[name]!.labels)}} ${scrape * failed}`);
  }
  return `${lines.join("\n")}\n`;
}

const ABOVE_THRESHOLD = [
  ["checkout", "payment", "SYNC_API"],
  ["orders", "notifications", "ASYNC_EVENT"],
  ["orders", "orders-db", "DATA"],
];
const shape = (edges: ObservedEdge[]) => edges.map((e) => [e.client, e.server, e.kind]);

// ─── the graph the refresh keeps (Postgres) ─────────────────────────────────

const DAY = 86_400_000;
/** GRAPH_OBSERVED_AGE_OUT's default. */
const AGE_OUT_MS = 7 * DAY;
/** The refresh's time: advanced by hand, so an age-out of days takes none. Prometheus's window is real time. */
const clock = new ManualClock("2026-12-07T12:00:00.000Z");

/** Declared services, no edges: every edge in the graph is TRACES's. orders-db is no service. */
const DECLARED: TopologySpec = {
  services: ["checkout", "payment", "orders", "notifications"].map((name) => ({ name, tier: 2, criticality: "HIGH" as const, team: "shop", description: name })),
  dependencies: [],
  resourceGroups: [],
};

let store: TestStore | null = null;
let audit: ReturnType<typeof auditFixture> | null = null;
let changes: PostgresGraphChangeStore;
let sources: PostgresGraphSourceStore;

/** One refresh of the TRACES source, read through `source`, as the container wires it. */
function refresh(source: TracesSource, removals: RemovalsPolicy): Promise<SourceRun[]> {
  return refreshSources(
    {
      readers: [{ source: "TRACES", description: source.origin, read: async () => ({ assertion: await source.assertion() }) }],
      graph: changes,
      applyChange: (request) => applyGraphChange({ changes, audit: audit!.log, clock }, request),
      store: sources,
      audit: audit!.log,
      clock,
      newId: () => crypto.randomUUID(),
      config: { ageOutMs: AGE_OUT_MS, removals },
    },
    { trigger: "MANUAL", actor: "admin@example.com" },
  );
}

async function graphEdges(): Promise<string[]> {
  return (await changes.load()).topology.dependencies.map((d) => `${d.from}->${d.to}`);
}

async function tracesRows(key: string): Promise<{ origin: string; last_seen_at: Date; evidence: unknown }[]> {
  return store!.db.query(`SELECT origin, last_seen_at, evidence FROM graph_provenance WHERE element_kind = 'EDGE' AND element_key = $1 AND source = 'TRACES'`, [key]);
}

// ─── the Prometheus process ─────────────────────────────────────────────────

let tmp = "";
let exporter: RunningExporter | null = null;
let prometheus: RunningPrometheus | null = null;
let config: TracesSourceConfig;

const eventually = <T>(check: () => Promise<T>, what: string): Promise<T> => retryUntil(check, what, { prometheus });

async function rejectionOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected the call to fail");
}

/** A stand-in for Prometheus that answers every request with what `answer` writes (for answers a real one never gives to this query). */
async function withStandIn<T>(answer: (res: http.ServerResponse, req: http.IncomingMessage) => void, use: (url: string) => Promise<T>): Promise<T> {
  const server = http.createServer((req, res) => answer(res, req));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    return await use(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe("TracesSource against a real Prometheus", () => {
  beforeAll(async () => {
    requireBinary(PROMETHEUS_BIN, "Prometheus");
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-traces-"));
    exporter = await startMetricsExporter(render);
    prometheus = await startPrometheus({
      dir: tmp,
      config: {
        global: { scrape_interval: "1s", evaluation_interval: "1s" },
        scrape_configs: [{ job_name: "servicegraph", static_configs: [{ targets: [exporter.target] }] }],
      },
    });
    config = { url: prometheus.url, window: WINDOW, minRequests: MIN_REQUESTS, timeoutMs: 5_000 };

    store = await openTestStore("postgres", "graph_traces");
    audit = auditFixture(store.db);
    changes = new PostgresGraphChangeStore(store.db);
    sources = new PostgresGraphSourceStore(store.db);
    const empty: TopologySpec = { services: [], dependencies: [], resourceGroups: [] };
    await applyGraphChange(
      { changes, audit: audit.log, clock },
      { baseRevision: 0, diff: diffTopology(empty, DECLARED), provenance: documentProvenance(DECLARED, "FILE", "topology.yaml", clock.now()), source: "FILE", origin: "topology.yaml", actor: "test" },
    );
  });

  afterAll(async () => {
    await audit?.log.settle();
    audit?.cleanup();
    await store?.close();
    await prometheus?.stop();
    await exporter?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("discovers exactly the edges above the threshold, with their kinds, and says why the rest were dropped", async () => {
    const source = new TracesSource(config);
    const discovery = await eventually(async () => {
      const found = await source.discover();
      expect(shape(found.edges)).toEqual(ABOVE_THRESHOLD);
      // The below-threshold edge has been scraped (so its absence is the threshold's doing).
      expect(found.dropped.map((d) => `${d.client}->${d.server}`)).toContain("search->catalog");
      // 5 of every 50 checkout → payment requests fail. The failed counter is a second query, which a
      // scrape may fall between: while the window holds few samples, the two can disagree more.
      const payment = found.edges[0]!;
      expect(payment.failedRequests! / payment.requests).toBeGreaterThan(0.05);
      expect(payment.failedRequests! / payment.requests).toBeLessThan(0.2);
      return found;
    }, "the service graph's edges");

    expect(discovery.dropped.map((d) => [d.client, d.server, d.reason])).toEqual([
      ["checkout", "checkout", "SELF_EDGE"],
      ["checkout", "unknown", "NO_SERVER"],
      ["search", "catalog", "BELOW_THRESHOLD"],
      ["user", "checkout", "VIRTUAL_NODE"],
    ]);
    const below = discovery.dropped.find((d) => d.reason === "BELOW_THRESHOLD")!;
    expect(below.requests).toBeGreaterThan(0);
    expect(below.requests).toBeLessThan(MIN_REQUESTS);

    const [payment, notifications, ordersDb] = discovery.edges;
    // Both series of checkout → payment (25 + 25 per scrape) add up to what the one 50-per-scrape series counts.
    expect(payment!.requests).toBe(notifications!.requests);
    expect(payment!.requests).toBeGreaterThanOrEqual(MIN_REQUESTS);
    expect(ordersDb!.requests / notifications!.requests).toBeCloseTo(40 / 50, 1);
    // The failed counter exists in this estate: an edge without a failed series had no failure.
    expect(notifications!.failedRequests).toBe(0);
    expect(ordersDb!.failedRequests).toBe(0);

    expect(discovery.queries.requests).toBe(`sum by (client, server, connection_type) (increase(traces_service_graph_request_total[${WINDOW}]))`);
    expect(discovery.origin).toBe(`Prometheus ${prometheus!.url}: traces_service_graph_request_total over ${WINDOW}`);
  });

  it("asserts the observed edges as TRACES dependencies with their evidence", async () => {
    const source = new TracesSource(config);
    const assertion = await eventually(async () => {
      const found = await source.assertion();
      expect(found.dependencies.map((d) => [d.from, d.to, d.kind])).toEqual(ABOVE_THRESHOLD);
      return found;
    }, "the TRACES assertion");
    expect(assertion).toMatchObject({ source: "TRACES", origin: source.origin, services: [], resourceGroups: [] });
    for (const dependency of assertion.dependencies) {
      expect(dependency.evidence).toEqual({ requests: expect.any(Number), failedRequests: expect.any(Number), window: WINDOW });
      expect(dependency.evidence!.requests).toBeGreaterThanOrEqual(MIN_REQUESTS);
    }
  });

  it("applies observed edges by a refresh; an edge no longer served leaves discovery once its samples leave the window, is held for review after the age-out, and removed with GRAPH_REMOVALS=auto", async () => {
    const source = new TracesSource(config);
    await eventually(async () => expect(shape(await source.observe())).toEqual(ABOVE_THRESHOLD), "every edge present");

    // The refresh applies what is observed between services of the graph; orders-db is none: drift.
    const [applied] = await refresh(source, "review");
    expect(applied).toMatchObject({ source: "TRACES", outcome: "APPLIED", heldChangeId: null });
    expect(applied!.applied!.edges.added).toEqual([
      { from: "checkout", to: "payment", kind: "SYNC_API" },
      { from: "orders", to: "notifications", kind: "ASYNC_EVENT" },
    ]);
    expect(applied!.unresolved.map((u) => [u.from, u.to, u.missing])).toEqual([["orders", "orders-db", ["orders-db"]]]);
    const [row] = await tracesRows("orders->notifications");
    expect(row).toMatchObject({ origin: source.origin, evidence: { requests: expect.any(Number), failedRequests: 0, window: WINDOW } });

    // Still observed: however long since it was first seen, it stays (and is seen again now).
    clock.advance(AGE_OUT_MS + DAY);
    const [stillObserved] = await refresh(source, "review");
    expect(stillObserved).toMatchObject({ outcome: "NO_CHANGE", heldChangeId: null });
    expect((await tracesRows("orders->notifications"))[0]!.last_seen_at).toEqual(clock.now());

    served.delete("ordersNotifications");
    const scrapesAtStop = exporter!.scrapes();
    await eventually(async () => {
      const found = await source.discover();
      expect(shape(found.edges)).toEqual(ABOVE_THRESHOLD.filter(([client, server]) => !(client === "orders" && server === "notifications")));
      // Gone, not merely under the threshold (which it falls under first, as its samples leave): no sample of it is in the window.
      expect(found.dropped.map((d) => `${d.client}->${d.server}`)).not.toContain("orders->notifications");
    }, "orders → notifications gone from discovery");
    // It went because its samples left the window while Prometheus kept scraping the others.
    expect(exporter!.scrapes()).toBeGreaterThan(scrapesAtStop);

    // No longer observed, but seen within GRAPH_OBSERVED_AGE_OUT: kept.
    const [recent] = await refresh(source, "review");
    expect(recent).toMatchObject({ outcome: "NO_CHANGE", heldChangeId: null });
    expect(await graphEdges()).toContain("orders->notifications");

    // Not seen for the age-out: its removal is held for review, the graph unchanged.
    clock.advance(AGE_OUT_MS);
    const [held] = await refresh(source, "review");
    expect(held).toMatchObject({ outcome: "HELD", heldChangeId: expect.any(String) });
    const change = await sources.getHeld(held!.heldChangeId!);
    expect(change).toMatchObject({ source: "TRACES", status: "PENDING", reason: expect.stringMatching(/^not observed in traffic for 7d/) });
    expect(change!.diff.edges.removed).toEqual([{ from: "orders", to: "notifications", kind: "ASYNC_EVENT" }]);
    expect(change!.diff.services.removed).toEqual([]);
    expect(await graphEdges()).toEqual(["checkout->payment", "orders->notifications"]);

    // GRAPH_REMOVALS=auto: removed at once, its provenance with it; the edge still observed stays.
    const [removed] = await refresh(source, "auto");
    expect(removed).toMatchObject({ outcome: "APPLIED" });
    expect(removed!.applied!.edges.removed).toEqual([{ from: "orders", to: "notifications", kind: "ASYNC_EVENT" }]);
    expect(await graphEdges()).toEqual(["checkout->payment"]);
    expect(await tracesRows("orders->notifications")).toEqual([]);
    expect(await tracesRows("checkout->payment")).toHaveLength(1);
    expect((await sources.getHeld(held!.heldChangeId!))!.status).toBe("SUPERSEDED");
  });

  it("refuses an invalid configuration, naming each problem", () => {
    const problems = tracesSourceConfigProblems({ url: "ftp://prometheus:9090", window: "1 hour", minRequests: 0, timeoutMs: 10, maxResponseBytes: 10, metrics: { requests: "x{y}", failed: "ok_total" } });
    expect(problems).toEqual([
      "url: must use http:// or https://, not ftp://",
      'window: must be a Prometheus duration such as 1h or 15m, not "1 hour"',
      "minRequests: must be a whole number of at least 1, not 0",
      "timeoutMs: must be a whole number from 50 to 60000, not 10",
      "maxResponseBytes: must be a whole number of at least 1024, not 10",
      'metrics.requests: "x{y}" is not a Prometheus metric name',
    ]);
    expect(tracesSourceConfigProblems({ ...config, url: "prometheus 9090" })[0]).toMatch(/^url: .* is not a valid URL/);
    expect(tracesSourceConfigProblems({ ...config, url: "http://prometheus:9090/?x=1" })).toEqual(["url: must not have a query string or fragment"]);
    expect(tracesSourceConfigProblems(config)).toEqual([]);
    let error: unknown;
    try {
      new TracesSource({ ...config, window: "forever" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("VALIDATION_FAILED");
    expect((error as AppError).message).toContain('window: must be a Prometheus duration such as 1h or 15m, not "forever"');
  });

  it("fails with UNAVAILABLE when the URL is not Prometheus's API", async () => {
    const error = await rejectionOf(new TracesSource({ ...config, url: `${prometheus!.url}/not-prometheus` }).observe());
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.message).toContain(`Prometheus at ${prometheus!.url}/not-prometheus answered HTTP 404 with a body that is not a Prometheus API response`);
    expect(error.details).toMatchObject({ url: `${prometheus!.url}/not-prometheus`, status: 404 });
  });

  it("fails with UNAVAILABLE on an error status, a non-vector result, an oversized answer or no answer in time", async () => {
    const json = (status: number, body: unknown) => (res: http.ServerResponse) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

    const overloaded = await withStandIn(json(503, { status: "error", errorType: "unavailable", error: "too many queries" }), (url) => rejectionOf(new TracesSource({ ...config, url }).observe()));
    expect(overloaded.code).toBe("UNAVAILABLE");
    expect(overloaded.message).toContain("answered HTTP 503 unavailable: too many queries");

    const matrix = await withStandIn(json(200, { status: "success", data: { resultType: "matrix", result: [] } }), (url) => rejectionOf(new TracesSource({ ...config, url }).observe()));
    expect(matrix.message).toContain("returned a matrix; the service-graph query must return an instant vector");

    const malformed = await withStandIn(json(200, { status: "success", data: { resultType: "vector", result: [{ metric: {}, value: "12" }] } }), (url) =>
      rejectionOf(new TracesSource({ ...config, url }).observe()),
    );
    expect(malformed.message).toContain("answered a malformed vector");

    // A vector far larger than the bound, streamed without a content-length.
    const huge = JSON.stringify({ status: "success", data: { resultType: "vector", result: Array.from({ length: 5_000 }, (_, i) => ({ metric: { client: `c${i}`, server: "s" }, value: [0, "1"] })) } });
    const oversized = await withStandIn(
      (res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.write(huge.slice(0, 100_000));
        res.end(huge.slice(100_000));
      },
      (url) => rejectionOf(new TracesSource({ ...config, url, maxResponseBytes: 64 * 1024 }).observe()),
    );
    expect(oversized.code).toBe("UNAVAILABLE");
    expect(oversized.message).toContain("answered more than 65536 bytes");
    // The same answer within the bound is read.
    const fits = await withStandIn(json(200, JSON.parse(huge)), (url) => new TracesSource({ ...config, url, minRequests: 1 }).discover());
    expect(fits.edges).toHaveLength(5_000);

    const silent = await withStandIn(
      () => {
        // never answers
      },
      (url) => rejectionOf(new TracesSource({ ...config, url, timeoutMs: 200 }).observe()),
    );
    expect(silent.code).toBe("UNAVAILABLE");
    expect(silent.message).toContain("did not answer within 200 ms");
  });

  it("sends the URL's credentials as Basic auth and never shows them", async () => {
    const seen: (string | undefined)[] = [];
    const { source, found, error } = await withStandIn(
      (res, req) => {
        seen.push(req.headers.authorization);
        if (req.url?.includes("failed_total")) res.writeHead(401, { "content-type": "text/plain" }).end("unauthorized");
        else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "success", data: { resultType: "vector", result: [] } }));
      },
      async (url) => {
        const source = new TracesSource({ ...config, url: url.replace("http://", "http://reader:s%40cret@") });
        return { source, found: await source.discover().catch((e: unknown) => e), error: await rejectionOf(source.observe()) };
      },
    );
    expect(found).toBeInstanceOf(AppError);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    for (const header of seen) expect(header).toBe(`Basic ${Buffer.from("reader:s@cret").toString("base64")}`);
    expect(error.message).toContain("answered HTTP 401 with a body that is not a Prometheus API response");
    for (const shown of [error.message, JSON.stringify(error.details), source.origin]) {
      expect(shown).not.toContain("s@cret");
      expect(shown).not.toContain("s%40cret");
      expect(shown).not.toContain("reader");
    }
  });

  it("fails with UNAVAILABLE naming the URL once Prometheus is stopped", async () => {
    const source = new TracesSource(config);
    await prometheus?.stop();
    const error = await rejectionOf(source.observe());
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.message).toMatch(new RegExp(`^Prometheus at ${prometheus!.url.replace(/[.]/g, "\\.")} is unreachable \\(.*ECONNREFUSED.*\\); query: sum by`));
  });
});
