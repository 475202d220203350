import { detectConflicts } from "../conflicts/detect-conflicts";
import type { ConflictPolicy } from "../conflicts/policy";
import { relatedServices } from "../conflicts/related-services";
import type { BlastRadius, ConflictCheck } from "../conflicts/types";
import type { OrchestratorDeps } from "./orchestrator-deps";
import type { OperationParams, OperationType } from "./types";

/** The operation being checked: a stored one, or one only planned (no arrival number yet: it would arrive last). */
export interface ConflictSubject {
  id: string;
  type: OperationType;
  service: string;
  actor: string;
  createdAt: Date;
  params: OperationParams;
  correlationId: string;
  priority: number;
  seq?: bigint;
}

export interface ConflictsNow {
  check: ConflictCheck;
  policy: ConflictPolicy;
  /** When the last change to the subject's own service finished (read with the neighbourhood). */
  lastChangeFinishedAt: Date | null;
}

/**
 * Every conflict of `subject` with the work in flight and recently finished,
 * and its place in the line for its service, read from the store now. The
 * orchestrator's INIT step, a review's fresh evidence and a plan all check
 * conflicts through here, so they cannot disagree. Reads only.
 */
export async function checkConflictsNow(deps: Pick<OrchestratorDeps, "conflictPolicy" | "graph" | "neighbourhood">, subject: ConflictSubject, now: Date): Promise<ConflictsNow> {
  const policy = await deps.conflictPolicy();
  const graph = await deps.graph.current(now);
  // Only the neighbourhood's operations can conflict: load those, not every operation in flight.
  const related = relatedServices(graph, subject.service, policy.depth);
  const seq = subject.seq ?? BigInt(Number.MAX_SAFE_INTEGER);
  const { inFlight, recentlyFinished, lastChangeFinishedAt } = await deps.neighbourhood.load({ id: subject.id, service: subject.service, seq }, related, new Date(now.getTime() - policy.timingWindowSeconds * 1000));
  const check = detectConflicts({
    candidate: { id: subject.id, type: subject.type, service: subject.service, actor: subject.actor, createdAt: subject.createdAt, params: subject.params, correlationId: subject.correlationId, priority: subject.priority, seq },
    inFlight,
    recentlyFinished: recentlyFinished.filter((f) => f.id !== subject.id),
    graph,
    policy,
    now,
  });
  return { check, policy, lastChangeFinishedAt };
}

/**
 * What the BLAST_RADIUS gate reads (docs/gates.md): the weighted blast radius
 * (direct 1.0, shared resource 0.8, downstream 0.5, upstream 0.3) as a share
 * of all services. The unweighted count of every service within three hops is
 * shown too, but through the gateways it reaches half an estate for almost
 * any change, and a gate on it would pause everything.
 */
export function estimatedImpactPct(blast: Pick<BlastRadius, "score" | "totalServices"> | { score?: number; totalServices?: number } | null): number {
  if (!blast?.totalServices || blast.score === undefined) return 0;
  return Math.round((blast.score / blast.totalServices) * 1000) / 10;
}
