import { applyDiffInOrder } from "./apply-diff-in-order";
import type { RevisionDiff } from "./graph-change-store";
import { GraphIndex } from "./graph-index";
import type { RevisionedTopology } from "./live-graph-types";
import type { GraphStore } from "./ports";
import type { GraphSnapshot } from "./types";

/** How the cache learns the graph's revision (docs/graph-changes.md#freshness-across-processes). */
export interface RevisionSource {
  /** The current revision: a cheap read of one row. */
  revision(): Promise<number>;
  /** The graph and the revision it is at, read in one snapshot; without it, the revision is read just before the snapshot. */
  loadRevisioned?(): Promise<RevisionedTopology>;
  /**
   * The diffs of the revisions after `revision`, in order: when the graph
   * moved by a few revisions, the cache applies them to the graph it holds
   * instead of reading the whole graph (a gap, a diff that does not fit or a
   * failure falls back to the whole read).
   */
  diffsSince?(revision: number): Promise<RevisionDiff[]>;
  /** At most one revision read per this many ms (default 1,000). */
  checkEveryMs?: number;
  /** A background check or reload failed (the old index stays in use). */
  onError?(error: unknown): void;
}

interface Loaded {
  index: GraphIndex;
  at: number;
  /** The revision the index was built at; null when no revision source is known. */
  revision: number | null;
  /** The graph the index was built from, in order (normalized), when known: what the next revision's diff applies to. */
  topology: GraphSnapshot | null;
}

/**
 * The GraphIndex the conflict checks of one process share. Loading a
 * 10,000-service snapshot takes ~0.1 s and a check ~0.3 ms, so the index is
 * loaded once and reused. Concurrent callers share one load; a failed load is
 * not remembered, so the next caller tries again.
 *
 * Without a revision source the index is reloaded when older than `maxAgeMs`
 * or after `invalidate()`. With one (docs/graph-changes.md#freshness-across-processes)
 * the cache reads the revision at most every `checkEveryMs`, off the check's
 * path, and when it moved reloads in the background while checks keep using the
 * old whole index: a check waits for a load only when nothing is loaded. A
 * change applied in this process hands its new index over with `replace()`.
 * When the revision moved and the source keeps recent diffs (`diffsSince`),
 * the reload applies them to the graph held rather than reading the whole
 * graph: a few rows instead of 50,000, and no Postgres work beside the checks.
 * `maxAgeMs` then only bounds how long a reload can be missed (e.g. a Neo4j
 * mirror that lagged behind the revision).
 */
export class CachedGraphIndex {
  private loaded: Loaded | null = null;
  private loading: Promise<GraphIndex> | null = null;
  private generation = 0;
  private checking = false;
  private lastCheckMs = Number.NEGATIVE_INFINITY;
  private lastNowMs: number | null = null;
  /** How the loads so far got their graph: read whole, or caught up from the kept diffs. */
  readonly loads = { whole: 0, caughtUp: 0 };

  constructor(
    private readonly graph: GraphStore,
    private readonly maxAgeMs = 30_000,
    private readonly revisions: RevisionSource | null = null,
  ) {}

  async current(now: Date): Promise<GraphIndex> {
    return (await this.currentWithRevision(now)).index;
  }

  /** The index and the revision it was built at (null without a revision source). */
  async currentWithRevision(now: Date): Promise<{ index: GraphIndex; revision: number | null }> {
    const nowMs = now.getTime();
    this.lastNowMs = nowMs;
    const loaded = this.loaded;
    if (loaded) {
      const stale = nowMs - loaded.at >= this.maxAgeMs;
      if (!this.revisions) {
        if (!stale) return loaded;
      } else {
        // At most one revision read or reload per interval, also after a failure (the old index keeps answering).
        if (nowMs - this.lastCheckMs >= (this.revisions.checkEveryMs ?? 1_000)) {
          if (stale) this.reloadInBackground(nowMs);
          else this.checkInBackground(nowMs);
        }
        return loaded;
      }
    }
    this.loading ??= this.load(nowMs);
    await this.loading;
    return this.loaded ?? { index: await this.loading, revision: null };
  }

