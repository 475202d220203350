import { describe, expect, it } from "vitest";
import { AppError } from "../../errors";
import { kindOfConnectionType, observedEdges, type ServiceGraphSample } from "./observed-edges";
import { parsePrometheusDuration, serviceGraphQueries } from "./service-graph-query";
import { tracesAssertion } from "./traces-assertion";

const sample = (client: string | null, server: string | null, value: number, connectionType?: string): ServiceGraphSample => ({
  labels: { ...(client === null ? {} : { client }), ...(server === null ? {} : { server }), ...(connectionType === undefined ? {} : { connection_type: connectionType }) },
  value,
});

describe("observedEdges", () => {
  it("maps connection_type to the edge kind: messaging_system → ASYNC_EVENT, database → DATA, unset or any other → SYNC_API", () => {
    expect(kindOfConnectionType("messaging_system")).toBe("ASYNC_EVENT");
    expect(kindOfConnectionType("database")).toBe("DATA");
    expect(kindOfConnectionType("")).toBe("SYNC_API");
    expect(kindOfConnectionType("grpc_stream")).toBe("SYNC_API");
    const { edges } = observedEdges([sample("checkout", "payment", 50), sample("orders", "notifications", 40, "messaging_system"), sample("orders", "orders-db", 30, "database")], [], { minRequests: 10 });
    expect(edges.map((e) => [e.client, e.server, e.kind])).toEqual([
      ["checkout", "payment", "SYNC_API"],
      ["orders", "notifications", "ASYNC_EVENT"],
      ["orders", "orders-db", "DATA"],
    ]);
  });

  it("drops edges under the threshold, comparing the rounded count (at the threshold is kept)", () => {
    const { edges, dropped } = observedEdges([sample("a", "b", 9.4), sample("a", "c", 9.5), sample("a", "d", 10), sample("a", "e", 0)], [], { minRequests: 10 });
    expect(edges.map((e) => [e.server, e.requests])).toEqual([
      ["c", 10],
      ["d", 10],
    ]);
    expect(dropped).toEqual([
      { client: "a", server: "b", connectionTypes: [""], requests: 9, reason: "BELOW_THRESHOLD" },
      { client: "a", server: "e", connectionTypes: [""], requests: 0, reason: "BELOW_THRESHOLD" },
    ]);
  });

  it("drops self-edges, virtual nodes, and series whose client or server is missing, empty or \"unknown\"", () => {
    const { edges, dropped } = observedEdges(
      [
        sample("checkout", "checkout", 500),
        sample("user", "checkout", 500, "virtual_node"),
        sample("checkout", "stripe-api", 500, "virtual_node"),
        sample(null, "payment", 500),
        sample(" ", "payment", 500),
        sample("checkout", "unknown", 500),
        sample("unknown", "payment", 500),
        sample("checkout", null, 500),
        // "user" outside a virtual_node series is whatever service is named so.
        sample("user", "payment", 500),
      ],
      [],
      { minRequests: 10 },
    );
    expect(edges.map((e) => `${e.client}->${e.server}`)).toEqual(["user->payment"]);
    expect(dropped.map((d) => [d.client, d.server, d.reason])).toEqual([
      ["", "payment", "NO_CLIENT"],
      [" ", "payment", "NO_CLIENT"],
      ["checkout", "", "NO_SERVER"],
      ["checkout", "checkout", "SELF_EDGE"],
      ["checkout", "stripe-api", "VIRTUAL_NODE"],
      ["checkout", "unknown", "NO_SERVER"],
      ["unknown", "payment", "NO_CLIENT"],
      ["user", "checkout", "VIRTUAL_NODE"],
    ]);
  });

  it("folds one pair's series of several connection types into one edge: counts add up, the kind with most requests wins, SYNC_API on a tie", () => {
    const { edges } = observedEdges(
      [sample("a", "b", 6, "messaging_system"), sample("a", "b", 5), sample("c", "d", 7, "database"), sample("c", "d", 3), sample("e", "f", 5, "database"), sample("e", "f", 5, "messaging_system")],
      [],
      { minRequests: 10 },
    );
    expect(edges).toEqual([
      { client: "a", server: "b", kind: "ASYNC_EVENT", requests: 11, failedRequests: null },
      { client: "c", server: "d", kind: "DATA", requests: 10, failedRequests: null },
      { client: "e", server: "f", kind: "ASYNC_EVENT", requests: 10, failedRequests: null },
    ]);
    const tie = observedEdges([sample("a", "b", 5, "database"), sample("a", "b", 5)], [], { minRequests: 1 });
    expect(tie.edges[0]!.kind).toBe("SYNC_API");
  });

  it("gives failed requests per edge: 0 without a failed series when the counter exists, null when it has no series at all", () => {
    const requests = [sample("a", "b", 100), sample("a", "c", 100, "messaging_system"), sample("a", "d", 100)];
    const failed = [sample("a", "b", 4.6), sample("a", "c", 1, "messaging_system"), sample("a", "c", 2), sample("x", "y", 1, "virtual_node")];
    expect(observedEdges(requests, failed, { minRequests: 10 }).edges.map((e) => [e.server, e.failedRequests])).toEqual([
      ["b", 5],
      ["c", 3],
      ["d", 0],
    ]);
    expect(observedEdges(requests, [], { minRequests: 10 }).edges.map((e) => e.failedRequests)).toEqual([null, null, null]);
  });

  it("counts NaN and infinite values as no request", () => {
    const { edges, dropped } = observedEdges([sample("a", "b", Number.NaN), sample("a", "c", Number.POSITIVE_INFINITY), sample("a", "d", 12)], [], { minRequests: 1 });
    expect(edges.map((e) => e.server)).toEqual(["d"]);
    expect(dropped.map((d) => [d.server, d.requests, d.reason])).toEqual([
      ["b", 0, "BELOW_THRESHOLD"],
      ["c", 0, "BELOW_THRESHOLD"],
    ]);
  });
});

