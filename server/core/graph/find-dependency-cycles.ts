import type { GraphSnapshot } from "./types";

/**
 * The dependency cycles of a topology, each as the names of one strongly
 * connected component (sorted), the components sorted by their first name.
 * Cycles are legal (services do call each other back; async events loop) and
 * an import accepts them, but it reports them because a cycle makes every
 * member upstream and downstream of every other, which widens conflicts and
 * blast radius. Tarjan's algorithm, iterative so a 10,000-service graph cannot
 * overflow the stack.
 */
export function findDependencyCycles(topology: GraphSnapshot): string[][] {
  const names = topology.services.map((s) => s.name);
  const ids = new Map(names.map((name, i) => [name, i]));
  const adjacency: number[][] = names.map(() => []);
  for (const edge of topology.dependencies) {
    const a = ids.get(edge.from);
    const b = ids.get(edge.to);
    if (a !== undefined && b !== undefined) adjacency[a]!.push(b);
  }
  const n = names.length;
  const order = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (order[root] !== -1) continue;
    const work: [node: number, nextEdge: number][] = [[root, 0]];
    order[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const [node, edgeIndex] = frame;
      const edges = adjacency[node]!;
      if (edgeIndex < edges.length) {
        frame[1]++;
        const next = edges[edgeIndex]!;
        if (order[next] === -1) {
          order[next] = low[next] = counter++;
          stack.push(next);
          onStack[next] = 1;
          work.push([next, 0]);
        } else if (onStack[next]) {
          low[node] = Math.min(low[node]!, order[next]!);
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low[parent[0]] = Math.min(low[parent[0]]!, low[node]!);
      if (low[node] === order[node]) {
        const component: string[] = [];
        let member: number;
        do {
          member = stack.pop()!;
          onStack[member] = 0;
          component.push(names[member]!);
        } while (member !== node);
        if (component.length > 1) cycles.push(component.sort());
      }
    }
  }
  return cycles.sort((a, b) => a[0]!.localeCompare(b[0]!));
}
