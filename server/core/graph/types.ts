// The dependency graph as the conflict detector and the graph stores see it.
// A snapshot is the same shape as a topology file: services, DEPENDS_ON edges
// and resource groups, so "load", "import" and "export" all speak one type.
import type { TopologySpec } from "../topology/types";

export type GraphSnapshot = TopologySpec;

/** A service found by a traversal, with the fewest DEPENDS_ON hops that reach it. */
export interface ServiceAtDistance {
  name: string;
  depth: number;
}

/** What a whole-topology replacement changed, for the import command to print. */
export interface ReplaceTopologyReport {
  services: number;
  dependencies: number;
  resourceGroups: number;
  members: number;
  /** Services that were in the store and are not in the new topology. */
  removedServices: string[];
}

/** The deepest traversal a store answers: beyond 6 hops "affected" means "everything". */
export const MAX_TRAVERSAL_DEPTH = 6;
