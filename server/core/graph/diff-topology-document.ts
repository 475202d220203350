// POST /api/v1/graph/diff (docs/graph-changes.md#preview-then-apply): what
// putting this document would change, against the graph as stored now, with
// the in-flight operations whose conflicts it would alter. Writes nothing; the
// answer's baseRevision, given back as expectedRevision, makes the apply
// refuse if anything changed in between.
import type { Clock } from "../clock";
import type { TopologySpec } from "../topology/types";
import { changeResult, type GraphChangeResult } from "./graph-change-result";
import { assertMayChangeGraph, planDocumentChange, type DocumentChangeDeps, type DocumentChangeOptions, type GraphCaller } from "./plan-document-change";

export async function diffTopologyDocument(deps: DocumentChangeDeps & { clock: Clock }, document: TopologySpec, options: DocumentChangeOptions, by: GraphCaller): Promise<GraphChangeResult> {
  assertMayChangeGraph(by);
  const plan = await planDocumentChange(deps, document, options, deps.clock.now());
  return changeResult(plan, null);
}
