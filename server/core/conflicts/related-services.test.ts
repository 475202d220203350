import { describe, expect, it } from "vitest";
import { GraphIndex } from "../graph/graph-index";
import { DEMO_TOPOLOGY } from "../topology/demo-topology";
import { detectConflicts } from "./detect-conflicts";
import { DEFAULT_CONFLICT_POLICY } from "./policy";
import { relatedServices } from "./related-services";
import type { FinishedOperationRef, OperationRef } from "./types";

describe("relatedServices", () => {
  const index = GraphIndex.build(DEMO_TOPOLOGY);
  const now = new Date("2026-03-01T12:00:00Z");
  const names = DEMO_TOPOLOGY.services.map((s) => s.name);
  // One in-flight operation on every service, and one recently finished on every service.
  const inFlight: OperationRef[] = names.map((service, i) => ({ id: `op-${i}`, type: "DEPLOYMENT", service, actor: "a", createdAt: now }));
  const finished: FinishedOperationRef[] = names.map((service, i) => ({ id: `done-${i}`, type: "DEPLOYMENT", service, actor: "a", createdAt: now, finishedAt: new Date(now.getTime() - 60_000) }));

  it("loses no conflict: checking against the related services' operations finds exactly what checking against all finds, for every service", () => {
    for (const service of names) {
      const candidate: OperationRef = { id: "candidate", type: "DEPLOYMENT", service, actor: "b", createdAt: now };
      const related = new Set(relatedServices(index, service, DEFAULT_CONFLICT_POLICY.depth));
      const all = detectConflicts({ candidate, inFlight, recentlyFinished: finished, graph: index, policy: DEFAULT_CONFLICT_POLICY, now });
      const filtered = detectConflicts({
        candidate,
        inFlight: inFlight.filter((op) => related.has(op.service)),
        recentlyFinished: finished.filter((op) => related.has(op.service)),
        graph: index,
        policy: DEFAULT_CONFLICT_POLICY,
        now,
      });
      expect(filtered.conflicts, service).toEqual(all.conflicts);
      expect(filtered.conflicts.length).toBeGreaterThan(0);
    }
  });

  it("is small for a leaf service and names an unknown service only", () => {
    expect(relatedServices(index, "sms-service", 3).length).toBeLessThan(names.length);
    expect(relatedServices(index, "not-in-graph", 3)).toEqual(["not-in-graph"]);
  });
});
