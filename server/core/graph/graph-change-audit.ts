// The `graph.changed` audit event's payload (docs/graph-changes.md#the-audit-event).
// A change of up to 2,000 elements is recorded whole; a larger one (a first
// import of a big estate) records its counts, its first 2,000 elements and the
// sha256 of the canonical full diff, so the event stays small and the diff a
// person holds can still be proven to be the one applied. Pure.
import { canonicalJson, sha256Hex } from "../audit/canonical-hash";
import type { JsonValue } from "../audit/types";
import { diffSize, diffSummary, truncateDiff } from "./diff-topology";
import type { GraphSource, TopologyDiff } from "./live-graph-types";

export const AUDIT_DIFF_LIMIT = 2_000;

export interface GraphChangedFacts {
  diff: TopologyDiff;
  source: GraphSource;
  origin: string;
  actor: string;
  baseRevision: number;
  revision: number;
}

const asJson = (value: unknown) => value as JsonValue;

export function diffSha256(diff: TopologyDiff): string {
  return sha256Hex(canonicalJson(asJson(diff)));
}

export function graphChangedPayload(facts: GraphChangedFacts, limit = AUDIT_DIFF_LIMIT): { [key: string]: JsonValue } {
  const size = diffSize(facts.diff);
  const truncated = size > limit;
  return {
    source: facts.source,
    origin: facts.origin,
    actor: facts.actor,
    baseRevision: facts.baseRevision,
    revision: facts.revision,
    summary: diffSummary(facts.diff),
    elements: size,
    truncated,
    diff: asJson(truncated ? truncateDiff(facts.diff, limit) : facts.diff),
    ...(truncated ? { diffSha256: diffSha256(facts.diff) } : {}),
  };
}
