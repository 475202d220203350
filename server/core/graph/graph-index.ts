import type { ResourceKind } from "../topology/types";
import type { GraphSnapshot } from "./types";

/** Services reached from one service within a depth: parallel arrays, nearest first. */
export interface Reach {
  /** Service ids (see GraphIndex.nameOf), in breadth-first order. */
  readonly nodes: Int32Array;
  /** Hops to each of `nodes` (1 = a direct edge). */
  readonly depths: Uint8Array;
}

export interface IndexedGroup {
  name: string;
  kind: ResourceKind;
  members: Int32Array;
}

/**
 * A snapshot turned into arrays once, so that answering "what does X reach
 * within 3 hops" costs a breadth-first walk over integers instead of string
 * maps, and the answer is remembered for the next call. Build one per snapshot
 * and reuse it for every conflict check until the topology changes; it never
 * changes the snapshot and holds no I/O.
 *
 * Edges are stored both ways in compressed sparse rows: `out` follows
 * DEPENDS_ON (downstream), `in` follows it backwards (upstream).
 */
/** Marks an index whichever copy of this module built it (see `Symbol.hasInstance` below). */
const GRAPH_INDEX_BRAND = Symbol.for("interlock.GraphIndex");

export class GraphIndex {
  readonly [GRAPH_INDEX_BRAND] = true;
  readonly serviceCount: number;
  readonly groups: readonly IndexedGroup[];
  private readonly names: string[];
  private readonly ids = new Map<string, number>();
  private readonly outStart: Int32Array;
  private readonly outEdges: Int32Array;
  private readonly inStart: Int32Array;
  private readonly inEdges: Int32Array;
  private readonly groupsByService: number[][];
  private readonly memo = new Map<string, Reach>();
  // Scratch space for walks: a generation stamp instead of clearing a visited array each time.
  private readonly seen: Uint32Array;
  private readonly queue: Int32Array;
  private generation = 0;

  private constructor(snapshot: GraphSnapshot) {
    this.names = snapshot.services.map((s) => s.name);
    this.serviceCount = this.names.length;
    this.names.forEach((name, i) => this.ids.set(name, i));
    const n = this.serviceCount;
    const from: number[] = [];
    const to: number[] = [];
    for (const edge of snapshot.dependencies) {
      const a = this.ids.get(edge.from);
      const b = this.ids.get(edge.to);
      if (a === undefined || b === undefined || a === b) continue; // a store never holds these; a hand-made snapshot might
      from.push(a);
      to.push(b);
    }
    [this.outStart, this.outEdges] = compress(n, from, to);
    [this.inStart, this.inEdges] = compress(n, to, from);
    this.groupsByService = Array.from({ length: n }, () => []);
    this.groups = snapshot.resourceGroups.map((group, g) => {
      const members = [...new Set(group.members.map((m) => this.ids.get(m)).filter((id): id is number => id !== undefined))];
      for (const m of members) this.groupsByService[m]!.push(g);
      return { name: group.name, kind: group.kind, members: Int32Array.from(members) };
    });
    this.seen = new Uint32Array(n);
    this.queue = new Int32Array(n);
  }

