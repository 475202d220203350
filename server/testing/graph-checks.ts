// The conflict check both sides of graph-change-atomicity.integration.test.ts
// run: the checker process with its CachedGraphIndex, the test with an index
// built from the whole graph of one revision. Same inputs, same key.
import { sha256Hex } from "../core/audit/canonical-hash";
import { detectConflicts } from "../core/conflicts/detect-conflicts";
import { DEFAULT_CONFLICT_POLICY } from "../core/conflicts/policy";
import type { OperationRef } from "../core/conflicts/types";
import type { GraphIndex } from "../core/graph/graph-index";

/** Services present in every graph the test applies (perturbTopology keeps them). */
export const CHECKER_SERVICES = Array.from({ length: 20 }, (_, i) => `svc-${String(i * 23 + 7).padStart(3, "0")}`);
export const CHECKER_CANDIDATES = CHECKER_SERVICES.slice(0, 10);
const NOW = new Date("2026-12-07T12:00:00Z");

export function checkerInFlight(): OperationRef[] {
  return CHECKER_SERVICES.slice(10).map((service, i) => ({ id: `op-${i}`, type: "DEPLOYMENT", service, actor: "x", createdAt: NOW, seq: BigInt(i + 1) }));
}

export function checkKey(index: GraphIndex, candidate: string, inFlight: OperationRef[]): string {
  const check = detectConflicts({
    candidate: { id: "candidate", type: "DEPLOYMENT", service: candidate, actor: "y", createdAt: NOW, seq: 1_000n },
    inFlight,
    recentlyFinished: [],
    graph: index,
    policy: DEFAULT_CONFLICT_POLICY,
    now: NOW,
  });
  return sha256Hex(JSON.stringify([check.conflicts.map((c) => [c.type, c.conflictingOperationIds, c.affectedServices, c.evidence.path ?? null]), check.blastRadius.affectedCount, check.blastRadius.score]));
}
