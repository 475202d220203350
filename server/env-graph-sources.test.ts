// The graph sources' configuration (docs/graph-sources.md#configuration).
import { describe, expect, it } from "vitest";
import { EnvError, graphDurationMs, parseEnv } from "./env";

function problemsOf(source: Record<string, string>): { variable: string; message: string }[] {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  throw new Error("expected the configuration to be refused");
}

describe("the graph sources' configuration", () => {
  it("defaults: no source, a 1h traces window of at least 10 requests, a 7d age-out, a 5m interval, removals held for review", () => {
    const env = parseEnv({});
    expect(env.GRAPH_CATALOG_PATHS).toBeUndefined();
    expect(env.GRAPH_TRACES_PROMETHEUS_URL).toBeUndefined();
    expect([env.GRAPH_TRACES_WINDOW, env.GRAPH_TRACES_MIN_REQUESTS, env.GRAPH_OBSERVED_AGE_OUT, env.GRAPH_REFRESH_INTERVAL, env.GRAPH_REMOVALS]).toEqual(["1h", 10, "7d", "5m", "review"]);
    expect(graphDurationMs(env.GRAPH_OBSERVED_AGE_OUT)).toBe(7 * 86_400_000);
    expect(graphDurationMs(env.GRAPH_REFRESH_INTERVAL)).toBe(300_000);
  });

  it("takes 0 as refresh only on request, and Prometheus durations", () => {
    const env = parseEnv({ GRAPH_REFRESH_INTERVAL: "0", GRAPH_OBSERVED_AGE_OUT: "1d12h", GRAPH_REMOVALS: "auto", GRAPH_CATALOG_PATHS: "catalog/,extra.yaml", GRAPH_TRACES_PROMETHEUS_URL: "http://prometheus:9090" });
    expect(graphDurationMs(env.GRAPH_REFRESH_INTERVAL)).toBe(0);
    expect(graphDurationMs(env.GRAPH_OBSERVED_AGE_OUT)).toBe(36 * 3_600_000);
    expect(env.GRAPH_REMOVALS).toBe("auto");
  });

  it("refuses bad values, naming the variable", () => {
    const problems = problemsOf({
      GRAPH_TRACES_PROMETHEUS_URL: "prometheus:9090/?x=1",
      GRAPH_TRACES_WINDOW: "an hour",
      GRAPH_TRACES_MIN_REQUESTS: "0",
      GRAPH_OBSERVED_AGE_OUT: "0",
      GRAPH_REFRESH_INTERVAL: "5s",
      GRAPH_REMOVALS: "never",
      GRAPH_CATALOG_PATHS: " , ",
    });
    expect(problems.map((p) => p.variable).sort()).toEqual(
      ["GRAPH_CATALOG_PATHS", "GRAPH_OBSERVED_AGE_OUT", "GRAPH_REFRESH_INTERVAL", "GRAPH_REMOVALS", "GRAPH_TRACES_MIN_REQUESTS", "GRAPH_TRACES_PROMETHEUS_URL", "GRAPH_TRACES_WINDOW"].sort(),
    );
    expect(problems.find((p) => p.variable === "GRAPH_REFRESH_INTERVAL")!.message).toContain("at least 10s");
  });
});