  // The server can hold two copies of this module (Next.js bundles the start-up code apart from
  // the routes), and an index built by one must still be recognised by the other, as AppError is:
  // otherwise a conflict check handed the container's index would re-index it as a snapshot and fail.
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as { [GRAPH_INDEX_BRAND]?: unknown })[GRAPH_INDEX_BRAND] === true;
  }

  static build(snapshot: GraphSnapshot): GraphIndex {
    return new GraphIndex(snapshot);
  }

  idOf(name: string): number | undefined {
    return this.ids.get(name);
  }

  nameOf(id: number): string {
    return this.names[id]!;
  }

  /** Services `id` depends on directly. */
  dependsOn(id: number): Int32Array {
    return this.outEdges.subarray(this.outStart[id], this.outStart[id + 1]);
  }

  /** Services that depend on `id` directly. */
  dependedOnBy(id: number): Int32Array {
    return this.inEdges.subarray(this.inStart[id], this.inStart[id + 1]);
  }

  /** Indexes into `groups` of the resource groups `id` belongs to. */
  groupsOf(id: number): readonly number[] {
    return this.groupsByService[id] ?? [];
  }

  /** Services `id` depends on within 1..depth hops (never `id` itself, even through a cycle). Remembered. */
  downstream(id: number, depth: number): Reach {
    return this.reach("d", id, depth, this.outStart, this.outEdges);
  }

  /** Services that depend on `id` within 1..depth hops (never `id` itself). Remembered. */
  upstream(id: number, depth: number): Reach {
    return this.reach("u", id, depth, this.inStart, this.inEdges);
  }

  /**
   * A shortest DEPENDS_ON path from `from` to `to` of at most `maxDepth` hops,
   * both ends included, or null. Only called for conflicts found, to explain them.
   */
  path(from: number, to: number, maxDepth: number): number[] | null {
    if (from === to) return [from];
    const parent = new Map<number, number>([[from, -1]]);
    let frontier = [from];
    for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth++) {
      const next: number[] = [];
      for (const node of frontier) {
        for (const dep of this.dependsOn(node)) {
          if (parent.has(dep)) continue;
          parent.set(dep, node);
          if (dep === to) {
            const path = [to];
            for (let at = node; at !== -1; at = parent.get(at)!) path.push(at);
            return path.reverse();
          }
          next.push(dep);
        }
      }
      frontier = next;
    }
    return null;
  }

  private reach(direction: string, id: number, depth: number, start: Int32Array, edges: Int32Array): Reach {
    const key = `${direction}${depth}:${id}`;
    const known = this.memo.get(key);
    if (known) return known;
    const stamp = this.nextGeneration();
    const seen = this.seen;
    const queue = this.queue;
    const depthOf: number[] = [];
    seen[id] = stamp;
    let head = 0;
    let tail = 0;
    // Level by level so that every node carries its fewest hops.
    let levelStart = 0;
    let frontierEnd = 0;
    queue[tail++] = id;
    frontierEnd = tail;
    for (let level = 1; level <= depth && head < tail; level++) {
      levelStart = tail;
      for (; head < frontierEnd; head++) {
        const node = queue[head]!;
        for (let e = start[node]!, end = start[node + 1]!; e < end; e++) {
          const next = edges[e]!;
          if (seen[next] === stamp) continue;
          seen[next] = stamp;
          queue[tail++] = next;
          depthOf.push(level);
        }
      }
      frontierEnd = tail;
      if (tail === levelStart) break;
    }
    const result: Reach = { nodes: queue.slice(1, tail), depths: Uint8Array.from(depthOf) };
    this.memo.set(key, result);
    return result;
  }

  private nextGeneration(): number {
    this.generation++;
    if (this.generation === 0xffffffff) {
      this.seen.fill(0);
      this.generation = 1;
    }
    return this.generation;
  }
}

/** Compressed sparse rows: for node i, targets are edges[start[i] .. start[i+1]). */
function compress(n: number, from: number[], to: number[]): [Int32Array, Int32Array] {
  const start = new Int32Array(n + 1);
  for (const a of from) start[a + 1] = start[a + 1]! + 1;
  for (let i = 0; i < n; i++) start[i + 1] = start[i + 1]! + start[i]!;
  const fill = start.slice(0, n);
  const edges = new Int32Array(from.length);
  for (let e = 0; e < from.length; e++) {
    const a = from[e]!;
    edges[fill[a]!] = to[e]!;
    fill[a] = fill[a]! + 1;
  }
  return [start, edges];
}

const cache = new WeakMap<GraphSnapshot, GraphIndex>();

/** The index of a snapshot, built on first use and kept as long as the snapshot object lives. */
export function indexSnapshot(snapshot: GraphSnapshot): GraphIndex {
  let index = cache.get(snapshot);
  if (!index) {
    index = GraphIndex.build(snapshot);
    cache.set(snapshot, index);
  }
  return index;
}
