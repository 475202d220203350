// PUT /api/v1/graph and `npm run graph:import` (docs/graph-changes.md#a-document-is-the-whole-declared-graph):
// the document becomes the declared graph, through the one path every change
// takes (applyGraphChange). Without an expectedRevision a change that lost a
// race with another is computed again once against the new graph; with one,
// the caller asked for exactly the diff it saw, so the race is a 409.
import { isAppError } from "../errors";
import type { TopologySpec } from "../topology/types";
import { applyGraphChange, type ApplyGraphChangeDeps } from "./apply-graph-change";
import { documentDeclaration } from "./document-target";
import { changeResult, type GraphChangeResult } from "./graph-change-result";
import { assertMayChangeGraph, planDocumentChange, type DocumentChangeDeps, type DocumentChangeOptions, type GraphCaller } from "./plan-document-change";

export type ApplyDocumentDeps = ApplyGraphChangeDeps & DocumentChangeDeps;

export async function applyTopologyDocument(deps: ApplyDocumentDeps, document: TopologySpec, options: DocumentChangeOptions, by: GraphCaller): Promise<GraphChangeResult> {
  assertMayChangeGraph(by);
  const attempts = options.expectedRevision === undefined ? 2 : 1;
  for (let attempt = 1; ; attempt++) {
    const now = deps.clock.now();
    const plan = await planDocumentChange(deps, document, options, now);
    try {
      const applied = await applyGraphChange(deps, {
        baseRevision: plan.live.revision,
        base: plan.live.topology,
        diff: plan.diff,
        provenance: { upserts: [], deletes: [], declared: documentDeclaration(document, options.source, options.origin ?? by.actor, now) },
        index: plan.index ?? undefined,
        source: options.source,
        origin: options.origin ?? by.actor,
        actor: by.actor,
        inFlight: plan.inFlight,
      });
      return changeResult(plan, applied.revision);
    } catch (error) {
      if (attempt < attempts && isRevisionRace(error)) continue;
      throw error;
    }
  }
}

/** The CONFLICT applyGraphChange gives when the revision moved (not the one for services still referenced). */
function isRevisionRace(error: unknown): boolean {
  return isAppError(error) && error.code === "CONFLICT" && "expectedRevision" in error.details;
}
