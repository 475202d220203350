// The dependency graph's automatic layout, left to right: dependents before
// their dependencies (the front doors on the left, the platform on the right),
// each resource group right of its members. Pure: same topology, same
// positions. The console runs it once per topology (useMemo), never on a
// selection.
//
// Two strategies. dagre (network simplex ranking, crossing minimisation) gives
// the best picture and is used for graphs of the demo's size. It does not
// scale: measured on a 1,000-service, 4,000-dependency synthetic graph it
// takes minutes with network simplex and ~7 s with longest-path ranking, all
// of it blocking the page. Above DAGRE_LIMIT the console uses `layeredLayout`,
// the same Sugiyama idea in linear passes (longest-path ranks, a few
// barycentre sweeps, no dummy nodes): tens of milliseconds at 1,000 services
// (layout.test.ts prints the figures).
import dagre from "@dagrejs/dagre";
import type { TTopology } from "@/lib/api/graph";

export const SERVICE_NODE = { width: 190, height: 52 } as const;
export const GROUP_NODE = { width: 156, height: 42 } as const;
const NODE_SEP = 12;
const EDGE_SEP = 4;
const RANK_SEP = 44;
const MARGIN = 16;

/** Nodes + edges (services, groups, dependencies, memberships) up to which dagre lays the graph out. */
export const DAGRE_LIMIT = 400;

/** The id of a resource group's node: prefixed, so a group never collides with a service of the same name. */
export const groupNodeId = (group: string) => `group:${group}`;

export interface PositionedNode {
  id: string;
  kind: "service" | "group";
  /** The service's or the group's name. */
  name: string;
  /** Top-left corner, as React Flow places nodes. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface TopologyLayout {
  nodes: PositionedNode[];
  width: number;
  height: number;
  strategy: "dagre" | "layered";
}

export interface LayoutOptions {
  /** Place the resource groups' nodes too (each right of its members). */
  includeGroups?: boolean;
  /** Force a strategy; by default dagre up to DAGRE_LIMIT, layered above. */
  strategy?: "dagre" | "layered";
  /** dagre's ranker (forced dagre only; for measurements). */
  ranker?: "network-simplex" | "longest-path" | "tight-tree";
}

interface LayoutGraph {
  nodes: { id: string; kind: "service" | "group"; name: string; width: number; height: number }[];
  edges: { from: string; to: string; weight: number }[];
}

/** The graph to lay out: services and (optionally) group nodes; dependency edges and member → group edges. */
function layoutGraph(topology: TTopology, includeGroups: boolean): LayoutGraph {
  const known = new Set<string>();
  const nodes: LayoutGraph["nodes"] = [];
  const edges: LayoutGraph["edges"] = [];
  for (const service of topology.services) {
    if (known.has(service.name)) continue;
    known.add(service.name);
    nodes.push({ id: service.name, kind: "service", name: service.name, ...SERVICE_NODE });
  }
  const seen = new Set<string>();
  for (const { from, to } of topology.dependencies) {
    const key = `${from}\u0000${to}`;
    if (from === to || !known.has(from) || !known.has(to) || seen.has(key)) continue;
    seen.add(key);
    edges.push({ from, to, weight: 2 });
  }
  if (includeGroups) {
    for (const group of topology.resourceGroups) {
      const id = groupNodeId(group.name);
      if (known.has(id)) continue;
      known.add(id);
      nodes.push({ id, kind: "group", name: group.name, ...GROUP_NODE });
      for (const member of new Set(group.members)) if (known.has(member) && member !== id) edges.push({ from: member, to: id, weight: 1 });
    }
  }
  return { nodes, edges };
}

export function layoutTopology(topology: TTopology, options: LayoutOptions = {}): TopologyLayout {
  const graph = layoutGraph(topology, options.includeGroups ?? true);
  const strategy = options.strategy ?? (graph.nodes.length + graph.edges.length <= DAGRE_LIMIT ? "dagre" : "layered");
  return strategy === "dagre" ? dagreLayout(graph, options.ranker ?? "network-simplex") : layeredLayout(graph);
}

function dagreLayout(graph: LayoutGraph, ranker: NonNullable<LayoutOptions["ranker"]>): TopologyLayout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: NODE_SEP, edgesep: EDGE_SEP, ranksep: RANK_SEP, marginx: MARGIN, marginy: MARGIN, ranker });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) g.setNode(node.id, { width: node.width, height: node.height });
  for (const edge of graph.edges) g.setEdge(edge.from, edge.to, { weight: edge.weight, minlen: 1 });
  dagre.layout(g);
  const nodes: PositionedNode[] = [];
  let width = 0;
  let height = 0;
  for (const node of graph.nodes) {
    const n = g.node(node.id);
    const x = (n?.x ?? 0) - node.width / 2;
    const y = (n?.y ?? 0) - node.height / 2;
    width = Math.max(width, x + node.width + MARGIN);
    height = Math.max(height, y + node.height + MARGIN);
    nodes.push({ ...node, x, y });
  }
  return { nodes, width, height, strategy: "dagre" };
}

/**
 * A linear-time layered layout: ranks by longest path from the dependents
 * (back edges of cycles found by a depth-first search are left out of the
 * ranking; each node then pulled next to its nearest dependency), order within
 * a rank by alternating barycentre sweeps, then a grid of columns (tall ranks
 * wrapped), each centred vertically.
 */
