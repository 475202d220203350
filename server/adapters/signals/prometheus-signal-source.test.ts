import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AppError } from "../../core/errors";
import { EnvError } from "../../env";
import {
  DEFAULT_PROMETHEUS_QUERIES,
  PrometheusSignalSource,
  SERVICE_SIGNAL_FIELDS,
  defaultPrometheusQueries,
  applyQueryOverrides,
  escapePromQLString,
  prometheusSignalConfigFromEnv,
  renderPromQuery,
} from "./prometheus-signal-source";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-prom-config-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeFile(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

function envProblems(env: Record<string, string | undefined>): { variable: string; message: string }[] {
  try {
    prometheusSignalConfigFromEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    return (error as EnvError).problems;
  }
  throw new Error("expected a configuration error");
}

describe("PromQL templates", () => {
  it("escapes a service name for a double-quoted PromQL string", () => {
    expect(escapePromQLString("payment-service")).toBe("payment-service");
    expect(escapePromQLString('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
  });

  it("fills the placeholders, escaping only the service name", () => {
    expect(renderPromQuery('up{service="{{service}}"}', { service: 'x"} or vector(1) or up{a="' })).toBe('up{service="x\\"} or vector(1) or up{a=\\""}');
    expect(renderPromQuery('m{service="{{service}}",track="{{cohort}}"} * {{trafficPct}} / 100', { service: "s", cohort: "canary", trafficPct: 10 })).toBe(
      'm{service="s",track="canary"} * 10 / 100',
    );
  });

  it("keeps the defaults valid: every cohort query separates the cohorts", () => {
    expect(applyQueryOverrides({})).toEqual({ ok: true, queries: DEFAULT_PROMETHEUS_QUERIES });
    for (const spec of Object.values(DEFAULT_PROMETHEUS_QUERIES.cohort)) expect(spec.query).toContain("{{cohort}}");
  });

  it("applies overrides: a bare query keeps the built-in default, an object may replace it", () => {
    const result = applyQueryOverrides({
      service: { errorRatePct: "my_error_ratio{app=\"{{service}}\"} * 100", capacityHeadroomPct: { query: "headroom_pct{app=\"{{service}}\"}", default: null }, latencyP99Ms: { query: "p99_ms", default: 0 } },
      cohort: { requests: "sum(reqs{app=\"{{service}}\",track=\"{{cohort}}\"})" },
    });
    if (!result.ok) throw new Error(result.problems.join("; "));
    expect(result.queries.service.errorRatePct).toEqual({ query: 'my_error_ratio{app="{{service}}"} * 100', default: null });
    expect(result.queries.service.capacityHeadroomPct).toEqual({ query: 'headroom_pct{app="{{service}}"}', default: null });
    expect(result.queries.service.latencyP99Ms).toEqual({ query: "p99_ms", default: 0 });
    expect(result.queries.cohort.requests.default).toBe(0);
    expect(result.queries.service.errorBudgetPct).toEqual(DEFAULT_PROMETHEUS_QUERIES.service.errorBudgetPct);
  });

  it("reads no failure or incident counts: the gates take those from the store", () => {
    expect([...SERVICE_SIGNAL_FIELDS]).toEqual(["errorRatePct", "errorBudgetPct", "capacityHeadroomPct", "latencyP99Ms"]);
    // An override file written for the old figures is refused, not silently ignored.
    const stale = applyQueryOverrides({ service: { failuresLastHour: "x", incidentsLastHour: "y" } });
    expect(stale.ok).toBe(false);
    if (!stale.ok) expect(stale.problems).toEqual([expect.stringMatching(/^service: .*failuresLastHour.*incidentsLastHour/)]);
  });

  it("measures the error budget over the window asked for, and only that query", () => {
    const month = defaultPrometheusQueries("30d");
    expect(month.service.errorBudgetPct.query).toBe(
      '100 * (sum(rate(http_requests_total{service="{{service}}",code=~"5.."}[30d])) or vector(0)) / sum(rate(http_requests_total{service="{{service}}"}[30d]))',
    );
    expect(DEFAULT_PROMETHEUS_QUERIES.service.errorBudgetPct.query).toContain("[1h]");
    expect(DEFAULT_PROMETHEUS_QUERIES.service.errorBudgetPct.query).not.toContain("[30d]");
    expect({ ...month, service: { ...month.service, errorBudgetPct: null } }).toEqual({ ...DEFAULT_PROMETHEUS_QUERIES, service: { ...DEFAULT_PROMETHEUS_QUERIES.service, errorBudgetPct: null } });
  });

  it("names every bad entry of an override", () => {
    const result = applyQueryOverrides({
      service: { errorRate: "x", latencyP99Ms: { query: "" }, errorBudgetPct: 'x{a="{{servise}}"}', incidentsLastHour: 'x{t="{{cohort}}"}' },
      cohort: { requests: "sum(reqs)", errorRatePct: { query: 'x{t="{{cohort}}"}', default: "0" } },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^service: .*errorRate/),
        expect.stringMatching(/^service\.latencyP99Ms\.query: must not be empty/),
        expect.stringMatching(/^cohort\.errorRatePct/),
      ]),
    );
    // Placeholders are checked once the shape is right.
    const placeholders = applyQueryOverrides({ service: { errorBudgetPct: 'x{a="{{servise}}"}', latencyP99Ms: 'x{t="{{cohort}}"}' }, cohort: { requests: "sum(reqs)" } });
    expect(placeholders).toEqual({
      ok: false,
      problems: [
        "service.errorBudgetPct: unknown placeholder {{servise}} (allowed: {{service}})",
        "service.latencyP99Ms: unknown placeholder {{cohort}} (allowed: {{service}})",
        "cohort.requests: the query does not use {{cohort}}, so baseline and canary would read the same figures",
      ],
    });
  });
});

describe("prometheusSignalConfigFromEnv", () => {
  it("is null without PROMETHEUS_URL (the simulated source is the default)", () => {
    expect(prometheusSignalConfigFromEnv({})).toBeNull();
    expect(prometheusSignalConfigFromEnv({ PROMETHEUS_URL: "", PROMETHEUS_TIMEOUT_MS: "500" })).toBeNull();
  });

  it("takes the URL, a 2000 ms timeout by default, and the default queries", () => {
    expect(prometheusSignalConfigFromEnv({ PROMETHEUS_URL: "http://prometheus:9090" })).toEqual({ url: "http://prometheus:9090", timeoutMs: 2000, queries: DEFAULT_PROMETHEUS_QUERIES });
    expect(prometheusSignalConfigFromEnv({ PROMETHEUS_URL: "https://metrics.example.com/prometheus/", PROMETHEUS_TIMEOUT_MS: "750" })?.timeoutMs).toBe(750);
  });

  it("measures the error budget over ERROR_BUDGET_WINDOW (1h by default), also under a query file that leaves it alone", () => {
    expect(prometheusSignalConfigFromEnv({ PROMETHEUS_URL: "http://p:9090", ERROR_BUDGET_WINDOW: "" })?.queries).toEqual(defaultPrometheusQueries("1h"));
    expect(prometheusSignalConfigFromEnv({ PROMETHEUS_URL: "http://p:9090", ERROR_BUDGET_WINDOW: "30d" })?.queries).toEqual(defaultPrometheusQueries("30d"));
    const file = writeFile("latency.yaml", "service:\n  latencyP99Ms: p99_ms\n");
    const config = prometheusSignalConfigFromEnv({ PROMETHEUS_URL: "http://p:9090", PROMETHEUS_QUERIES_FILE: file, ERROR_BUDGET_WINDOW: "1h30m" });
    expect(config?.queries.service.errorBudgetPct.query).toContain("[1h30m]");
    expect(config?.queries.service.latencyP99Ms.query).toBe("p99_ms");
    for (const bad of ["30 days", "0d", "1.5h", "h", "30m1h"]) {
      expect(envProblems({ PROMETHEUS_URL: "http://p:9090", ERROR_BUDGET_WINDOW: bad }).map((p) => p.variable)).toEqual(["ERROR_BUDGET_WINDOW"]);
    }
  });

  it("names each bad variable", () => {
    const problems = envProblems({ PROMETHEUS_URL: "prometheus:9090", PROMETHEUS_TIMEOUT_MS: "soon" });
    expect(problems.map((p) => p.variable).sort()).toEqual(["PROMETHEUS_TIMEOUT_MS", "PROMETHEUS_URL"]);
    expect(envProblems({ PROMETHEUS_URL: "ftp://prometheus" })[0]!.message).toBe("must use http:// or https://, not ftp://");
    expect(envProblems({ PROMETHEUS_URL: "http://p:9090", PROMETHEUS_TIMEOUT_MS: "1.5" })[0]!.message).toBe("must be a whole number");
  });

  it("reads query overrides from a YAML or JSON file", () => {
    const yamlFile = writeFile("queries.yaml", 'service:\n  errorBudgetPct: slo_error_ratio{app="{{service}}"}\n');
    expect(prometheusSignalConfigFromEnv({ PROMETHEUS_URL: "http://p:9090", PROMETHEUS_QUERIES_FILE: yamlFile })?.queries.service.errorBudgetPct.query).toBe('slo_error_ratio{app="{{service}}"}');
    const jsonFile = writeFile("queries.json", JSON.stringify({ cohort: { requests: { query: 'r{t="{{cohort}}"}', default: null } } }));
    expect(prometheusSignalConfigFromEnv({ PROMETHEUS_URL: "http://p:9090", PROMETHEUS_QUERIES_FILE: jsonFile })?.queries.cohort.requests).toEqual({ query: 'r{t="{{cohort}}"}', default: null });
  });

  it("names the file and the entry when the file is missing, malformed or wrong", () => {
    const missing = envProblems({ PROMETHEUS_URL: "http://p:9090", PROMETHEUS_QUERIES_FILE: path.join(tmp, "nope.yaml") });
    expect(missing).toEqual([{ variable: "PROMETHEUS_QUERIES_FILE", message: `cannot read ${path.join(tmp, "nope.yaml")}: ENOENT` }]);

    const malformed = writeFile("malformed.yaml", "service:\n  errorRatePct: [unclosed\n");
    expect(envProblems({ PROMETHEUS_URL: "http://p:9090", PROMETHEUS_QUERIES_FILE: malformed })[0]!.message).toMatch(/malformed\.yaml is not valid YAML or JSON: .* at line 3, column 1$/);

    const wrong = writeFile("wrong.yaml", "servce:\n  errorRatePct: x\n");
    const problems = envProblems({ PROMETHEUS_URL: "http://p:9090", PROMETHEUS_QUERIES_FILE: wrong });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain(`${wrong}: (file): Unrecognized key: "servce"`);
  });
});

describe("PrometheusSignalSource construction", () => {
  it("refuses queries with problems, and bad traffic shares", async () => {
    const queries = structuredClone(DEFAULT_PROMETHEUS_QUERIES);
    queries.service.errorRatePct.query = 'x{a="{{svc}}"}';
    expect(() => new PrometheusSignalSource({ url: "http://p:9090", timeoutMs: 100, queries })).toThrow(AppError);
    const source = new PrometheusSignalSource({ url: "http://p:9090", timeoutMs: 100, queries: DEFAULT_PROMETHEUS_QUERIES });
    await expect(source.canarySignals("s", 101)).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
  });
});
