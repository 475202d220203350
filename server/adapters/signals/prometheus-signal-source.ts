import "server-only";
import fs from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { systemClock, type Clock } from "../../core/clock";
import { AppError } from "../../core/errors";
import type { CanarySignals, CohortSignals, ServiceSignals, SignalSource } from "../../core/gates/ports";
import { ERROR_BUDGET_ENV_FIELDS, EnvError } from "../../env";

// The production signal source (docs/gates.md): one PromQL query per figure,
// run against Prometheus's HTTP API (GET /api/v1/query, an instant query
// evaluated at Prometheus's "now"). The queries are templates so an estate
// whose metrics are named differently changes a file, not this code. The
// gates' failure and incident counts are not read here: they come from
// Interlock's own store, in every mode (server/adapters/postgres/gate-history.ts).

export const SERVICE_SIGNAL_FIELDS = ["errorRatePct", "errorBudgetPct", "capacityHeadroomPct", "latencyP99Ms"] as const;
export type ServiceSignalField = (typeof SERVICE_SIGNAL_FIELDS)[number];
export const COHORT_SIGNAL_FIELDS = ["errorRatePct", "latencyP99Ms", "requests"] as const;
export type CohortSignalField = (typeof COHORT_SIGNAL_FIELDS)[number];

export interface PromQuery {
  /**
   * PromQL with placeholders: `{{service}}` (the service name, escaped for a
   * double-quoted PromQL string, so write it inside "…"); cohort queries also
   * get `{{cohort}}` ("baseline" or "canary") and `{{trafficPct}}` (the
   * canary's share of traffic, a number). It must return one sample: a
   * single-series vector or a scalar.
   */
  query: string;
  /**
   * The figure when the query returns no sample or a non-number (NaN, ±Inf);
   * null makes that an UNAVAILABLE error, which the gates treat as a failure.
   */
  default: number | null;
}

export interface PrometheusQueries {
  service: Record<ServiceSignalField, PromQuery>;
  cohort: Record<CohortSignalField, PromQuery>;
}

export interface PrometheusSignalConfig {
  /** Prometheus's base URL (e.g. http://prometheus:9090, or …/prometheus behind a path prefix). */
  url: string;
  /** How long one query may take, answer included. */
  timeoutMs: number;
  queries: PrometheusQueries;
}

/** The default error-budget window (ERROR_BUDGET_WINDOW). */
export const DEFAULT_ERROR_BUDGET_WINDOW = "1h";

/**
 * Queries for the metric names most HTTP services export (a counter
 * `http_requests_total` and a histogram `http_request_duration_seconds`, both
 * labelled `service` and, during a canary, `track="baseline"|"canary"`) and
 * cAdvisor + kube-state-metrics for capacity. Rates are over 5 minutes, a
 * canary stage's wait (docs/gates.md); the error budget is measured over
 * `errorBudgetWindow` (ERROR_BUDGET_WINDOW, a Prometheus duration).
 */
