import { describe, expect, it } from "vitest";
import { DEMO_TOPOLOGY } from "../topology/demo-topology";
import { normalizeTopology } from "./normalize-topology";
import { documentFromTopology, topologyFromDocument } from "./topology-document";

describe("topology documents", () => {
  it("a document made from a topology reads back as the same topology", () => {
    const result = topologyFromDocument(documentFromTopology(DEMO_TOPOLOGY));
    expect(result.ok).toBe(true);
    if (result.ok) expect(normalizeTopology(result.topology)).toEqual(normalizeTopology(DEMO_TOPOLOGY));
  });

  it("puts each edge and membership on the service that has it, kinds other than SYNC_API spelt out", () => {
    const document = documentFromTopology(DEMO_TOPOLOGY);
    const order = document.services.find((s) => s.name === "order-service")!;
    expect(order.dependsOn).toEqual(["inventory-service", { service: "notification-service", kind: "ASYNC_EVENT" }, "payment-service", "pricing-service"]);
    expect(order.resourceGroups).toEqual(["kafka_orders", "postgres_primary"]);
    expect(document.services[0]!.tier).toBe(1);
  });

  it("maps every cross-reference problem back to the entry that wrote it", () => {
    const result = topologyFromDocument({
      services: [
        { name: "a", tier: 1, criticality: "HIGH", team: "t", dependsOn: ["a", "b", "b"], resourceGroups: ["db", "db", "x"] },
        { name: "b", tier: 1, criticality: "HIGH", team: "t" },
      ],
      resourceGroups: [
        { name: "db", kind: "DATABASE" },
        { name: "db", kind: "CACHE" },
      ],
    });
    expect(result).toEqual({
      ok: false,
      problems: [
        { path: ["resourceGroups", 1], problem: 'duplicate resource group "db"' },
        { path: ["services", 0, "dependsOn", 0], problem: '"a" cannot depend on itself' },
        { path: ["services", 0, "dependsOn", 2], problem: "duplicate edge a→b" },
        { path: ["services", 0, "resourceGroups", 1], problem: '"db" is listed twice' },
        { path: ["services", 0, "resourceGroups", 2], problem: 'unknown resource group "x" (declare it under resourceGroups)' },
      ],
    });
  });

  it("refuses a document that is not an object with a services list", () => {
    expect(topologyFromDocument(null).ok).toBe(false);
    expect(topologyFromDocument({ services: {} })).toMatchObject({ ok: false, problems: [{ path: ["services"], problem: "must be a list of services" }] });
  });

  it("reads the API's shape too (what GET /api/v1/graph answers), naming problems by the entry as written", () => {
    const fromApi = topologyFromDocument(JSON.parse(JSON.stringify(DEMO_TOPOLOGY)));
    expect(fromApi.ok).toBe(true);
    if (fromApi.ok) expect(normalizeTopology(fromApi.topology)).toEqual(normalizeTopology(DEMO_TOPOLOGY));

    const bad = topologyFromDocument({
      services: [{ name: "a", tier: 1, criticality: "HIGH", team: "t" }],
      dependencies: [{ from: "a", to: "ghost", kind: "SYNC_API" }],
      resourceGroups: [{ name: "db", kind: "DATABASE", members: ["phantom"] }],
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.problems.map((p) => p.path)).toEqual([["dependencies", 0], ["resourceGroups", 0]]);
      expect(bad.problems[0]!.problem).toContain("ghost");
    }
  });
});
