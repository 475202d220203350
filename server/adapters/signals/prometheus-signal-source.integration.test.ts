// PrometheusSignalSource against a real Prometheus (Debian's package): a
// small exporter in this process serves metrics whose values the test sets,
// Prometheus scrapes it every second, and the adapter's answers are compared
// with what the exporter serves. Prometheus answers a change only after its
// next scrape, so every check polls up to a deadline; no timing is asserted.
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { AppError } from "../../core/errors";
import { PROMETHEUS_BIN, requireBinary, retryUntil, startPrometheus, type RunningPrometheus } from "../../testing/prometheus";
import {
  COHORT_SIGNAL_FIELDS,
  DEFAULT_PROMETHEUS_QUERIES,
  PrometheusSignalSource,
  SERVICE_SIGNAL_FIELDS,
  prometheusSignalConfigFromEnv,
  type PrometheusQueries,
  type PrometheusSignalConfig,
} from "./prometheus-signal-source";

// ─── the exporter ───────────────────────────────────────────────────────────

/** Upper bounds of the latency histogram's buckets, in seconds (+Inf implied). */
const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1];

/**
 * Traffic of one label set, per scrape: counters grow by these amounts at
 * every scrape, so each series' rate is proportional to them and ratios
 * (error share, histogram quantiles) are exact whatever the scrape timing.
 */
interface Traffic {
  service: string;
  track?: "baseline" | "canary";
  ok: number;
  errors: number;
  errorCode: string;
  /** Every request's duration falls in (BUCKETS[i-1], BUCKETS[i]]. */
  latencyBucket: number;
}

/**
 * What cAdvisor and kube-state-metrics report of one container: CPU seconds
 * used per scrape (a counter), the memory working set, and the limits.
 */
interface Container {
  name: string;
  cpuSecondsPerScrape: number;
  cpuLimitCores: number;
  memoryBytes: number;
  memoryLimitBytes: number;
}

class TestExporter {
  /** `interlock_test_signal{service, field}` gauges; service "" means estate-wide (no service label). */
  readonly gauges = new Map<string, number>();
  private scrapes = 0;
  private server: http.Server | null = null;

  constructor(
    private readonly traffic: Traffic[],
    private readonly containers: Container[] = [],
  ) {}

  setGauge(service: string, field: string, value: number): void {
    this.gauges.set(JSON.stringify([service, field]), value);
  }