export function defaultPrometheusQueries(errorBudgetWindow: string = DEFAULT_ERROR_BUDGET_WINDOW): PrometheusQueries {
  return {
    service: {
      // Share of requests answered with a 5xx. `or vector(0)`: a service that never
      // failed has no 5xx series at all, which means 0 %, not "unknown".
      errorRatePct: {
        query: '100 * (sum(rate(http_requests_total{service="{{service}}",code=~"5.."}[5m])) or vector(0)) / sum(rate(http_requests_total{service="{{service}}"}[5m]))',
        default: null,
      },
      // The same ratio over the SLO window, ERROR_BUDGET_WINDOW: an hour by default, so
      // that a young Prometheus answers; with a 30-day SLO and the retention for it, 30d.
      errorBudgetPct: {
        query: `100 * (sum(rate(http_requests_total{service="{{service}}",code=~"5.."}[${errorBudgetWindow}])) or vector(0)) / sum(rate(http_requests_total{service="{{service}}"}[${errorBudgetWindow}]))`,
        default: null,
      },
      // What the tighter of CPU and memory leaves against the containers' limits.
      // label_replace keeps the two ratios apart, so `or` returns both and max picks the tighter.
      capacityHeadroomPct: {
        query:
          '100 * (1 - max(' +
          'sum(rate(container_cpu_usage_seconds_total{container="{{service}}"}[5m])) / sum(kube_pod_container_resource_limits{container="{{service}}",resource="cpu"})' +
          ' or ' +
          'label_replace(sum(container_memory_working_set_bytes{container="{{service}}"}) / sum(kube_pod_container_resource_limits{container="{{service}}",resource="memory"}), "resource", "memory", "", "")' +
          "))",
        default: null,
      },
      latencyP99Ms: { query: '1000 * histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{service="{{service}}"}[5m])))', default: null },
    },
    cohort: {
      errorRatePct: {
        query:
          '100 * (sum(rate(http_requests_total{service="{{service}}",track="{{cohort}}",code=~"5.."}[5m])) or vector(0)) / sum(rate(http_requests_total{service="{{service}}",track="{{cohort}}"}[5m]))',
        default: null,
      },
      latencyP99Ms: {
        query: '1000 * histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{service="{{service}}",track="{{cohort}}"}[5m])))',
        default: null,
      },
      // No series: the cohort has served nothing yet (the port's "0 when the source cannot tell").
      requests: { query: 'sum(increase(http_requests_total{service="{{service}}",track="{{cohort}}"}[5m]))', default: 0 },
    },
  };
}

/** The default queries with the default error-budget window. */
export const DEFAULT_PROMETHEUS_QUERIES: PrometheusQueries = defaultPrometheusQueries();

const SERVICE_PLACEHOLDERS = ["service"] as const;
const COHORT_PLACEHOLDERS = ["service", "cohort", "trafficPct"] as const;

/**
 * `value` as the inside of a double-quoted PromQL string: PromQL strings
 * follow Go's escapes, so a backslash, a quote or a line break in a service
 * name would otherwise end the string or change the query.
 */
export function escapePromQLString(value: string): string {
  return value.replace(/[\\"\n\r\t]/g, (c) => ({ "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t" })[c]!);
}

/** A template with its placeholders filled; the service name is escaped, the other values are ours. */
export function renderPromQuery(template: string, values: { service: string; cohort?: "baseline" | "canary"; trafficPct?: number }): string {
  return template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
    if (name === "service") return escapePromQLString(values.service);
    if (name === "cohort" && values.cohort) return values.cohort;
    if (name === "trafficPct" && values.trafficPct !== undefined) return String(values.trafficPct);
    return whole; // unreachable for a validated template
  });
}

/** Placeholders a template uses that it may not, e.g. a `{{cohort}}` in a service query or a misspelt `{{servise}}`. */
function unknownPlaceholders(template: string, allowed: readonly string[]): string[] {
  return [...template.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)].map((m) => m[0]).filter((p) => !allowed.some((name) => p === `{{${name}}}`));
}

/** Every problem with a set of queries, as "service.errorRatePct: …" lines; empty when they are fine. */
function queryProblems(queries: PrometheusQueries): string[] {
  const problems: string[] = [];
  const check = (kind: "service" | "cohort", field: string, spec: PromQuery, allowed: readonly string[]) => {
    if (spec.query.trim() === "") problems.push(`${kind}.${field}: the query is empty`);
    const unknown = unknownPlaceholders(spec.query, allowed);
    if (unknown.length > 0) problems.push(`${kind}.${field}: unknown placeholder ${unknown.join(", ")} (allowed: ${allowed.map((a) => `{{${a}}}`).join(", ")})`);
    if (kind === "cohort" && !spec.query.includes("{{cohort}}")) problems.push(`${kind}.${field}: the query does not use {{cohort}}, so baseline and canary would read the same figures`);
    if (spec.default !== null && !Number.isFinite(spec.default)) problems.push(`${kind}.${field}: the default must be a finite number or null`);
  };
  for (const field of SERVICE_SIGNAL_FIELDS) check("service", field, queries.service[field], SERVICE_PLACEHOLDERS);
  for (const field of COHORT_SIGNAL_FIELDS) check("cohort", field, queries.cohort[field], COHORT_PLACEHOLDERS);
  return problems;
}