export function layeredLayout(graph: LayoutGraph): TopologyLayout {
  const n = graph.nodes.length;
  const index = new Map(graph.nodes.map((node, i) => [node.id, i]));
  const out: number[][] = Array.from({ length: n }, () => []);
  const into: number[][] = Array.from({ length: n }, () => []);
  for (const edge of graph.edges) {
    const a = index.get(edge.from)!;
    const b = index.get(edge.to)!;
    out[a]!.push(b);
  }

  // Break cycles: an iterative depth-first search drops the edges that point back into its stack.
  const state = new Uint8Array(n); // 0 new, 1 on stack, 2 done
  const forward: number[][] = Array.from({ length: n }, () => []);
  for (let root = 0; root < n; root++) {
    if (state[root]) continue;
    const stack: [node: number, next: number][] = [[root, 0]];
    state[root] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [v, i] = top;
      if (i < out[v]!.length) {
        top[1]++;
        const w = out[v]![i]!;
        if (state[w] === 1) continue; // back edge
        forward[v]!.push(w);
        if (state[w] === 0) {
          state[w] = 1;
          stack.push([w, 0]);
        }
      } else {
        state[v] = 2;
        stack.pop();
      }
    }
  }
  for (let v = 0; v < n; v++) for (const w of forward[v]!) into[w]!.push(v);

  // Longest-path ranks over the acyclic edges (Kahn's order).
  const rank = new Int32Array(n);
  const pending = Int32Array.from(into, (list) => list.length);
  const queue: number[] = [];
  for (let v = 0; v < n; v++) if (pending[v] === 0) queue.push(v);
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!;
    for (const w of forward[v]!) {
      rank[w] = Math.max(rank[w]!, rank[v]! + 1);
      if (--pending[w]! === 0) queue.push(w);
    }
  }
  // Pull each node right, next to its nearest dependency (reverse topological order: its
  // successors are final), so services nothing depends on do not all pile up in column 0.
  for (let head = queue.length - 1; head >= 0; head--) {
    const v = queue[head]!;
    if (forward[v]!.length === 0) continue;
    let nearest = Infinity;
    for (const w of forward[v]!) nearest = Math.min(nearest, rank[w]!);
    rank[v] = Math.max(rank[v]!, nearest - 1);
  }
  const rankCount = n === 0 ? 0 : Math.max(...rank) + 1;
  const layers: number[][] = Array.from({ length: rankCount }, () => []);
  for (let v = 0; v < n; v++) layers[rank[v]!]!.push(v);
  for (const layer of layers) layer.sort((a, b) => (graph.nodes[a]!.id < graph.nodes[b]!.id ? -1 : 1));

  // Barycentre sweeps: left to right by predecessors, right to left by successors.
  const position = new Float64Array(n);
  const place = () => layers.forEach((layer) => layer.forEach((v, i) => (position[v] = i)));
  place();
  const sweep = (layer: number[], neighbours: number[][]) => {
    const key = new Float64Array(n);
    for (const v of layer) {
      const list = neighbours[v]!;
      if (list.length === 0) key[v] = position[v]!;
      else {
        let sum = 0;
        for (const u of list) sum += position[u]!;
        key[v] = sum / list.length;
      }
    }
    layer.sort((a, b) => key[a]! - key[b]! || position[a]! - position[b]!);
    layer.forEach((v, i) => (position[v] = i));
  };
  for (let round = 0; round < 4; round++) {
    for (let r = 1; r < rankCount; r++) sweep(layers[r]!, into);
    for (let r = rankCount - 2; r >= 0; r--) sweep(layers[r]!, forward);
  }

  // Columns: a rank taller than `perColumn` wraps into several columns, so a large graph
  // keeps roughly the aspect of a screen (1.6 : 1) instead of a few very tall columns.
  const cellWidth = SERVICE_NODE.width + RANK_SEP;
  const cellHeight = SERVICE_NODE.height + NODE_SEP;
  const perColumn = Math.max(12, Math.ceil(Math.sqrt((n * cellWidth) / (1.6 * cellHeight))));
  const columns: number[][] = layers.flatMap((layer) => Array.from({ length: Math.ceil(layer.length / perColumn) }, (_, i) => layer.slice(i * perColumn, (i + 1) * perColumn)));
  const columnHeight = columns.map((column) => column.reduce((h, v) => h + graph.nodes[v]!.height, 0) + Math.max(0, column.length - 1) * NODE_SEP);
  const tallest = Math.max(0, ...columnHeight);
  const nodes: PositionedNode[] = new Array(n);
  let x = MARGIN;
  columns.forEach((column, c) => {
    const columnWidth = Math.max(...column.map((v) => graph.nodes[v]!.width));
    let y = MARGIN + (tallest - columnHeight[c]!) / 2;
    for (const v of column) {
      const node = graph.nodes[v]!;
      nodes[v] = { ...node, x: x + (columnWidth - node.width) / 2, y };
      y += node.height + NODE_SEP;
    }
    x += columnWidth + RANK_SEP;
  });
  return { nodes, width: n === 0 ? 0 : x - RANK_SEP + MARGIN, height: n === 0 ? 0 : tallest + 2 * MARGIN, strategy: "layered" };
}
