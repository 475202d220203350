import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { DEMO_TOPOLOGY } from "../topology/demo-topology";
import { exportTopology } from "./export-topology";
import { importTopology } from "./import-topology";
import { normalizeTopology } from "./normalize-topology";
import type { GraphStore } from "./ports";
import type { GraphSnapshot } from "./types";

/** Just enough store to see what the use cases hand it; the real stores have their own contract suite. */
class RecordingStore implements GraphStore {
  held: GraphSnapshot = { services: [], dependencies: [], resourceGroups: [] };
  replacements = 0;
  async loadSnapshot() {
    return this.held;
  }
  async findDownstream() {
    return [];
  }
  async findUpstream() {
    return [];
  }
  async replaceTopology(topology: GraphSnapshot) {
    this.replacements++;
    this.held = topology;
    return { services: topology.services.length, dependencies: topology.dependencies.length, resourceGroups: topology.resourceGroups.length, members: 0, removedServices: [] };
  }
}

describe("importTopology / exportTopology", () => {
  it("imports a consistent topology, reports its cycles, and exports it in canonical order", async () => {
    const store = new RecordingStore();
    const cyclic = { ...DEMO_TOPOLOGY, dependencies: [...DEMO_TOPOLOGY.dependencies, { from: "invoice-service", to: "user-service", kind: "ASYNC_EVENT" as const }] };
    const outcome = await importTopology({ graph: store }, cyclic);
    expect(outcome.cycles).toEqual([["invoice-service", "payment-service", "user-service"]]);
    expect(store.replacements).toBe(1);
    expect(await exportTopology({ graph: store })).toEqual(normalizeTopology(cyclic));
  });

  it("refuses an inconsistent topology without touching the store", async () => {
    const store = new RecordingStore();
    const broken = { ...DEMO_TOPOLOGY, dependencies: [{ from: "user-service", to: "ghost", kind: "SYNC_API" as const }] };
    await expect(importTopology({ graph: store }, broken)).rejects.toBeInstanceOf(AppError);
    expect(store.replacements).toBe(0);
  });
});
