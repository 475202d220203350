import { findDeadlocks, type Deadlock, type Waiter } from "./find-deadlocks";
import type { LockSnapshot } from "./ports";
import type { LockKey, LockMode } from "./types";

const compatible = (a: LockMode, b: LockMode) => a === "SHARED" && b === "SHARED";

export interface WaitForGraph {
  /** Waiting holder → the holders it cannot proceed before. */
  edges: Map<string, string[]>;
  waiters: Map<string, Waiter>;
  /** What each waiting holder is queued for, and which instance to wake. */
  waitingOn: Map<string, { key: LockKey; instanceId: string }>;
}

/**
 * The wait-for graph of a store snapshot. A waiter waits for every live holder
 * it is incompatible with, and for every incompatible waiter ahead of it in the
 * queue: fairness makes those go first, so a SHARED request queued behind an
 * EXCLUSIVE waiter is blocked by it even though the current holders would admit it.
 */
export function buildWaitForGraph(locks: readonly LockSnapshot[]): WaitForGraph {
  const edges = new Map<string, string[]>();
  const waiters = new Map<string, Waiter>();
  const waitingOn = new Map<string, { key: LockKey; instanceId: string }>();
  for (const lock of locks) {
    lock.waiters.forEach((waiter, index) => {
      const targets = edges.get(waiter.holderId) ?? [];
      for (const holder of lock.holders) {
        if (holder.holderId !== waiter.holderId && !compatible(waiter.mode, holder.mode)) targets.push(holder.holderId);
      }
      for (const ahead of lock.waiters.slice(0, index)) {
        if (!compatible(waiter.mode, ahead.mode)) targets.push(ahead.holderId);
      }
      edges.set(waiter.holderId, [...new Set(targets)]);
      waiters.set(waiter.holderId, { priorityClass: waiter.priority, waitingSince: waiter.enqueuedAt.getTime() });
      waitingOn.set(waiter.holderId, { key: lock.key, instanceId: waiter.instanceId });
    });
  }
  return { edges, waiters, waitingOn };
}

/** The deadlocks in a snapshot, one victim each. */
export function findDeadlocksInSnapshot(locks: readonly LockSnapshot[]): { deadlocks: Deadlock[]; graph: WaitForGraph } {
  const graph = buildWaitForGraph(locks);
  return { deadlocks: findDeadlocks(graph.edges, graph.waiters), graph };
}
