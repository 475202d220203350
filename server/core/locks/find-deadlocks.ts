/** A holder waiting for locks, as the deadlock detector weighs it. */
export interface Waiter {
  /** Lower is more important (a rollback waits in a more important class than a deployment). */
  priorityClass: number;
  /** When it started waiting, in milliseconds on any clock shared by all waiters. */
  waitingSince: number;
}

export interface Deadlock {
  /** The holders in the cycle (one strongly connected component of the wait-for graph), sorted. */
  holders: string[];
  /** The one holder refused with DEADLOCK_DETECTED to break it. */
  victim: string;
}

/**
 * Finds circular waits in the wait-for graph (holder → the holders it waits
 * for) and chooses one victim per deadlock: the least important waiter, then
 * the one that has waited least (it loses the least work), then the greatest
 * id, so every process computing this picks the same victim. Only a holder
 * whose removal breaks every cycle of its component is eligible when one
 * exists: a waiter caught in the component only because it queues behind a
 * deadlocked holder is not refused for nothing. A component that no single
 * removal can untangle gets a further victim on the next pass.
 */
export function findDeadlocks(waitsFor: ReadonlyMap<string, readonly string[]>, waiters: ReadonlyMap<string, Waiter>): Deadlock[] {
  const graph = new Map<string, string[]>();
  for (const [holder, targets] of waitsFor) graph.set(holder, [...targets]);
  const deadlocks: Deadlock[] = [];
  for (;;) {
    const cycle = stronglyConnected(graph).find((component) => isCyclic(graph, component));
    if (!cycle) return deadlocks;
    const candidates = [...cycle].sort((a, b) => compareVictims(a, b, waiters));
    const victim = candidates.find((candidate) => !hasCycleWithout(graph, cycle, candidate)) ?? candidates[0]!;
    deadlocks.push({ holders: [...cycle].sort(), victim });
    removeNode(graph, victim);
  }
}

function isCyclic(graph: ReadonlyMap<string, readonly string[]>, component: readonly string[]): boolean {
  return component.length > 1 || (graph.get(component[0]!) ?? []).includes(component[0]!);
}

function removeNode(graph: Map<string, string[]>, node: string): void {
  graph.delete(node);
  for (const [holder, targets] of graph) graph.set(holder, targets.filter((t) => t !== node));
}

/** Whether the component still contains a cycle once `removed` leaves the graph. */
function hasCycleWithout(graph: ReadonlyMap<string, readonly string[]>, component: readonly string[], removed: string): boolean {
  const members = new Set(component.filter((n) => n !== removed));
  const sub = new Map<string, string[]>();
  for (const node of members) sub.set(node, (graph.get(node) ?? []).filter((t) => members.has(t)));
  return stronglyConnected(sub).some((c) => isCyclic(sub, c));
}

/** Negative when `a` should be the victim rather than `b`. */
function compareVictims(a: string, b: string, waiters: ReadonlyMap<string, Waiter>): number {
  const wa = waiters.get(a) ?? { priorityClass: Number.MAX_SAFE_INTEGER, waitingSince: Number.MAX_SAFE_INTEGER };
  const wb = waiters.get(b) ?? { priorityClass: Number.MAX_SAFE_INTEGER, waitingSince: Number.MAX_SAFE_INTEGER };
  return wb.priorityClass - wa.priorityClass || wb.waitingSince - wa.waitingSince || (a > b ? -1 : a < b ? 1 : 0);
}

/** Tarjan's algorithm, iterative so that a long chain of waiters cannot overflow the stack. */
function stronglyConnected(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  for (const root of [...graph.keys()].sort()) {
    if (index.has(root)) continue;
    const work: { node: string; edge: number }[] = [{ node: root, edge: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work.at(-1)!;
      const targets = graph.get(frame.node) ?? [];
      if (frame.edge < targets.length) {
        const target = targets[frame.edge++]!;
        if (!index.has(target)) {
          index.set(target, next);
          low.set(target, next++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, edge: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}
