// What the source refresh needs from the outside (docs/graph-sources.md): the
// sources themselves (a Backstage catalog, the trace service graph) and the
// store of runs and held changes. Writes happen in the caller's transaction,
// so a held change, its run and its audit event commit together.
import type { StoreTransaction } from "../audit/ports";
import type { GraphSource, SourceAssertion, SourceProblem, TopologyDiff } from "../graph/live-graph-types";
import type { SkippedElement, UnresolvedEdge } from "./plan-source-sync";

/** The sources a refresh reads: each assertion replaces what that source said before. */
export type RefreshableSource = Extract<GraphSource, "CATALOG" | "TRACES">;
export const REFRESHABLE_SOURCES: readonly RefreshableSource[] = ["CATALOG", "TRACES"];

/**
 * One configured source. `read()` says what the source asserts now, or why it
 * cannot (every problem, located); a thrown error means it could not be read at
 * all (Prometheus down). The catalog (CatalogSource) and the traces
 * (TracesSource) adapters plug in here.
 */
export interface SourceReader {
  source: RefreshableSource;
  /** What it reads, for people: the catalog paths, or the Prometheus URL, window and threshold. */
  description: string;
  read(): Promise<{ assertion: SourceAssertion } | { problems: SourceProblem[] }>;
}

export const RUN_TRIGGERS = ["INTERVAL", "MANUAL", "STARTUP"] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];
export const RUN_OUTCOMES = ["APPLIED", "NO_CHANGE", "HELD", "REFUSED", "FAILED"] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];
export const HELD_STATUSES = ["PENDING", "APPROVED", "REJECTED", "SUPERSEDED"] as const;
export type HeldStatus = (typeof HELD_STATUSES)[number];

/** One refresh of one source, as recorded. */
export interface SourceRun {
  id: string;
  source: RefreshableSource;
  trigger: RunTrigger;
  actor: string;
  startedAt: Date;
  finishedAt: Date | null;
  outcome: RunOutcome;
  message: string;
  /** The diff applied; null when nothing was. */
  applied: TopologyDiff | null;
  /** The graph's revision after the run; null when the source could not be read. */
  revision: number | null;
  /** The held change this run created or left pending. */
  heldChangeId: string | null;
  problems: SourceProblem[];
  unresolved: UnresolvedEdge[];
  skipped: SkippedElement[];
}

/** Removals a source proposed, waiting for (or decided by) an admin. */
export interface HeldChange {
  id: string;
  source: RefreshableSource;
  createdAt: Date;
  baseRevision: number;
  reason: string;
  diff: TopologyDiff;
  status: HeldStatus;
  decidedBy: string | null;
  decidedAt: Date | null;
  note: string | null;
}

export interface GraphSourceStore {
  transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  /**
   * Serialises the writers of one source's held changes across replicas until
   * the transaction ends (a transaction-scoped advisory lock): two refreshes
   * at once never leave two pending changes.
   */
  lockSource(tx: StoreTransaction, source: RefreshableSource): Promise<void>;
  /** The source's PENDING held change, locked; null when there is none. */
  pendingHeld(tx: StoreTransaction, source: RefreshableSource): Promise<HeldChange | null>;
  /** Reads and locks one held change; null when there is none. */
  lockHeld(tx: StoreTransaction, id: string): Promise<HeldChange | null>;
  insertHeld(tx: StoreTransaction, held: HeldChange): Promise<void>;
  decideHeld(tx: StoreTransaction, id: string, decision: { status: HeldStatus; by: string | null; at: Date | null; note: string | null }): Promise<void>;
  insertRun(tx: StoreTransaction, run: SourceRun): Promise<void>;
  getHeld(id: string): Promise<HeldChange | null>;
  /** Every PENDING held change, then the latest `decided` others, newest first. */
  listHeld(decided: number): Promise<HeldChange[]>;
  /** Each source's latest run. */
  lastRuns(): Promise<Map<RefreshableSource, SourceRun>>;
  /** The source's latest run that read it (outcome APPLIED, NO_CHANGE or HELD); null when none has. */
  lastReadRun(source: RefreshableSource): Promise<SourceRun | null>;
}