// A query override: the PromQL alone (keeping the built-in default), or
// { query, default } where default null means "no data is an error".
const ZQueryOverride = z.union([
  z.string().min(1, "must not be empty"),
  z.strictObject({ query: z.string().min(1, "must not be empty"), default: z.number({ message: "must be a number or null" }).nullable().optional() }),
]);
const ZQueryOverrides = z.strictObject({
  service: z.strictObject(Object.fromEntries(SERVICE_SIGNAL_FIELDS.map((f) => [f, ZQueryOverride.optional()])) as Record<ServiceSignalField, z.ZodOptional<typeof ZQueryOverride>>).optional(),
  cohort: z.strictObject(Object.fromEntries(COHORT_SIGNAL_FIELDS.map((f) => [f, ZQueryOverride.optional()])) as Record<CohortSignalField, z.ZodOptional<typeof ZQueryOverride>>).optional(),
});
export type PrometheusQueryOverrides = z.input<typeof ZQueryOverrides>;

/**
 * The default queries with `overrides` applied (the content of
 * PROMETHEUS_QUERIES_FILE); returns the problems instead when there are any.
 */
export function applyQueryOverrides(overrides: unknown, errorBudgetWindow: string = DEFAULT_ERROR_BUDGET_WINDOW): { ok: true; queries: PrometheusQueries } | { ok: false; problems: string[] } {
  const result = ZQueryOverrides.safeParse(overrides ?? {});
  if (!result.success) {
    return { ok: false, problems: result.error.issues.map((i) => `${i.path.map(String).join(".") || "(file)"}: ${i.message}`) };
  }
  const queries = defaultPrometheusQueries(errorBudgetWindow);
  const merge = (into: PromQuery, given: z.infer<typeof ZQueryOverride> | undefined): PromQuery =>
    given === undefined ? into : typeof given === "string" ? { ...into, query: given } : { query: given.query, default: given.default === undefined ? into.default : given.default };
  for (const field of SERVICE_SIGNAL_FIELDS) queries.service[field] = merge(queries.service[field], result.data.service?.[field]);
  for (const field of COHORT_SIGNAL_FIELDS) queries.cohort[field] = merge(queries.cohort[field], result.data.cohort?.[field]);
  const problems = queryProblems(queries);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, queries };
}

const httpUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: "custom", message: "is not a valid URL (expected e.g. http://prometheus:9090)" });
    return;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") ctx.addIssue({ code: "custom", message: `must use http:// or https://, not ${url.protocol}//` });
  else if (url.search || url.hash) ctx.addIssue({ code: "custom", message: "must not have a query string or fragment" });
});

/**
 * The variables this adapter reads, with server/env.ts's conventions, for the
 * start-up schema to include. ERROR_BUDGET_WINDOW is server/env.ts's own
 * (the start-up schema validates it too).
 */
export const PROMETHEUS_ENV_FIELDS = {
  ...ERROR_BUDGET_ENV_FIELDS,
  PROMETHEUS_URL: httpUrl.optional(),
  PROMETHEUS_TIMEOUT_MS: z.coerce.number({ message: "must be a number" }).int("must be a whole number").min(50, "must be at least 50").max(60_000, "must be at most 60000").default(2000),
  PROMETHEUS_QUERIES_FILE: z.string().min(1, "must not be empty").optional(),
};
const ZPrometheusEnv = z.object(PROMETHEUS_ENV_FIELDS);

