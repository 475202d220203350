import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import type { TopologySpec } from "./types";
import { assertTopologyConsistent, findTopologyProblems } from "./validate-topology";

const service = (name: string) => ({ name, tier: 2, criticality: "HIGH" as const, team: "t", description: "" });

describe("findTopologyProblems", () => {
  it("accepts a consistent topology, cycles included", () => {
    const topology: TopologySpec = {
      services: [service("a"), service("b")],
      dependencies: [{ from: "a", to: "b", kind: "SYNC_API" }, { from: "b", to: "a", kind: "ASYNC_EVENT" }],
      resourceGroups: [{ name: "db", kind: "DATABASE", description: "", members: ["a", "b"] }],
    };
    expect(findTopologyProblems(topology)).toEqual([]);
  });

  it("names each broken entry", () => {
    const topology: TopologySpec = {
      services: [service("a"), service("a"), { ...service("c"), tier: 0 }],
      dependencies: [{ from: "a", to: "ghost", kind: "SYNC_API" }, { from: "a", to: "a", kind: "SYNC_API" }],
      resourceGroups: [{ name: "db", kind: "DATABASE", description: "", members: ["phantom"] }],
    };
    expect(findTopologyProblems(topology)).toEqual([
      { entry: "services[1]", problem: 'duplicate service name "a"' },
      { entry: "services[2]", problem: "tier must be a positive integer, got 0" },
      { entry: "dependencies[0]", problem: 'unknown service "ghost"' },
      { entry: "dependencies[1]", problem: '"a" cannot depend on itself' },
      { entry: "resourceGroups[0]", problem: 'unknown service "phantom" in group "db"' },
    ]);
  });

  it("assertTopologyConsistent throws a VALIDATION_FAILED error carrying every problem", () => {
    const topology: TopologySpec = { services: [service("a")], dependencies: [{ from: "a", to: "b", kind: "DATA" }], resourceGroups: [] };
    try {
      assertTopologyConsistent(topology);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("VALIDATION_FAILED");
      expect((error as AppError).details.problems).toHaveLength(1);
    }
  });
});