  async start(): Promise<number> {
    this.server = http.createServer((req, res) => {
      if (req.url !== "/metrics") {
        res.writeHead(404).end();
        return;
      }
      this.scrapes++;
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(this.render(this.scrapes));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private render(n: number): string {
    const lines = ["# TYPE interlock_test_signal gauge"];
    for (const [key, value] of this.gauges) {
      const [service, field] = JSON.parse(key) as [string, string];
      lines.push(`interlock_test_signal{${labels({ ...(service ? { service } : {}), field })}} ${value}`);
    }
    lines.push("# TYPE http_requests_total counter");
    for (const t of this.traffic) {
      const base = { service: t.service, ...(t.track ? { track: t.track } : {}) };
      lines.push(`http_requests_total{${labels({ ...base, code: "200" })}} ${n * t.ok}`);
      if (t.errors > 0) lines.push(`http_requests_total{${labels({ ...base, code: t.errorCode })}} ${n * t.errors}`);
    }
    lines.push("# TYPE http_request_duration_seconds histogram");
    for (const t of this.traffic) {
      const base = { service: t.service, ...(t.track ? { track: t.track } : {}) };
      const count = n * (t.ok + t.errors);
      for (const [i, le] of BUCKETS.entries()) lines.push(`http_request_duration_seconds_bucket{${labels({ ...base, le: String(le) })}} ${i >= t.latencyBucket ? count : 0}`);
      lines.push(`http_request_duration_seconds_bucket{${labels({ ...base, le: "+Inf" })}} ${count}`);
      lines.push(`http_request_duration_seconds_sum{${labels(base)}} ${count * BUCKETS[t.latencyBucket]!}`);
      lines.push(`http_request_duration_seconds_count{${labels(base)}} ${count}`);
    }
    // cAdvisor's and kube-state-metrics' names, as the default capacity query reads them.
    lines.push("# TYPE container_cpu_usage_seconds_total counter");
    for (const c of this.containers) lines.push(`container_cpu_usage_seconds_total{${labels({ container: c.name })}} ${n * c.cpuSecondsPerScrape}`);
    lines.push("# TYPE container_memory_working_set_bytes gauge");
    for (const c of this.containers) lines.push(`container_memory_working_set_bytes{${labels({ container: c.name })}} ${c.memoryBytes}`);
    lines.push("# TYPE kube_pod_container_resource_limits gauge");
    for (const c of this.containers) {
      lines.push(`kube_pod_container_resource_limits{${labels({ container: c.name, resource: "cpu", unit: "core" })}} ${c.cpuLimitCores}`);
      lines.push(`kube_pod_container_resource_limits{${labels({ container: c.name, resource: "memory", unit: "byte" })}} ${c.memoryLimitBytes}`);
    }
    return `${lines.join("\n")}\n`;
  }
}

// The text format escapes backslash, double quote and line feed in label values.
function labels(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`)
    .join(",");
}

/** p99 by Prometheus's linear interpolation when every request is in one bucket. */
const p99Ms = (bucket: number) => 1000 * ((BUCKETS[bucket - 1] ?? 0) + (BUCKETS[bucket]! - (BUCKETS[bucket - 1] ?? 0)) * 0.99);

// ─── the estate the exporter describes ──────────────────────────────────────

const PAYMENT = "payment-service";
const USER = "user-service";
/** A name that would end or change the PromQL string if it were not escaped. */
const AWKWARD = 'legacy "billing" \\ api';

const TRAFFIC: Traffic[] = [
  // payment-service runs a canary: the baseline is healthy, the canary is not.
  { service: PAYMENT, track: "baseline", ok: 990, errors: 10, errorCode: "500", latencyBucket: 1 },
  { service: PAYMENT, track: "canary", ok: 90, errors: 10, errorCode: "500", latencyBucket: 3 },
  { service: USER, ok: 950, errors: 50, errorCode: "503", latencyBucket: 2 },
  // Never fails: no 5xx series at all.
  { service: AWKWARD, ok: 100, errors: 0, errorCode: "500", latencyBucket: 0 },
];

/**
 * user-service's container: CPU is far from its limit (about 1 % of a core,
 * whatever the scrape timing), memory uses 600 of 1000 MB, so the tighter of
 * the two leaves exactly 40 % headroom.
 */
const CONTAINERS: Container[] = [{ name: USER, cpuSecondsPerScrape: 0.01, cpuLimitCores: 1, memoryBytes: 600e6, memoryLimitBytes: 1000e6 }];

/**
 * Every metric the default queries read, and where a real estate gets it.
 * `interlock_operations_total`, which an earlier default read and nothing
 * exports, must never come back: the gates' failure and incident counts come
 * from Interlock's own store.
 */
const STANDARD_METRICS = {
  http_requests_total: "the service's HTTP instrumentation",
  http_request_duration_seconds_bucket: "the service's HTTP instrumentation",
  container_cpu_usage_seconds_total: "cAdvisor (the kubelet)",
  container_memory_working_set_bytes: "cAdvisor (the kubelet)",
  kube_pod_container_resource_limits: "kube-state-metrics",
};

/** Metric names a PromQL query selects: every `name{…}` selector (each default query writes its selectors so). */
function metricsOf(query: string): string[] {
  return [...new Set([...query.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1]!))].filter((name) => !["by", "without", "on", "ignoring"].includes(name));
}

const QUERIES_FILE = `
# Figures the test sets directly; errorRatePct and latencyP99Ms keep the default PromQL.
service:
  errorBudgetPct: 'interlock_test_signal{service="{{service}}",field="errorBudgetPct"}'
  capacityHeadroomPct:
    query: 'interlock_test_signal{service="{{service}}",field="capacityHeadroomPct"}'
`;

// ─── the Prometheus process ─────────────────────────────────────────────────

let tmp = "";
let exporter: TestExporter;
let prometheus: RunningPrometheus | null = null;
let prometheusUrl = "";
let config: PrometheusSignalConfig;
let source: PrometheusSignalSource;
const clock = new ManualClock("2026-03-01T12:00:00.000Z");

/** Retries `check` until it stops throwing; after the deadline, fails with its last error and Prometheus's log. */
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

describe("PrometheusSignalSource against a real Prometheus", () => {
  beforeAll(async () => {
    requireBinary(PROMETHEUS_BIN, "Prometheus");
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-prometheus-"));

    exporter = new TestExporter(TRAFFIC, CONTAINERS);
    exporter.setGauge(PAYMENT, "errorBudgetPct", 0.5);
    exporter.setGauge(PAYMENT, "capacityHeadroomPct", 35);
    exporter.setGauge(USER, "errorBudgetPct", 1.25);
    exporter.setGauge(USER, "capacityHeadroomPct", 60);
    exporter.setGauge(AWKWARD, "errorBudgetPct", 0.75);
    exporter.setGauge(AWKWARD, "capacityHeadroomPct", 42);
    const exporterPort = await exporter.start();

    prometheus = await startPrometheus({
      dir: tmp,
      config: {
        global: { scrape_interval: "1s", evaluation_interval: "1s" },
        scrape_configs: [{ job_name: "interlock-test", static_configs: [{ targets: [`127.0.0.1:${exporterPort}`] }] }],
      },
    });
    prometheusUrl = prometheus.url;
    // Scraped at least twice: rate() needs two samples.
    await eventually(async () => {
      const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent('count_over_time(up{job="interlock-test"}[1m])')}`);
      const body = (await response.json()) as { data: { result: { value: [number, string] }[] } };
      const samples = Number(body.data.result[0]?.value[1] ?? 0);
      if (samples < 3) throw new Error(`${samples} scrapes so far`);
    }, "Prometheus scraped the exporter");

