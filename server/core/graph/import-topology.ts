import { assertTopologyConsistent } from "../topology/validate-topology";
import { findDependencyCycles } from "./find-dependency-cycles";
import type { GraphStore } from "./ports";
import type { GraphSnapshot, ReplaceTopologyReport } from "./types";

export interface ImportOutcome extends ReplaceTopologyReport {
  /** Accepted, but reported: each cycle makes its members upstream and downstream of each other. */
  cycles: string[][];
}

/**
 * Replaces the stored topology with `topology` after checking it is
 * consistent (VALIDATION_FAILED lists every problem and nothing is written).
 * The store applies it in one transaction, so a failure leaves the old one.
 */
export async function importTopology(deps: { graph: GraphStore }, topology: GraphSnapshot): Promise<ImportOutcome> {
  assertTopologyConsistent(topology);
  const report = await deps.graph.replaceTopology(topology);
  return { ...report, cycles: findDependencyCycles(topology) };
}
