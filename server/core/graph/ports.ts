import type { GraphSnapshot, ReplaceTopologyReport, ServiceAtDistance } from "./types";

/**
 * Where the dependency graph lives: Postgres tables by default, Neo4j when
 * configured. Both implementations pass server/testing/graph-store-contract.ts.
 *
 * Direction follows the edges: `from DEPENDS_ON to`. "Downstream" of X are the
 * services X depends on (what `-[:DEPENDS_ON*1..depth]->` returns, docs/specification.md#blast-radius);
 * "upstream" of X are the services that depend on X.
 */
export interface GraphStore {
  /**
   * The whole graph in one consistent read, sorted by name (services, edges by
   * from then to, groups with sorted members): the conflict detector's input
   * and, unchanged, what an export writes.
   */
  loadSnapshot(): Promise<GraphSnapshot>;
  /** Services `service` depends on within 1..maxDepth hops, nearest first then by name; never `service` itself. */
  findDownstream(service: string, maxDepth: number): Promise<ServiceAtDistance[]>;
  /** Services that depend on `service` within 1..maxDepth hops, nearest first then by name; never `service` itself. */
  findUpstream(service: string, maxDepth: number): Promise<ServiceAtDistance[]>;
  /**
   * Makes the store hold exactly `topology` (already validated), in one
   * transaction: all of it or none of it. Existing services keep their identity
   * (operations refer to them); services absent from `topology` are removed,
   * and refused with CONFLICT if operations or incidents still refer to them.
   */
  replaceTopology(topology: GraphSnapshot): Promise<ReplaceTopologyReport>;
}
