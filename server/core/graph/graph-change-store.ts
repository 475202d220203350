// What the one path that changes the graph needs from the store
// (docs/graph-changes.md). Writes happen in the caller's transaction, so the
// graph, its provenance, its revision and the audit event commit together.
import type { StoreTransaction } from "../audit/ports";
import type { JsonValue } from "../audit/types";
import type { OperationRef } from "../conflicts/types";
import type { TopologySpec } from "../topology/types";
import type { ElementProvenance, GraphElementKind, GraphSource, TopologyDiff } from "./live-graph-types";

/** One (element, source) provenance row to write: inserted, or its origin/lastSeen/evidence updated (firstSeen kept). */
export interface ProvenanceUpsert {
  kind: GraphElementKind;
  key: string;
  source: GraphSource;
  origin: string;
  seenAt: Date;
  evidence: { [key: string]: JsonValue } | null;
}

/** One (element, source) provenance row to delete. */
export interface ProvenanceDelete {
  kind: GraphElementKind;
  key: string;
  source: GraphSource;
}

/**
 * A document declares every element it holds: one row of its source per
 * element, lastSeen = `seenAt`, origin = `origin` (firstSeen kept when the row
 * exists). Written as two set statements, not one row per element.
 */
export interface Declaration {
  source: GraphSource;
  origin: string;
  seenAt: Date;
  elements: { kind: GraphElementKind; key: string }[];
}

/** The stored graph, its provenance and its revision, read in one snapshot. */
/** The diff a revision applied (what graph_revision_diffs keeps). */
export interface RevisionDiff {
  revision: number;
  diff: TopologyDiff;
}

/** How many recent revisions' diffs are kept: an index further behind reads the whole graph. */
export const REVISION_DIFFS_KEPT = 64;

export interface LiveGraph {
  revision: number;
  topology: TopologySpec;
  provenance: ElementProvenance[];
}

export interface GraphChangeStore {
  /** The graph, its provenance and its revision in one REPEATABLE READ snapshot. */
  load(): Promise<LiveGraph>;
  /**
   * The graph and its revision in one snapshot, with the provenance only of
   * edges whose every source is TRACES: all a whole-document change needs
   * (docs/graph-changes.md#observed-keep-or-drop), without reading a row per element.
   */
  loadForDocument(): Promise<LiveGraph>;
  /** The current revision: one indexed read of a one-row table (the cache's freshness check). */
  revision(): Promise<number>;
  transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  /** Locks the revision row until the transaction ends and returns the revision. */
  lockRevision(tx: StoreTransaction): Promise<number>;
  /**
   * Applies `diff` row by row (only what it names is touched). Refuses with
   * CONFLICT the removal of services operations or incidents refer to.
   */
  applyDiff(tx: StoreTransaction, diff: TopologyDiff): Promise<void>;
  writeProvenance(tx: StoreTransaction, upserts: ProvenanceUpsert[], deletes: ProvenanceDelete[]): Promise<void>;
  declare(tx: StoreTransaction, declaration: Declaration): Promise<void>;
  /** Sets the revision to `revision` (the locked one + 1) at `at`. */
  setRevision(tx: StoreTransaction, revision: number, at: Date): Promise<void>;
  /**
   * Keeps the diff that produced `revision`, for other processes to catch up
   * with, and forgets those older than the last REVISION_DIFFS_KEPT
   * (docs/graph-changes.md#freshness-across-processes).
   */
  recordRevisionDiff(tx: StoreTransaction, revision: number, diff: TopologyDiff): Promise<void>;
  /** The kept diffs of the revisions after `revision`, in order (possibly not starting at revision + 1, when older ones were forgotten). */
  revisionDiffsSince(revision: number): Promise<RevisionDiff[]>;
  /** Every unfinished operation, with its place in line: the in-flight impact of a change. */
  inFlightOperations(): Promise<OperationRef[]>;
}