describe("tracesAssertion", () => {
  it("asserts only dependencies, client DEPENDS_ON server, with requests, failed requests and the window as evidence", () => {
    const assertion = tracesAssertion(
      [
        { client: "checkout", server: "payment", kind: "SYNC_API", requests: 1234, failedRequests: 5 },
        { client: "orders", server: "notifications", kind: "ASYNC_EVENT", requests: 40, failedRequests: null },
      ],
      { origin: "Prometheus http://prometheus:9090: traces_service_graph_request_total over 1h", window: "1h" },
    );
    expect(assertion).toEqual({
      source: "TRACES",
      origin: "Prometheus http://prometheus:9090: traces_service_graph_request_total over 1h",
      services: [],
      resourceGroups: [],
      dependencies: [
        { from: "checkout", to: "payment", kind: "SYNC_API", evidence: { requests: 1234, failedRequests: 5, window: "1h" } },
        { from: "orders", to: "notifications", kind: "ASYNC_EVENT", evidence: { requests: 40, failedRequests: null, window: "1h" } },
      ],
    });
  });
});

describe("the service-graph query", () => {
  it("sums increase() of each counter over the window by client, server and connection_type", () => {
    expect(serviceGraphQueries("1h")).toEqual({
      requests: "sum by (client, server, connection_type) (increase(traces_service_graph_request_total[1h]))",
      failed: "sum by (client, server, connection_type) (increase(traces_service_graph_request_failed_total[1h]))",
    });
    expect(serviceGraphQueries("15s", { requests: "servicegraph_traces_service_graph_request_total", failed: "servicegraph_traces_service_graph_request_failed_total" }).requests).toBe(
      "sum by (client, server, connection_type) (increase(servicegraph_traces_service_graph_request_total[15s]))",
    );
  });

  it("refuses a window that is not a Prometheus duration and a metric name that is not one, so nothing else reaches the query", () => {
    for (const window of ["", "1", "1 h", "1h]) or vector(1", "0s", "1.5h", "h", "1m1h"]) {
      expect(parsePrometheusDuration(window), window).toBeNull();
      expect(() => serviceGraphQueries(window), window).toThrow(AppError);
    }
    expect(() => serviceGraphQueries("1h", { requests: "x[1h]) or vector(1", failed: "y" })).toThrow(/Not a Prometheus metric name/);
  });

  it("reads Prometheus durations", () => {
    expect(parsePrometheusDuration("15s")).toBe(15_000);
    expect(parsePrometheusDuration("1h")).toBe(3_600_000);
    expect(parsePrometheusDuration("1h30m")).toBe(5_400_000);
    expect(parsePrometheusDuration("7d")).toBe(7 * 86_400_000);
    expect(parsePrometheusDuration("2w")).toBe(14 * 86_400_000);
    expect(parsePrometheusDuration("1y")).toBe(365 * 86_400_000);
    expect(parsePrometheusDuration("500ms")).toBe(500);
    expect(parsePrometheusDuration("1m500ms")).toBe(60_500);
  });
});