  /** The revision of the index in use; null before the first load or without a revision source. */
  get revision(): number | null {
    return this.loaded?.revision ?? null;
  }

  /** Forget the index: the next `current()` loads the graph again. */
  invalidate(): void {
    this.generation++;
    this.loaded = null;
    this.loading = null;
  }

  /**
   * Use `index`, built from the graph at `revision`, from now on: a change
   * applied in this process needs no reload. Ignored when a newer revision is
   * already in use.
   */
  replace(index: GraphIndex, revision: number, topology?: GraphSnapshot): void {
    if (this.loaded?.revision !== null && this.loaded?.revision !== undefined && this.loaded.revision > revision) return;
    this.loaded = { index, at: this.lastNowMs ?? Date.now(), revision, topology: topology ?? null };
  }

  private checkInBackground(nowMs: number): void {
    if (this.checking || this.loading) return;
    this.checking = true;
    this.lastCheckMs = nowMs;
    void this.revisions!.revision()
      .then((revision) => {
        const loaded = this.loaded;
        if (loaded && (loaded.revision === null || revision > loaded.revision)) this.reloadInBackground(nowMs, true);
      })
      .catch((error: unknown) => this.revisions?.onError?.(error))
      .finally(() => {
        this.checking = false;
      });
  }

  private reloadInBackground(nowMs: number, catchUp = false): void {
    if (this.loading) return;
    this.lastCheckMs = nowMs;
    this.loading = this.load(nowMs, catchUp);
    this.loading.catch((error: unknown) => this.revisions?.onError?.(error));
  }

  private async load(at: number, catchUp = false): Promise<GraphIndex> {
    const generation = this.generation;
    try {
      const caughtUp = catchUp ? await this.catchUp() : null;
      const { topology, revision } = caughtUp ?? (await this.read());
      this.loads[caughtUp ? "caughtUp" : "whole"]++;
      const index = GraphIndex.build(topology);
      // An invalidate() during the load means this snapshot may predate the change: hand it out, do not keep it.
      // A replace() with a newer revision during the load wins too.
      const current = this.loaded;
      const newer = current !== null && current.revision !== null && revision !== null && current.revision > revision;
      if (generation === this.generation && !newer) {
        this.loaded = { index, at, revision, topology };
        // The load read the revision: the next check is due an interval from now.
        this.lastCheckMs = Math.max(this.lastCheckMs, at);
      }
      return index;
    } finally {
      if (generation === this.generation) this.loading = null;
    }
  }

  /**
   * The graph held with the diffs since its revision applied, or null when
   * that cannot be done (nothing held, a gap in the kept diffs, a diff that
   * does not fit, a graph not in order, a failed read): then the whole graph is read.
   */
  private async catchUp(): Promise<{ topology: GraphSnapshot; revision: number } | null> {
    const held = this.loaded;
    if (!this.revisions?.diffsSince || !held?.topology || held.revision === null) return null;
    try {
      const diffs = await this.revisions.diffsSince(held.revision);
      if (diffs.length === 0 || diffs[0]!.revision !== held.revision + 1) return null;
      let topology = held.topology;
      let revision = held.revision;
      for (const { revision: next, diff } of diffs) {
        if (next !== revision + 1) return null;
        topology = applyDiffInOrder(topology, diff);
        revision = next;
      }
      return { topology, revision };
    } catch {
      return null;
    }
  }

  private async read(): Promise<{ topology: RevisionedTopology["topology"]; revision: number | null }> {
    if (!this.revisions) return { topology: await this.graph.loadSnapshot(), revision: null };
    if (this.revisions.loadRevisioned) return this.revisions.loadRevisioned();
    // Revision first: the snapshot is at least this revision, so a change committed in between is seen at the next check.
    const revision = await this.revisions.revision();
    return { topology: await this.graph.loadSnapshot(), revision };
  }
}