    const queriesFile = path.join(tmp, "queries.yaml");
    fs.writeFileSync(queriesFile, QUERIES_FILE);
    const fromEnv = prometheusSignalConfigFromEnv({ PROMETHEUS_URL: prometheusUrl, PROMETHEUS_TIMEOUT_MS: "5000", PROMETHEUS_QUERIES_FILE: queriesFile });
    expect(fromEnv).not.toBeNull();
    config = fromEnv!;
    source = new PrometheusSignalSource(config, { clock });
  });

  afterAll(async () => {
    await prometheus?.stop();
    await exporter?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("reads what the exporter serves, per service, through the default PromQL and the file's overrides", async () => {
    expect(source.kind).toBe("prometheus");
    const payment = await eventually(async () => {
      const signals = await source.serviceSignals(PAYMENT);
      expect(signals.errorRatePct).toBeCloseTo((100 * 20) / 1100, 6);
      return signals;
    }, "payment-service's figures");
    expect(payment).toEqual({ service: PAYMENT, at: "2026-03-01T12:00:00.000Z", errorRatePct: payment.errorRatePct, errorBudgetPct: 0.5, capacityHeadroomPct: 35, latencyP99Ms: payment.latencyP99Ms });
    // 1000 baseline requests in (0.05, 0.1], 100 canary ones in (0.25, 0.5]: the 1089th is in the latter.
    expect(payment.latencyP99Ms).toBeCloseTo(1000 * (0.25 + 0.25 * ((0.99 * 1100 - 1000) / 100)), 6);

    const user = await eventually(async () => {
      const signals = await source.serviceSignals(USER);
      expect(signals.errorRatePct).toBeCloseTo(5, 6);
      return signals;
    }, "user-service's figures");
    expect(user).toMatchObject({ service: USER, errorBudgetPct: 1.25, capacityHeadroomPct: 60 });
    expect(user.latencyP99Ms).toBeCloseTo(p99Ms(2), 6);
  });

  it("escapes the service name into the PromQL string", async () => {
    const signals = await eventually(() => source.serviceSignals(AWKWARD), "the awkwardly named service's figures");
    // No 5xx series at all: `or vector(0)` makes that 0 %, not "unknown".
    expect(signals).toMatchObject({ service: AWKWARD, errorRatePct: 0, errorBudgetPct: 0.75, capacityHeadroomPct: 42 });
    expect(signals.latencyP99Ms).toBeCloseTo(p99Ms(0), 6);
  });

  it("sees the exporter's values change", async () => {
    exporter.setGauge(PAYMENT, "errorBudgetPct", 2.5);
    exporter.setGauge(PAYMENT, "capacityHeadroomPct", 12.5);
    clock.advance(60_000);
    const payment = await eventually(async () => {
      const signals = await source.serviceSignals(PAYMENT);
      expect(signals).toMatchObject({ errorBudgetPct: 2.5, capacityHeadroomPct: 12.5 });
      return signals;
    }, "the changed figures");
    expect(payment.at).toBe("2026-03-01T12:01:00.000Z");
    // The other service kept its own figures.
    expect(await source.serviceSignals(USER)).toMatchObject({ errorBudgetPct: 1.25, capacityHeadroomPct: 60 });
  });

  it("reads baseline and canary separately during a canary", async () => {
    const canary = await eventually(() => source.canarySignals(PAYMENT, 10), "payment-service's canary figures");
    expect(canary.service).toBe(PAYMENT);
    expect(canary.baseline.errorRatePct).toBeCloseTo(1, 6);
    expect(canary.canary.errorRatePct).toBeCloseTo(10, 6);
    expect(canary.baseline.latencyP99Ms).toBeCloseTo(p99Ms(1), 6);
    expect(canary.canary.latencyP99Ms).toBeCloseTo(p99Ms(3), 6);
    // increase() extrapolates over the window, and the two cohorts are two
    // queries that a scrape may fall between: only the rough proportion holds.
    expect(canary.baseline.requests).toBeGreaterThan(0);
    expect(canary.canary.requests / canary.baseline.requests).toBeCloseTo(100 / 1000, 1);
  });

  it("fails with UNAVAILABLE naming the query when a figure without a default has no data", async () => {
    const error = await rejectionOf(source.serviceSignals("no-such-service"));
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.message).toContain(`Prometheus at ${prometheusUrl} returned no data`);
    expect(error.message).toContain("of no-such-service");
    expect(error.details).toMatchObject({ url: prometheusUrl, service: "no-such-service" });
    expect(String(error.details.query)).toContain('"no-such-service"');

    // user-service runs no canary: no series carries its track label.
    const canary = await rejectionOf(source.canarySignals(USER, 10));
    expect(canary.code).toBe("UNAVAILABLE");
    expect(canary.message).toMatch(/\(baseline|\(canary/);
  });

  it("uses the configured defaults for empty results, and Prometheus accepts every default query", async () => {
    // Every built-in query with a sentinel default: if Prometheus refused one, the call would fail with bad_data.
    const sentinel = (queries: Record<string, { query: string; default: number | null }>) =>
      Object.fromEntries(Object.entries(queries).map(([field, spec]) => [field, { ...spec, default: -1 }]));
    const queries = { service: sentinel(DEFAULT_PROMETHEUS_QUERIES.service), cohort: sentinel(DEFAULT_PROMETHEUS_QUERIES.cohort) } as PrometheusQueries;
    const defaults = new PrometheusSignalSource({ url: prometheusUrl, timeoutMs: 5_000, queries }, { clock });
    const signals = await defaults.serviceSignals("no-such-service");
    for (const field of SERVICE_SIGNAL_FIELDS) expect(signals[field]).toBe(-1);
    const canary = await defaults.canarySignals("no-such-service", 50);
    for (const field of COHORT_SIGNAL_FIELDS) expect([canary.baseline[field], canary.canary[field]]).toEqual([-1, -1]);
  });

  it("runs only queries that read metrics which exist: every default query answers from a fully instrumented service", async () => {
    const queries = [...Object.values(DEFAULT_PROMETHEUS_QUERIES.service), ...Object.values(DEFAULT_PROMETHEUS_QUERIES.cohort)].map((spec) => spec.query);
    const read = new Set(queries.flatMap(metricsOf));
    expect([...read].sort()).toEqual(Object.keys(STANDARD_METRICS).sort());
    // Prometheus has scraped each of them: the names are the exporters' real ones, not invented.
    const names = await eventually(async () => {
      const body = (await (await fetch(`${prometheusUrl}/api/v1/label/__name__/values`)).json()) as { data: string[] };
      for (const name of read) expect(body.data).toContain(name);
      return body.data;
    }, "the metric names Prometheus has scraped");
    expect(names).not.toContain("interlock_operations_total");

    // With a sentinel default, a query that read a missing metric would answer -1 instead of a figure.
    const sentinel = (specs: Record<string, { query: string; default: number | null }>) =>
      Object.fromEntries(Object.entries(specs).map(([field, spec]) => [field, { ...spec, default: -1 }]));
    const defaults = new PrometheusSignalSource({ url: prometheusUrl, timeoutMs: 5_000, queries: { service: sentinel(DEFAULT_PROMETHEUS_QUERIES.service), cohort: sentinel(DEFAULT_PROMETHEUS_QUERIES.cohort) } as PrometheusQueries }, { clock });
    const user = await eventually(async () => {
      const signals = await defaults.serviceSignals(USER);
      for (const field of SERVICE_SIGNAL_FIELDS) expect(signals[field], field).not.toBe(-1);
      return signals;
    }, "user-service's figures through the default queries");
    expect(user.errorRatePct).toBeCloseTo(5, 6);
    expect(user.errorBudgetPct).toBeCloseTo(5, 6);
    expect(user.capacityHeadroomPct).toBeCloseTo(40, 6);
    const canary = await eventually(async () => {
      const signals = await defaults.canarySignals(PAYMENT, 10);
      for (const field of COHORT_SIGNAL_FIELDS) expect([signals.baseline[field], signals.canary[field]], field).not.toContain(-1);
      return signals;
    }, "payment-service's canary through the default queries");
    expect(canary.canary.errorRatePct).toBeCloseTo(10, 6);
  });

  it("measures the error budget over ERROR_BUDGET_WINDOW", async () => {
    const minute = prometheusSignalConfigFromEnv({ PROMETHEUS_URL: prometheusUrl, PROMETHEUS_TIMEOUT_MS: "5000", ERROR_BUDGET_WINDOW: "1m" })!;
    expect(minute.queries.service.errorBudgetPct.query).toContain("[1m]");
    const signals = await eventually(() => new PrometheusSignalSource(minute, { clock }).serviceSignals(USER), "user-service's error budget over a minute");
    expect(signals.errorBudgetPct).toBeCloseTo(5, 6);
  });

  it("explains a query Prometheus refuses and one that returns several series", async () => {
    const withQuery = (query: string) =>
      new PrometheusSignalSource({ ...config, queries: { ...config.queries, service: { ...config.queries.service, errorBudgetPct: { query, default: null } } } });

    const bad = await rejectionOf(withQuery("sum(interlock_test_signal{service=\"{{service}}\"").serviceSignals(PAYMENT));
    expect(bad.code).toBe("UNAVAILABLE");
    expect(bad.message).toContain("answered HTTP 400 bad_data");
    expect(bad.message).toContain("errorBudgetPct of payment-service");

    const many = await rejectionOf(withQuery('interlock_test_signal{field="errorBudgetPct"}').serviceSignals(PAYMENT));
    expect(many.message).toMatch(/returned \d+ series; a signal query must return one/);

    const matrix = await rejectionOf(withQuery('interlock_test_signal{service="{{service}}",field="errorBudgetPct"}[1m]').serviceSignals(PAYMENT));
    expect(matrix.message).toContain("returned a matrix");

    // A scalar is a single sample too.
    const scalar = await withQuery("scalar(vector(1.5))").serviceSignals(PAYMENT);
    expect(scalar.errorBudgetPct).toBe(1.5);
  });

  it("fails with UNAVAILABLE naming the URL once Prometheus is stopped", async () => {
    await prometheus?.stop();
    const error = await rejectionOf(source.serviceSignals(PAYMENT));
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.message).toMatch(new RegExp(`^Prometheus at ${prometheusUrl.replace(/[.]/g, "\\.")} is unreachable \\(.*ECONNREFUSED.*\\); query for \\w+ of payment-service: `));
    expect((await rejectionOf(source.canarySignals(PAYMENT, 10))).code).toBe("UNAVAILABLE");
  });
});

