import { normalizeTopology } from "./normalize-topology";
import type { GraphStore } from "./ports";
import type { GraphSnapshot } from "./types";

/** The stored topology in canonical order: what `graph:export` writes and `graph:import` reads back. */
export async function exportTopology(deps: { graph: GraphStore }): Promise<GraphSnapshot> {
  return normalizeTopology(await deps.graph.loadSnapshot());
}
