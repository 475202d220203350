import { DEMO_TOPOLOGY } from "./demo-topology";
import type { MarkerStore, TopologyStore } from "./ports";
import { assertTopologyConsistent } from "./validate-topology";

export const DEMO_TOPOLOGY_MARKER = "seed.demo-topology";

export type SeedOutcome =
  | { seeded: true; created: { services: number; dependencies: number; resourceGroups: number; members: number } }
  | { seeded: false; reason: "already-seeded" };

/**
 * Seeds the demo topology on a store's first start. It runs once per store, not
 * once per boot: after the marker is set, services an operator deleted or edited
 * stay as the operator left them. Rows are inserted only where missing, so two
 * replicas starting together cannot duplicate anything.
 */
export async function seedDemoTopology(deps: { topology: TopologyStore; markers: MarkerStore; now: Date }): Promise<SeedOutcome> {
  if ((await deps.markers.get(DEMO_TOPOLOGY_MARKER)) !== null) return { seeded: false, reason: "already-seeded" };
  assertTopologyConsistent(DEMO_TOPOLOGY);
  const created = await deps.topology.insertMissing(DEMO_TOPOLOGY);
  await deps.markers.setIfAbsent(DEMO_TOPOLOGY_MARKER, { at: deps.now.toISOString(), services: DEMO_TOPOLOGY.services.length }, "system");
  return { seeded: true, created };
}
