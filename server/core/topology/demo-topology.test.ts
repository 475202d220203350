import { describe, expect, it } from "vitest";
import { DEMO_TOPOLOGY } from "./demo-topology";
import { findTopologyProblems } from "./validate-topology";

const names = DEMO_TOPOLOGY.services.map((s) => s.name);
const edge = (from: string, to: string) => DEMO_TOPOLOGY.dependencies.some((d) => d.from === from && d.to === to);
const group = (name: string) => DEMO_TOPOLOGY.resourceGroups.find((g) => g.name === name);

describe("demo topology", () => {
  it("is consistent: unique names, edges and members name known services", () => {
    expect(findTopologyProblems(DEMO_TOPOLOGY)).toEqual([]);
  });

  it("has the 42 services behind the original specification's '8 out of 42 services' figure", () => {
    expect(names).toHaveLength(42);
  });

  it("includes every service the original specification names", () => {
    for (const name of ["payment-service", "user-service", "order-service", "shipping-service", "invoice-service", "inventory-service", "session-service", "auth-service"]) {
      expect(names).toContain(name);
    }
  });

  it("has the edges the original specification states", () => {
    expect(edge("user-service", "payment-service")).toBe(true);
    expect(edge("order-service", "payment-service")).toBe(true);
    expect(edge("payment-service", "invoice-service")).toBe(true);
    expect(edge("shipping-service", "order-service")).toBe(true);
  });

  it("has the resource groups exactly as docs/specification.md#the-demo-topology lists them", () => {
    expect(group("postgres_primary")?.members.sort()).toEqual(["order-service", "payment-service", "user-service"]);
    expect(group("redis_cache")?.members.sort()).toEqual(["auth-service", "session-service", "user-service"]);
    expect(group("kafka_orders")?.members.sort()).toEqual(["inventory-service", "order-service", "shipping-service"]);
  });
});
