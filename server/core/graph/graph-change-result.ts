// What a diff or an apply of a document answers (ZGraphChangeResult in lib/api/graph-live.ts).
import type { DependencySpec } from "../topology/types";
import { diffSummary } from "./diff-topology";
import type { InFlightConflictChange } from "./in-flight-conflict-changes";
import type { TopologyDiff } from "./live-graph-types";
import type { DocumentChangePlan } from "./plan-document-change";

export interface GraphChangeResult {
  baseRevision: number;
  revision: number | null;
  applied: boolean;
  diff: TopologyDiff;
  summary: { added: number; removed: number; changed: number };
  keptObserved: DependencySpec[];
  inFlight: InFlightConflictChange[];
  cycles: string[][];
}

export function changeResult(plan: DocumentChangePlan, revision: number | null): GraphChangeResult {
  return {
    baseRevision: plan.live.revision,
    revision,
    applied: revision !== null,
    diff: plan.diff,
    summary: diffSummary(plan.diff),
    keptObserved: plan.keptObserved,
    inFlight: plan.inFlight,
    cycles: plan.cycles,
  };
}
