// What a whole-document change would do (docs/graph-changes.md#a-document-is-the-whole-declared-graph),
// computed against the graph as stored now: shared by the diff (no write) and
// the apply, so the preview and the change agree.
import type { ConflictPolicy } from "../conflicts/policy";
import { AppError } from "../errors";
import { hasRole, type Role } from "../identity/roles";
import type { DependencySpec, TopologySpec } from "../topology/types";
import { diffTopology, isEmptyDiff } from "./diff-topology";
import { documentTarget, type ObservedMode } from "./document-target";
import { findDependencyCycles } from "./find-dependency-cycles";
import type { GraphChangeStore, LiveGraph } from "./graph-change-store";
import { GraphIndex } from "./graph-index";
import { inFlightConflictChanges, type InFlightConflictChange } from "./in-flight-conflict-changes";
import type { TopologyDiff } from "./live-graph-types";
import { assertDocumentConsistent } from "./topology-change-input";

export interface DocumentChangeOptions {
  source: "CONSOLE" | "FILE";
  origin?: string;
  observed: ObservedMode;
  expectedRevision?: number;
}

export interface DocumentChangeDeps {
  changes: GraphChangeStore;
  conflictPolicy: () => Promise<ConflictPolicy>;
  /** The process's index: reused as the "before" graph when it is at the revision read. */
  graphIndex?: { currentWithRevision(now: Date): Promise<{ index: GraphIndex; revision: number | null }> } | null;
}

export interface DocumentChangePlan {
  live: LiveGraph;
  target: TopologySpec;
  diff: TopologyDiff;
  keptObserved: DependencySpec[];
  inFlight: InFlightConflictChange[];
  cycles: string[][];
  /** The target's index, when the in-flight impact needed it. */
  index: GraphIndex | null;
}

export interface GraphCaller {
  actor: string;
  role: Role;
}

/** Changing the graph changes every later conflict decision: admins only (the endpoint checks it too). */
export function assertMayChangeGraph(by: GraphCaller): void {
  if (!hasRole(by.role, "ADMIN")) throw new AppError("FORBIDDEN", "Only an admin may change the dependency graph", { required: "ADMIN", role: by.role });
}

export async function planDocumentChange(deps: DocumentChangeDeps, document: TopologySpec, options: DocumentChangeOptions, now: Date): Promise<DocumentChangePlan> {
  assertDocumentConsistent(document);
  const live = await deps.changes.loadForDocument();
  if (options.expectedRevision !== undefined && options.expectedRevision !== live.revision) {
    throw new AppError("CONFLICT", `The graph is at revision ${live.revision}, not ${options.expectedRevision}: diff again against the current graph`, {
      expectedRevision: options.expectedRevision,
      revision: live.revision,
    });
  }
  const { target, keptObserved } = documentTarget(document, live, options.observed);
  const diff = diffTopology(live.topology, target);
  const impact = isEmptyDiff(diff) ? { inFlight: [], index: null } : await inFlightImpact(deps, live, target, now);
  return { live, target, diff, keptObserved, ...impact, cycles: findDependencyCycles(target) };
}

async function inFlightImpact(deps: DocumentChangeDeps, live: LiveGraph, target: TopologySpec, now: Date): Promise<{ inFlight: InFlightConflictChange[]; index: GraphIndex | null }> {
  const operations = await deps.changes.inFlightOperations();
  if (operations.length === 0) return { inFlight: [], index: null };
  const cached = deps.graphIndex ? await deps.graphIndex.currentWithRevision(now) : null;
  const before = cached && cached.revision === live.revision ? cached.index : GraphIndex.build(live.topology);
  const index = GraphIndex.build(target);
  return { inFlight: inFlightConflictChanges({ inFlight: operations, before, after: index, policy: await deps.conflictPolicy(), now }), index };
}