// What the adapter does with answers no healthy Prometheus gives: a stand-in
// HTTP server that hangs, answers garbage, or checks credentials.
describe("PrometheusSignalSource against a misbehaving endpoint", () => {
  let server: http.Server;
  let url = "";
  let behaviour: (req: http.IncomingMessage, res: http.ServerResponse) => void = () => {};

  beforeAll(async () => {
    server = http.createServer((req, res) => behaviour(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const answer = (status: number, body: string) => (_req: http.IncomingMessage, res: http.ServerResponse) => res.writeHead(status, { "content-type": "application/json" }).end(body);
  const sourceAt = (base: string, timeoutMs = 2_000) => new PrometheusSignalSource({ url: base, timeoutMs, queries: DEFAULT_PROMETHEUS_QUERIES });

  it("gives up after the timeout and says so", async () => {
    behaviour = () => {}; // never answers
    const error = await rejectionOf(sourceAt(url, 200).serviceSignals("s"));
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.message).toMatch(new RegExp(`^Prometheus at ${url.replace(/[.]/g, "\\.")} did not answer within 200 ms; query for \\w+ of s: `));
    server.closeAllConnections();
  });

  it("reports a body that is not Prometheus JSON, and an error response", async () => {
    behaviour = answer(502, "<html>Bad Gateway</html>");
    expect((await rejectionOf(sourceAt(url).serviceSignals("s"))).message).toContain("answered HTTP 502 with a body that is not a Prometheus API response");
    behaviour = answer(503, JSON.stringify({ status: "error", errorType: "unavailable", error: "TSDB not ready" }));
    expect((await rejectionOf(sourceAt(url).serviceSignals("s"))).message).toContain("answered HTTP 503 unavailable: TSDB not ready");
  });

  it("reports NaN as no number, or uses the default", async () => {
    behaviour = answer(200, JSON.stringify({ status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [1, "NaN"] }] } }));
    const error = await rejectionOf(sourceAt(url).serviceSignals("s"));
    expect(error.message).toContain("returned NaN, not a number");
    // requests has the default 0.
    behaviour = (req, res) => {
      const query = new URL(req.url!, "http://x").searchParams.get("query")!;
      const value = query.startsWith("sum(increase(") ? "+Inf" : "3";
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [1, value] }] } }));
    };
    const canary = await sourceAt(url).canarySignals("s", 10);
    expect(canary.canary).toEqual({ errorRatePct: 3, latencyP99Ms: 3, requests: 0 });
  });

  it("sends credentials in the URL as Basic auth, under a path prefix, and never prints them", async () => {
    const seen: { path: string; auth: string | undefined }[] = [];
    behaviour = (req, res) => {
      seen.push({ path: new URL(req.url!, "http://x").pathname, auth: req.headers.authorization });
      res.writeHead(401, { "content-type": "text/plain" }).end("Unauthorized");
    };
    const withCredentials = url.replace("http://", "http://reader:s%3Acret@") + "/prometheus/";
    const error = await rejectionOf(sourceAt(withCredentials).serviceSignals("s"));
    expect(seen[0]).toEqual({ path: "/prometheus/api/v1/query", auth: `Basic ${Buffer.from("reader:s:cret").toString("base64")}` });
    expect(error.message).toContain(`Prometheus at ${url}/prometheus answered HTTP 401`);
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain("cret");
  });
});