/**
 * The Prometheus source the environment asks for, or null when PROMETHEUS_URL
 * is unset (the simulated source is then the default). Throws EnvError naming
 * each bad variable, and each bad entry of PROMETHEUS_QUERIES_FILE (YAML or
 * JSON, relative paths from the working directory).
 */
export function prometheusSignalConfigFromEnv(env: Record<string, string | undefined>): PrometheusSignalConfig | null {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([key, v]) => (key.startsWith("PROMETHEUS_") || key in ERROR_BUDGET_ENV_FIELDS) && v !== undefined && v !== ""));
  const result = ZPrometheusEnv.safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(result.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? "(environment)"), message: issue.message })));
  }
  const { PROMETHEUS_URL: url, PROMETHEUS_TIMEOUT_MS: timeoutMs, PROMETHEUS_QUERIES_FILE: file, ERROR_BUDGET_WINDOW: window } = result.data;
  if (!url) return null;
  if (!file) return { url, timeoutMs, queries: defaultPrometheusQueries(window) };

  const fileError = (message: string) => new EnvError([{ variable: "PROMETHEUS_QUERIES_FILE", message }]);
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(absolute, "utf8");
  } catch (error) {
    throw fileError(`cannot read ${absolute}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let value: unknown;
  try {
    value = parseYaml(text, { uniqueKeys: true });
  } catch (error) {
    // The first line of yaml's message ends "at line 3, column 1:"; the rest is an excerpt of the file.
    throw fileError(`${absolute} is not valid YAML or JSON: ${(error as Error).message.split("\n")[0]!.replace(/:$/, "")}`);
  }
  const applied = applyQueryOverrides(value, window);
  if (!applied.ok) throw new EnvError(applied.problems.map((problem) => ({ variable: "PROMETHEUS_QUERIES_FILE", message: `${absolute}: ${problem}` })));
  return { url, timeoutMs, queries: applied.queries };
}

export interface PrometheusSignalSourceOptions {
  /** Stamps `at` on the figures read. */
  clock?: Clock;
}

const ZSample = z.tuple([z.number(), z.string()]);
const ZQueryResponse = z.object({
  status: z.string(),
  data: z.object({ resultType: z.string(), result: z.unknown() }).optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
});
const ZVector = z.array(z.object({ metric: z.record(z.string(), z.string()), value: ZSample }));

/** What one query was for, for error messages and details. */
interface QueryPurpose {
  service: string;
  field: string;
  cohort?: "baseline" | "canary";
}

export class PrometheusSignalSource implements SignalSource {
  readonly kind = "prometheus";
  private readonly clock: Clock;
  private readonly endpoint: URL;
  /** The URL as messages show it: without the credentials. */
  private readonly displayUrl: string;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly config: PrometheusSignalConfig,
    options: PrometheusSignalSourceOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    const problems = queryProblems(config.queries);
    if (problems.length > 0) throw new AppError("VALIDATION_FAILED", `Invalid Prometheus queries: ${problems.join("; ")}`, { problems });
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
  }

  async serviceSignals(service: string): Promise<ServiceSignals> {
    const at = this.clock.now().toISOString();
    const values = await Promise.all(SERVICE_SIGNAL_FIELDS.map((field) => this.read(this.config.queries.service[field], { service }, { service, field })));
    return { service, at, ...(Object.fromEntries(SERVICE_SIGNAL_FIELDS.map((field, i) => [field, values[i]!])) as Record<ServiceSignalField, number>) };
  }

  async canarySignals(service: string, trafficPct: number): Promise<CanarySignals> {
    if (!Number.isFinite(trafficPct) || trafficPct < 0 || trafficPct > 100) {
      throw new AppError("VALIDATION_FAILED", `Canary traffic must be a percentage from 0 to 100, not ${trafficPct}`, { trafficPct });
    }
    const at = this.clock.now().toISOString();
    const cohort = async (name: "baseline" | "canary"): Promise<CohortSignals> => {
      const values = await Promise.all(
        COHORT_SIGNAL_FIELDS.map((field) => this.read(this.config.queries.cohort[field], { service, cohort: name, trafficPct }, { service, field, cohort: name })),
      );
      return Object.fromEntries(COHORT_SIGNAL_FIELDS.map((field, i) => [field, values[i]!])) as Record<CohortSignalField, number> satisfies CohortSignals;
    };
    const [baseline, canary] = await Promise.all([cohort("baseline"), cohort("canary")]);
    return { service, at, baseline, canary };
  }

  /** Runs one query and returns its single sample, or the field's default when there is none. */
  private async read(spec: PromQuery, values: Parameters<typeof renderPromQuery>[1], purpose: QueryPurpose): Promise<number> {
    const query = renderPromQuery(spec.query, values);
    const what = `${purpose.field} of ${purpose.service}${purpose.cohort ? ` (${purpose.cohort})` : ""}`;
    const fail = (message: string, extra: Record<string, unknown> = {}, cause?: unknown) =>
      new AppError("UNAVAILABLE", `Prometheus at ${this.displayUrl} ${message}; query for ${what}: ${query}`, { url: this.displayUrl, query, ...purpose, ...extra }, { cause });

    const url = new URL(this.endpoint);
    url.searchParams.set("query", query);
    let status: number;
    let body: string;
    try {
      const response = await fetch(url, { headers: this.headers, signal: AbortSignal.timeout(this.config.timeoutMs) });
      status = response.status;
      body = await response.text();
    } catch (error) {
      if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
        throw fail(`did not answer within ${this.config.timeoutMs} ms`, {}, error);
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
    if (!parsed) throw fail(`answered HTTP ${status} with a body that is not a Prometheus API response`, { status });
    if (parsed.status !== "success" || status < 200 || status >= 300) {
      // 400 bad_data is a query Prometheus cannot parse: a configuration error, named as such.
      throw fail(`answered HTTP ${status} ${parsed.errorType ?? parsed.status}: ${parsed.error ?? "no error message"}`, { status, errorType: parsed.errorType });
    }

    const sample = singleSample(parsed.data);
    if (typeof sample === "string") throw fail(sample);
    if (sample !== null && Number.isFinite(sample)) return sample;
    if (spec.default !== null) return spec.default;
    throw fail(sample === null ? "returned no data (check the metric exists, or configure a default for this figure)" : `returned ${formatSpecial(sample)}, not a number (no traffic in the window?)`);
  }
}

/** The query's one value; null for an empty vector; a string saying what is wrong with any other shape. */
function singleSample(data: { resultType: string; result: unknown } | undefined): number | null | string {
  if (!data) return "answered without data";
  if (data.resultType === "scalar") {
    const scalar = ZSample.safeParse(data.result);
    return scalar.success ? parseSampleValue(scalar.data[1]) : "answered a malformed scalar";
  }
  if (data.resultType !== "vector") return `returned a ${data.resultType}; a signal query must return an instant vector or a scalar`;
  const vector = ZVector.safeParse(data.result);
  if (!vector.success) return "answered a malformed vector";
  if (vector.data.length === 0) return null;
  if (vector.data.length > 1) return `returned ${vector.data.length} series; a signal query must return one (aggregate it with sum(…) or max(…))`;
  return parseSampleValue(vector.data[0]!.value[1]);
}

// Prometheus writes special floats as "NaN", "+Inf" and "-Inf".
function parseSampleValue(text: string): number {
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  return Number(text);
}

function formatSpecial(value: number): string {
  return Number.isNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf";
}

// Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, …) is in its cause.
function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: string; message?: string } | undefined;
  if (cause?.message) return cause.message;
  if (cause?.code) return cause.code;
  return error.message;
}
